import { afterEach } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ExportTask } from '../../src/dataset/dataset.types.js';
import { DatasetService } from '../../src/dataset/dataset.service.js';
import { parseTaskFile, renderTasks } from '../../src/dataset/task-file.codec.js';
import { dvcOutputPaths } from '../../src/dvc/dataset-paths.util.js';
import { parseDirObject } from '../../src/dvc/dir-object.codec.js';
import { buildDirObject } from './dir-object.js';
import { findOut, readDvcFile } from '../../src/dvc/dvc-file.reader.js';
import { writeDvcFile } from '../../src/dvc/dvc-file.writer.js';
import { addGitignoreEntry } from '../../src/dvc/gitignore.updater.js';
import { md5Hex } from '../../src/dvc/md5.util.js';
import { createFlushPipeline } from '../../src/sync/flush-pipeline.factory.js';
import type { FlushPipeline } from '../../src/sync/flush.pipeline.js';
import { SyncStateStore } from '../../src/sync/sync-state.store.js';
import { FixedDvcRemotes } from '../fakes/fixed-dvc.remotes.js';
import { InMemoryDvcRemote } from '../fakes/in-memory-dvc.remote.js';
import { InMemoryGitRemote } from '../fakes/in-memory-git.remote.js';
import { InMemoryStorageBackend } from '../fakes/in-memory-storage.backend.js';

// The sync engine of one service, assembled by hand on the in-memory fakes, plus what a teammate (git push +
// dvc push) and a data scientist (git pull + dvc pull) would do. No test-framework import.

/** Values that must never show up in a commit message, a log line or the status (invariant 6). */
export const SECRETS = {
  remoteAccessKeyId: 'AKIAREMOTEKEYID00001',
  remoteSecretAccessKey: 'remote-secret/Zq8+VERY+SECRET+dvc',
} as const;

export interface HarnessOptions {
  /** DVC_DATASET_PATH: `data/annotations` (directory), `data/annotations.json`, `data/annotations.jsonl`. */
  datasetPath?: string;
  git?: InMemoryGitRemote;
  storage?: InMemoryStorageBackend;
  remote?: InMemoryDvcRemote;
}

export class SyncHarness {
  readonly paths;

  private constructor(
    readonly dataDir: string,
    readonly storage: InMemoryStorageBackend,
    readonly git: InMemoryGitRemote,
    readonly remote: InMemoryDvcRemote,
    readonly state: SyncStateStore,
    readonly dataset: DatasetService,
    readonly runner: FlushPipeline,
  ) {
    this.paths = dvcOutputPaths(dataset.path);
  }

  static create(options: HarnessOptions = {}): SyncHarness {
    Logger.overrideLogger(false);
    const dataDir = mkdtempSync(join(tmpdir(), 'sync-spec-'));
    const storage = options.storage ?? new InMemoryStorageBackend();
    const git = options.git ?? new InMemoryGitRemote();
    const remote = options.remote ?? new InMemoryDvcRemote();
    const state = new SyncStateStore({ dataDir });
    const dataset = new DatasetService({ datasetPath: options.datasetPath ?? 'data/annotations' });
    const runner = createFlushPipeline({ storage, state, git, remotes: new FixedDvcRemotes(remote), dataset });
    return new SyncHarness(dataDir, storage, git, remote, state, dataset, runner);
  }

  /** The pipeline a restarted service builds on the same storage, sync state, branch and remote (nothing cached). */
  restartedRunner(): FlushPipeline {
    const remotes = new FixedDvcRemotes(this.remote);
    const { storage, state, git, dataset } = this;
    return createFlushPipeline({ storage, state, git, remotes, dataset });
  }

  async put(key: string, body: string | Buffer): Promise<void> {
    await this.storage.putObject({ key, body: Readable.from([Buffer.from(body)]), maxSize: 1 << 20, userMetadata: {} });
  }

  async putMany(objects: Record<string, string>): Promise<void> {
    for (const [key, body] of Object.entries(objects)) await this.put(key, body);
  }

  async delete(key: string): Promise<void> {
    await this.storage.deleteObject(key);
  }

  flush() {
    return this.runner.run();
  }

  /** Acknowledged changes not yet in a pushed commit. */
  async pending(): Promise<number> {
    return (await this.storage.lastSeq()) - this.state.progress().syncedSeq;
  }

