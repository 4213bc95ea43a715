import { Logger } from '@nestjs/common';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { noCheckpoint, type Checkpoint } from '../common/crash.checkpoint.js';
import type { DatasetLayout, DatasetVersion, OursSnapshot } from '../dataset/dataset-layout.port.js';
import type { DatasetService } from '../dataset/dataset.service.js';
import type { DatasetDiff } from '../dataset/manifest.changes.js';
import { isObjectChange, StoredObjectsReader } from '../dataset/stored-objects.reader.js';
import { offeredFiles, pushDataset, uploadAhead } from '../dvc/dataset.pusher.js';
import { dvcOutputPaths } from '../dvc/dataset-paths.util.js';
import { datasetFileChanges, readTipDataset, type TipDataset } from '../dvc/dataset-tracking.files.js';
import type { DvcRemote } from '../dvc/dvc.remote.js';
import type { DvcRemotes } from '../dvc/dvc-remotes.port.js';
import type { GitRemote, GitTip } from '../git/git.remote.js';
import type { StorageBackend } from '../storage/storage.backend.js';
import { FlushPhaseClock } from './flush-phase.clock.js';
import { FlushPipeline, type PipelineTarget } from './flush.pipeline.js';
import { REJECTED_SHOWN, type FlushSummary } from './sync-status.types.js';
import type { SyncStateStore } from './sync-state.store.js';

const MAX_ATTEMPTS = 6;
/** Sync-state items decoded between two turns of the event loop (100,000 of them are ~0.2 s of JSON.parse). */
const DECODED_PER_TURN = 5000;

interface Target {
  tip: GitTip | null;
  dataset: TipDataset;
  remote: DvcRemote;
}

/** What one pipeline drives: the project's storage, sync state, repository, DVC remotes and dataset. */
export interface PipelineParts {
  storage: StorageBackend;
  state: SyncStateStore;
  git: GitRemote;
  remotes: DvcRemotes;
  dataset: DatasetService;
  /** Named points of a flush for the crash tests (DVC_SYNC_TEST_CRASH_AFTER); a no-op in production. */
  checkpoint?: Checkpoint;
}

/**
 * One flush: storage changes → the layout's new dataset → DVC push (`pushDataset`: files, then `.dir`) → one
 * commit on the branch tip → git push → record. When the branch moved, it starts over on the new tip (and merges
 * when a teammate changed the dataset); the uploaded objects stay valid, so a retry costs only what changed.
 * `T` is the layout's item type; nothing here depends on which layout it is.
 */
export class FlushRunner<T> extends FlushPipeline {
  private readonly logger = new Logger('Flush');
  private readonly paths;
  private readonly storage: StorageBackend;
  private readonly state: SyncStateStore;
  private readonly git: GitRemote;
  private readonly remotes: DvcRemotes;
  private readonly dataset: DatasetService;
  private readonly objects: StoredObjectsReader;
  private readonly checkpoint: Checkpoint;
  private lastRemote: DvcRemote | undefined;
  /** The decoded items of the last push: a cache of the sync state's rows, replaced at every record, taken by a flush. */
  private base: { id: string; items: Map<string, T> } | null = null;
  /** `prepare` at work: a flush waits for it rather than reading the same rows next to it. */
  private preparing: Promise<void> | undefined;

  constructor(
    private readonly layout: DatasetLayout<T>,
    parts: PipelineParts,
  ) {
    super();
    ({ storage: this.storage, state: this.state, git: this.git, remotes: this.remotes, dataset: this.dataset } = parts);
    this.objects = new StoredObjectsReader(parts.storage);
    this.checkpoint = parts.checkpoint ?? noCheckpoint;
    this.paths = dvcOutputPaths(parts.dataset.path);
  }

  target(): PipelineTarget {
    return { git: this.git, dvc: this.lastRemote };
  }

  describe() {
    const git = this.git.describe();
    return {
      repository: git.url,
      branch: git.branch,
      dataset: this.dataset.path,
      layout: this.dataset.layout,
      remote: this.lastRemote?.describe() ?? null,
    };
  }

