import { Inject, Injectable, Logger } from '@nestjs/common';
import { dvcOutputPaths } from '../dvc/dataset-paths.util.js';
import { DvcRemote } from '../dvc/dvc.remote.js';
import { DvcRemoteFactory } from '../dvc/dvc-remote.factory.js';
import { DatasetService } from '../dataset/dataset.service.js';
import { GitRemote, type GitTip } from '../git/git.remote.js';
import { StorageBackend } from '../storage/storage.backend.js';
import type { DatasetStrategy } from './dataset-plan.js';
import { pushDataset } from './dataset-push.js';
import { DATASET_STRATEGY } from './dataset-strategy.provider.js';
import { isObjectChange } from './object-source.js';
import { datasetFileChanges, readTipDataset, type TipDataset } from './repo-update.js';
import type { FlushSummary } from './sync-status.js';
import { SyncStateStore } from './sync-state.store.js';

const MAX_ATTEMPTS = 6;
const REMOTE_CHECK_TTL_MS = 15_000;

interface Target {
  tip: GitTip | null;
  dataset: TipDataset;
  remote: DvcRemote;
}

/**
 * One flush: storage changes → dataset → DVC remote → one commit on the branch tip → push. When the
 * branch moved, it starts over on the new tip (and merges when a teammate changed the dataset); the
 * uploaded objects stay valid, so a retry costs only what changed.
 */
@Injectable()
export class FlushRunner {
  private readonly logger = new Logger('Flush');
  private readonly paths;
  private remoteDescription: string | null = null;
  private lastRemote: DvcRemote | null = null;
  private base: { id: string; items: Map<string, unknown> } | null = null;
  private remoteCheck: { at: number; result: ReturnType<FlushRunner['probeRemotes']> } | null = null;

  constructor(
    private readonly storage: StorageBackend,
    private readonly state: SyncStateStore,
    private readonly git: GitRemote,
    private readonly remotes: DvcRemoteFactory,
    private readonly dataset: DatasetService,
    @Inject(DATASET_STRATEGY) private readonly strategy: DatasetStrategy<unknown>,
  ) {
    this.paths = dvcOutputPaths(dataset.path);
  }

  describe() {
    const git = this.git.describe();
    return { repository: git.url, branch: git.branch, dataset: this.dataset.path, layout: this.dataset.layout, remote: this.remoteDescription };
  }

  /** Fetches the tip and resolves the DVC remote: at startup, to refuse an unusable configuration early. */
  async resolveTarget(): Promise<Target> {
    const tip = await this.git.fetchTip();
    const read = (path: string) => (tip ? this.git.readFile(tip.commit, path) : Promise.resolve(undefined));
    const [dvcFile, gitignore, dvcConfig] = await Promise.all([
      read(this.paths.dvcFile),
      read(this.paths.gitignoreFile),
      read('.dvc/config'),
    ]);
    const dataset = readTipDataset(this.paths, { dvcFile, gitignore, dvcConfig });
    const remote = this.remotes.create({ config: dataset.dvcConfig, outRemote: dataset.out?.remote });
    this.remoteDescription = remote.describe();
    this.lastRemote = remote;
    return { tip, dataset, remote };
  }

  /**
   * Reachability of the Git and DVC remotes for /_admin/health. Cached briefly: the endpoint is open and polled
   * (Docker every 30 s), and each check is an authenticated request to the team's servers.
   */
  checkRemotes() {
    const now = Date.now();
    if (!this.remoteCheck || now - this.remoteCheck.at > REMOTE_CHECK_TTL_MS) {
      this.remoteCheck = { at: now, result: this.probeRemotes() };
    }
    return this.remoteCheck.result;
  }

  private async probeRemotes() {
    const git = await this.git.check();
    const dvcRemote = this.lastRemote
      ? await this.lastRemote.check()
      : { ok: false, error: 'not resolved yet: the Git branch has not been read (see lastError in /_admin/sync)' };
    return { git: { ...git, url: this.git.describe().url, branch: this.git.describe().branch }, dvcRemote: { ...dvcRemote, remote: this.remoteDescription } };
  }