  /** The dataset's `.dvc` out at the branch tip (or at `commit`). */
  out(commit: string | null = this.git.tip) {
    const text = this.git.files(commit)[this.paths.dvcFile];
    return text === undefined ? undefined : findOut(readDvcFile(text), this.paths.outPath);
  }

  /**
   * What `git pull && dvc pull` gives a data scientist: relpath → content for a directory dataset, or
   * `{ [outPath]: content }` for a task file. Throws when the commit names an object the remote lacks.
   */
  pulled(commit: string | null = this.git.tip): Record<string, string> {
    const md5 = this.out(commit)?.md5;
    if (md5 === undefined) return {};
    const object = (id: string) => {
      const bytes = this.remote.get(id);
      if (!bytes) throw new Error(`dvc pull: ${id} is not on the remote`);
      return bytes.toString('utf8');
    };
    if (!md5.endsWith('.dir')) return { [this.paths.outPath]: object(md5) };
    return Object.fromEntries(parseDirObject(object(md5), md5).map((entry) => [entry.relpath, object(entry.md5)]));
  }

  /** Task ids → task, of the JSON/JSONL dataset at the tip. */
  pulledTasks(commit: string | null = this.git.tip): Map<string, ExportTask> {
    const content = this.pulled(commit)[this.paths.outPath];
    if (content === undefined) return new Map();
    const parsed = parseTaskFile(Buffer.from(content), this.dataset.layout as 'json' | 'jsonl');
    if (!parsed.ok) throw new Error(parsed.reason);
    return new Map(parsed.tasks.map((task) => [String(task.id), task]));
  }

  /**
   * A teammate's `dvc add` + `dvc push` of a directory dataset: the objects go to the remote, and the files
   * to commit (the `.dvc` and `.gitignore`) are returned for `git.teammatePush`.
   */
  teammateDirectory(files: Record<string, string>, options: { unpushed?: string[] } = {}): Record<string, string> {
    const dir = buildDirObject(
      Object.entries(files).map(([relpath, content]) => ({
        relpath,
        md5: md5Hex(Buffer.from(content)),
        size: Buffer.byteLength(content),
      })),
    );
    for (const [relpath, content] of Object.entries(files))
      if (!options.unpushed?.includes(relpath)) this.remote.seed(md5Hex(Buffer.from(content)), content);
    this.remote.seed(dir.hash, dir.content);
    return this.teammateDvcFiles({ md5: dir.hash, size: dir.size, nfiles: dir.nfiles }, true);
  }

  /** The same for a JSON/JSONL dataset holding `tasks`. */
  teammateTaskFile(tasks: ExportTask[]): Record<string, string> {
    const content = renderTasks(tasks, this.dataset.layout as 'json' | 'jsonl');
    const md5 = md5Hex(content);
    this.remote.seed(md5, content);
    return this.teammateDvcFiles({ md5, size: content.length }, false);
  }

  close(): void {
    this.state.close();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private teammateDvcFiles(
    hash: { md5: string; size: number; nfiles?: number },
    isDirectory: boolean,
  ): Record<string, string> {
    const files = this.git.files();
    return {
      [this.paths.dvcFile]: writeDvcFile(files[this.paths.dvcFile], this.paths.outPath, hash),
      [this.paths.gitignoreFile]: addGitignoreEntry(files[this.paths.gitignoreFile], this.paths.outPath, isDirectory),
    };
  }
}

/** A task-mode Label Studio body (the whole task, as FUTURE_SAVE_TASK_TO_STORAGE writes it). */
export function taskBody(id: number, annotations: Array<{ id: number; label: string }>): string {
  return JSON.stringify({
    id,
    data: { text: `task ${id}` },
    annotations: annotations.map((a) => ({
      id: a.id,
      result: [{ value: { choices: [a.label] } }],
      was_cancelled: false,
    })),
  });
}

/** The labels of a task as the dataset holds them, e.g. `['cat']`. */
export function labelsOf(task: ExportTask | undefined): string[] {
  if (!task) return [];
  return task.annotations.map((a) =>
    ((a.result as Array<{ value: { choices: string[] } }>)[0]?.value.choices ?? []).join('+'),
  );
}

/** A harness factory for one spec file: every harness it makes is closed (temp folder removed) after each test. */
export function harnessPerTest(): (options?: HarnessOptions) => SyncHarness {
  const open: SyncHarness[] = [];
  afterEach(() => open.splice(0).forEach((h) => h.close()));
  return (options = {}) => {
    const h = SyncHarness.create(options);
    open.push(h);
    return h;
  };
}