  async checkTarget(): Promise<void> {
    await this.resolveTarget();
  }

  /** Fetches the tip and resolves the DVC remote the branch's settings name. */
  private async resolveTarget(): Promise<Target> {
    const tip = await this.git.fetchTip();
    const read = (path: string) => (tip ? this.git.readFile(tip.commit, path) : Promise.resolve(undefined));
    const [dvcFile, gitignore, dvcConfig] = await Promise.all([
      read(this.paths.dvcFile),
      read(this.paths.gitignoreFile),
      read('.dvc/config'),
    ]);
    const dataset = readTipDataset(this.paths, { dvcFile, gitignore, dvcConfig });
    const remote = this.remotes.forRepository({ config: dataset.dvcConfig, outRemote: dataset.out?.remote });
    this.lastRemote = remote;
    return { tip, dataset, remote };
  }

  prepare(): Promise<void> {
    const base = this.loadBase().catch((error: unknown) => {
      this.logger.warn(`could not load the last push ahead of the next flush (it reads it then): ${String(error)}`);
    });
    const remote = this.settleRemote().catch((error: unknown) => {
      this.logger.warn(`could not settle the DVC remote ahead of the next flush (it does then): ${String(error)}`);
    });
    this.preparing = Promise.all([base, remote]).then(() => undefined);
    return this.preparing;
  }

  /**
   * The remote's first `syncUploads` in a process also makes durable what a crashed predecessor may have left
   * unsynced there: for a local folder, each of its `files/md5/xx/` folders (256 at 100,000 files; one syncfs), ~80 ms
   * that the first flush after a restart paid inside its own time. Done here, while the service idles, for the remote
   * `checkTarget` resolved at startup; a flush resolves its own and syncs it anyway.
   */
  private async settleRemote(): Promise<void> {
    await nextTurn(); // not inside the startup that called it
    await this.lastRemote?.syncUploads();
  }

  /** The last push's items, and what the layout derives from them, as the next flush would build them first. */
  private async loadBase(): Promise<void> {
    await nextTurn(); // not inside the startup that called it
    const id = this.state.progress().pushedDataset;
    if (!id || this.base) return;
    const items = await this.readBase();
    await this.layout.prepare?.(items);
    this.base = { id, items };
  }