  async run(): Promise<FlushSummary> {
    const started = Date.now();
    const upto = await this.storage.lastSeq();
    const progress = this.state.progress();
    const changes = (await this.storage.changesSince(progress.syncedSeq)).filter((change) => change.seq <= upto);
    let changedKeys = [...new Set(changes.map((change) => change.key))];
    let rebases = 0;
    let uploadedBefore = 0; // objects uploaded by attempts that lost a race on the branch: still uploaded
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const target = await this.resolveTarget();
      const datasetId = `${this.dataset.path}#${this.dataset.layout}#${target.remote.describe()}`;
      const fullRebuild = progress.pushedDataset !== datasetId;
      if (!fullRebuild && changedKeys.length === 0) return this.summary(started, null, { added: [], updated: [], deleted: [] }, 0, 0, false);
      if (fullRebuild && attempt === 1) changedKeys = [...new Set([...changedKeys, ...(await this.allKeys())])];
      const base = fullRebuild ? new Map<string, unknown>() : this.loadBase(datasetId);
      try {
        const ours = await this.strategy.ours(base, changedKeys, fullRebuild);
        const theirsHash = target.dataset.out?.md5; // `<md5>` or `<md5>.dir`
        const baseHash = fullRebuild ? undefined : (progress.pushedDatasetHash ?? undefined);
        let items = ours.items;
        let merged = false;
        if (theirsHash && theirsHash !== baseHash) {
          const theirs = await this.strategy.theirs(theirsHash, (id) => target.remote.read(id));
          if (theirs) {
            const result = this.strategy.merge(base, ours.items, theirs);
            items = result.items;
            merged = true;
            this.logger.log(`merged with the branch's version of ${this.dataset.path} (${result.conflicts} items changed on both sides: ours kept)`);
          } else {
            // Never overwrite what we cannot read (invariant 4): stay pending and retry until their data arrives.
            throw new Error(
              `the branch's ${this.paths.dvcFile} points to ${theirsHash}, which ${target.remote.describe()} does not have ` +
                `(or which is not a ${this.dataset.layout} dataset): a teammate committed it without 'dvc push'. ` +
                `Changes stay pending; once they run 'dvc push' (or revert that commit) the next flush merges.`,
            );
          }
        }
        const materialized = await this.strategy.materialize(items, (id) => target.remote.read(id));
        const offered = new Set(materialized.files.map((file) => file.hash));
        const known = new Set([...base.values()].map((item) => (item as { md5?: string }).md5));
        const mustExist = merged && this.strategy.isDirectory
          ? [...new Set([...items.values()].map((item) => (item as { md5: string }).md5))].filter((md5) => !offered.has(md5) && !known.has(md5))
          : [];
        const uploaded = uploadedBefore + (await pushDataset(target.remote, materialized, mustExist));
        const fileChanges = datasetFileChanges(
          this.paths,
          target.dataset,
          { md5: materialized.hash, size: materialized.size, nfiles: materialized.nfiles },
          this.strategy.isDirectory,
        );
        let commit: string | null = null;
        if (fileChanges.length > 0) {
          commit = await this.git.commitChanges({ parent: target.tip?.commit ?? null, changes: fileChanges, message: this.dataset.commitMessage(ours.diff) });
        }
        if (commit) {
          const pushed = await this.git.push(commit);
          if (!pushed.ok) {
            if (pushed.reason !== 'non-fast-forward') throw new Error(`git push failed: ${pushed.reason}`);
            rebases++;
            uploadedBefore = uploaded;
            this.logger.log(`the branch moved during the flush: rebuilding on the new tip (attempt ${attempt + 1})`);
            continue;
          }
        }
        this.record(datasetId, upto, fullRebuild, merged, ours, items, materialized.hash, commit ?? target.tip?.commit ?? null);
        await this.storage.pruneChanges(upto + 1);
        const summary = this.summary(started, commit, ours.diff, uploaded, rebases, merged);
        this.logger.log(
          commit
            ? `committed ${commit.slice(0, 10)} to ${this.git.describe().branch}: ${ours.diff.added.length} added, ${ours.diff.updated.length} updated, ${ours.diff.deleted.length} deleted; ${uploaded} objects uploaded`
            : `nothing to commit: ${this.dataset.path} on ${this.git.describe().branch} already matches storage`,
        );
        return summary;
      } catch (error) {
        if (isObjectChange(error) && attempt < MAX_ATTEMPTS) continue; // a PUT raced us: plan again
        throw error;
      }
    }
    throw new Error(`the branch kept moving: gave up after ${MAX_ATTEMPTS} attempts (will retry)`);
  }

  private record(
    datasetId: string,
    upto: number,
    fullRebuild: boolean,
    merged: boolean,
    ours: { touched: Set<string>; keyItems: Map<string, string[]>; rejected: Array<{ key: string; reason: string }> },
    items: Map<string, unknown>,
    datasetHash: string,
    commit: string | null,
  ): void {
    const replaceAll = fullRebuild || merged;
    const ids = replaceAll ? [...items.keys()] : [...ours.touched];
    this.state.recordPush({
      replaceAll,
      replaceKeyItems: fullRebuild,
      upsert: ids.filter((id) => items.has(id)).map((id) => this.strategy.encode(id, items.get(id))),
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
        rejected: ours.rejected.slice(0, 100),
        rejectedCount: ours.rejected.length,
      },
    });
    this.base = { id: datasetId, items };
  }

  private loadBase(datasetId: string): Map<string, unknown> {
    if (this.base?.id !== datasetId) {
      const items = new Map<string, unknown>();
      for (const [id, item] of this.state.items()) items.set(id, this.strategy.decode(item));
      this.base = { id: datasetId, items };
    }
    return this.base.items;
  }

  private async allKeys(): Promise<string[]> {
    const keys: string[] = [];
    for (let after: string | undefined; ; ) {
      const page = await this.storage.listObjects({ prefix: '', after, limit: 1000 });
      keys.push(...page.map((meta) => meta.key));
      if (page.length < 1000) return keys;
      after = page[page.length - 1].key;
    }
  }

  private summary(started: number, commit: string | null, diff: { added: string[]; updated: string[]; deleted: string[] }, uploaded: number, rebases: number, merged: boolean): FlushSummary {
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