  async run(): Promise<FlushSummary> {
    await this.preparing;
    this.preparing = undefined;
    const started = Date.now();
    const clock = new FlushPhaseClock();
    const upto = await this.storage.lastSeq();
    const progress = this.state.progress();
    const changes = (await this.storage.changesSince(progress.syncedSeq)).filter((change) => change.seq <= upto);
    let changedKeys = [...new Set(changes.map((change) => change.key))];
    let rebases = 0;
    let uploaded = 0; // also what attempts that lost a race on the branch uploaded: it stays on the remote
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      clock.mark('changes');
      const target = await this.resolveTarget();
      clock.mark('target');
      const datasetId = `${this.dataset.path}#${this.dataset.layout}#${target.remote.describe()}`;
      const fullRebuild = progress.pushedDataset !== datasetId;
      if (!fullRebuild && changedKeys.length === 0)
        return this.summary(started, null, { added: [], updated: [], deleted: [] }, 0, 0, false);
      if (fullRebuild && attempt === 1) changedKeys = [...new Set([...changedKeys, ...(await this.allKeys())])];
      // Handed over to the layout, which may change it into ours (no copy of every item): the last push, as a merge
      // needs it, is read again from the sync state.
      const base = fullRebuild ? new Map<string, T>() : await this.takeBase(datasetId);
      const lastPushed = () => (fullRebuild ? Promise.resolve(new Map<string, T>()) : this.readBase());
      try {
        const ours = await this.layout.ours({
          objects: this.objects,
          base,
          changedKeys,
          fullRebuild,
          lastPushedItemsOf: (keys) => this.state.itemsOfKeys(keys),
        });
        clock.mark('ours');
        const baseHash = fullRebuild ? undefined : (progress.pushedDatasetHash ?? undefined);
        const { items, base: mergeBase } = await this.mergeWithBranch(target, lastPushed, ours.items, baseHash);
        const merged = mergeBase !== undefined;
        clock.mark('merge');
        // A turn of the event loop between building ours and the work below, which both run in one go up to their
        // first I/O: for a flush of 6,000 objects that was ~30 ms without a PUT served (invariant 7).
        await nextTurn();
        const read = (id: string) => target.remote.read(id);
        // The changed files go up and are made durable while the layout builds the version (at 100,000 files its
        // `.dir`: ~20 ms of CPU here, while the uploads and fsyncs wait on the disk or the network), and the remote
        // writes the `.dir` while its md5 is computed (`stage`). Not after a merge: uploadAhead says why.
        const ahead = merged ? undefined : uploadAhead(target.remote, offeredFiles(ours.offered));
        const stage = (content: Buffer) => target.remote.stage(content);
        // `ahead` never rejects; awaited whatever materialize does, so that no upload of this attempt outlives it.
        const version = await this.layout.materialize(items, ours.offered, read, stage).finally(() => ahead);
        clock.mark('materialize');
        const mustExist = mergeBase ? this.layout.filesToVerify(mergeBase, items, version) : [];
        const checkpoint: Checkpoint = (step) => (clock.mark(step), this.checkpoint(step));
        // The commit is built while the `.dir` is made durable (it names the `.dir` by its hash, known already); it is
        // pushed only once pushDataset has resolved, i.e. once everything it names is durable (invariant 2).
        const pushed = await pushDataset(target.remote, version, {
          ahead: await ahead,
          mustExist,
          checkpoint,
          meanwhile: () => this.commit(target, version, ours.diff),
        });
        uploaded += pushed.uploaded.length;
        clock.mark('commit-built');
        const commit = pushed.meanwhile;
        if (commit) checkpoint('commit-written');
        if (commit && !(await this.pushCommit(commit))) {
          rebases++;
          this.logger.log(`the branch moved during the flush: rebuilding on the new tip (attempt ${attempt + 1})`);
          continue;
        }
        if (commit) checkpoint('push-acknowledged');
        await this.record(
          datasetId,
          upto,
          fullRebuild,
          merged,
          ours,
          items,
          version.hash,
          commit ?? target.tip?.commit ?? null,
        );
        checkpoint('state-recorded');
        await this.storage.pruneChanges(upto + 1);
        checkpoint('journal-pruned');
        this.logger.debug(`flush phases: ${clock.toString()}`);
        this.logger.log(
          commit
            ? `committed ${commit.slice(0, 10)} to ${this.git.describe().branch}: ${ours.diff.added.length} added, ${ours.diff.updated.length} updated, ${ours.diff.deleted.length} deleted; ${uploaded} objects uploaded`
            : `nothing to commit: ${this.dataset.path} on ${this.git.describe().branch} already matches storage`,
        );
        return this.summary(started, commit, ours.diff, uploaded, rebases, merged);
      } catch (error) {
        if (isObjectChange(error) && attempt < MAX_ATTEMPTS) continue; // a PUT raced us: plan again
        throw error;
      }
    }
    throw new Error(`the branch kept moving: gave up after ${MAX_ATTEMPTS} attempts (will retry)`);
  }

  /**
   * Ours, or the 3-way merge with the branch's dataset when a teammate changed it since our last push
   * (invariant 4). What we cannot read is never overwritten: the flush fails and stays pending instead.
   * `base` (the last push) is there exactly when it merged.
   */
  private async mergeWithBranch(
    target: Target,
    lastPushed: () => Promise<Map<string, T>>,
    ours: Map<string, T>,
    baseHash: string | undefined,
  ): Promise<{ items: Map<string, T>; base?: Map<string, T> }> {
    const theirsHash = target.dataset.out?.md5; // `<md5>` or `<md5>.dir`
    if (!theirsHash || theirsHash === baseHash) return { items: ours };
    const theirs = await this.layout.theirs(theirsHash, (id) => target.remote.read(id));
    if (!theirs) {
      throw new Error(
        `the branch's ${this.paths.dvcFile} points to ${theirsHash}, which ${target.remote.describe()} does not have ` +
          `(or which is not a ${this.dataset.layout} dataset): a teammate committed it without 'dvc push'. ` +
          `Changes stay pending; once they run 'dvc push' (or revert that commit) the next flush merges.`,
      );
    }
    const base = await lastPushed();
    const result = this.layout.merge(base, ours, theirs);
    this.logger.log(
      `merged with the branch's version of ${this.dataset.path} (${result.conflicts} items changed on both sides: ours kept)`,
    );
    return { items: result.items, base };
  }

  /** A commit on the fetched tip touching only the dataset's `.dvc` and `.gitignore`; null when nothing changes. */
  private async commit(target: Target, version: DatasetVersion, diff: DatasetDiff): Promise<string | null> {
    const hash = { md5: version.hash, size: version.size, nfiles: version.nfiles };
    const changes = datasetFileChanges(this.paths, target.dataset, hash, this.layout.isDirectory);
    if (changes.length === 0) return null;
    return this.git.commitChanges({
      parent: target.tip?.commit ?? null,
      changes,
      message: this.dataset.commitMessage(diff),
    });
  }

  /** True when pushed; false when the branch moved (non-fast-forward); any other refusal is an error. */
  private async pushCommit(commit: string): Promise<boolean> {
    const pushed = await this.git.push(commit);
    if (pushed.ok) return true;
    if (pushed.reason === 'non-fast-forward') return false;
    throw new Error(`git push failed: ${pushed.reason}`);
  }

  private async record(
    datasetId: string,
    upto: number,
    fullRebuild: boolean,
    merged: boolean,
    ours: OursSnapshot<T>,
    items: Map<string, T>,
    datasetHash: string,
    commit: string | null,
  ): Promise<void> {
    const replaceAll = fullRebuild || merged;
    const ids = replaceAll ? [...items.keys()] : [...ours.touched];
    await this.state.recordPush({
      replaceAll,
      replaceKeyItems: fullRebuild,
      upsert: ids.flatMap((id) => {
        const item = items.get(id);
        return item === undefined ? [] : [this.layout.encode(id, item)];
      }),
      remove: replaceAll ? [] : ids.filter((id) => !items.has(id)),
      keyItems: ours.keyItems,
      progress: {
        syncedSeq: upto,
        lastCommit: commit,
        lastSyncAt: new Date().toISOString(),
        lastError: null,
        lastErrorAt: null,
        consecutiveFailures: 0,
        pushedDatasetHash: datasetHash,
        pushedDataset: datasetId,
        rejected: ours.rejected.slice(0, REJECTED_SHOWN),
        rejectedCount: ours.rejected.length,
      },
    });
    this.base = { id: datasetId, items };
  }

  /** The items of the last push, for this flush to change: the cache (emptied: a retry reads them again), or the state. */
  private async takeBase(datasetId: string): Promise<Map<string, T>> {
    const cached = this.base?.id === datasetId ? this.base.items : undefined;
    this.base = null;
    return cached ?? (await this.readBase());
  }

  /** Decoded a slice per turn of the event loop, so that PUTs keep being served meanwhile (invariant 7). */
  private async readBase(): Promise<Map<string, T>> {
    const items = new Map<string, T>();
    let decoded = 0;
    for (const [id, item] of this.state.items()) {
      items.set(id, this.layout.decode(item));
      if (++decoded % DECODED_PER_TURN === 0) await nextTurn();
    }
    return items;
  }

  private async allKeys(): Promise<string[]> {
    const keys: string[] = [];
    for await (const page of this.objects.keys()) keys.push(...page);
    return keys;
  }

  private summary(
    started: number,
    commit: string | null,
    diff: { added: string[]; updated: string[]; deleted: string[] },
    uploaded: number,
    rebases: number,
    merged: boolean,
  ): FlushSummary {
    return {
      commit,
      added: diff.added.length,
      updated: diff.updated.length,
      deleted: diff.deleted.length,
      uploadedObjects: uploaded,
      rebases,
      merged,
      durationMs: Date.now() - started,
      finishedAt: new Date().toISOString(),
    };
  }
}
