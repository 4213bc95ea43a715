import { Inject, Injectable, Logger } from '@nestjs/common';
import { dvcOutputPaths } from '../dvc/dataset-paths.util.js';
import { DvcRemote } from '../dvc/dvc.remote.js';
import { DvcRemoteFactory } from '../dvc/dvc-remote.factory.js';
import { DatasetService } from '../dataset/dataset.service.js';
import { GitRemote, type GitTip } from '../git/git.remote.js';
import { StorageBackend } from '../storage/storage.backend.js';
import type { DatasetDiff } from '../dataset/manifest.changes.js';
import type { DatasetStrategy, MaterializedDataset } from './dataset-strategy.types.js';
import { pushDataset } from './dataset.pusher.js';
import { DATASET_STRATEGY } from './dataset-strategy.provider.js';
import { isObjectChange } from './object-source.factory.js';
import { datasetFileChanges, readTipDataset, type TipDataset } from './tip-dataset.files.js';
import { REJECTED_SHOWN, type FlushSummary } from './sync-status.types.js';
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
    return {
      repository: git.url,
      branch: git.branch,
      dataset: this.dataset.path,
      layout: this.dataset.layout,
      remote: this.remoteDescription,
    };
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
    return {
      git: { ...git, url: this.git.describe().url, branch: this.git.describe().branch },
      dvcRemote: { ...dvcRemote, remote: this.remoteDescription },
    };
  }

  async run(): Promise<FlushSummary> {
    const started = Date.now();
    const upto = await this.storage.lastSeq();
    const progress = this.state.progress();
    const changes = (await this.storage.changesSince(progress.syncedSeq)).filter((change) => change.seq <= upto);
    let changedKeys = [...new Set(changes.map((change) => change.key))];
    let rebases = 0;
    let uploaded = 0; // also what attempts that lost a race on the branch uploaded: it stays on the remote
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const target = await this.resolveTarget();
      const datasetId = `${this.dataset.path}#${this.dataset.layout}#${target.remote.describe()}`;
      const fullRebuild = progress.pushedDataset !== datasetId;
      if (!fullRebuild && changedKeys.length === 0)
        return this.summary(started, null, { added: [], updated: [], deleted: [] }, 0, 0, false);
      if (fullRebuild && attempt === 1) changedKeys = [...new Set([...changedKeys, ...(await this.allKeys())])];
      const base = fullRebuild ? new Map<string, unknown>() : this.loadBase(datasetId);
      try {
        const ours = await this.strategy.ours(base, changedKeys, fullRebuild);
        const baseHash = fullRebuild ? undefined : (progress.pushedDatasetHash ?? undefined);
        const { items, merged } = await this.mergeWithBranch(target, base, ours.items, baseHash);
        const materialized = await this.strategy.materialize(items, (id) => target.remote.read(id));
        const mustExist = merged ? this.strategy.filesToVerify(base, items, materialized) : [];
        uploaded += await pushDataset(target.remote, materialized, mustExist);
        const commit = await this.commit(target, materialized, ours.diff);
        if (commit && !(await this.pushCommit(commit))) {
          rebases++;
          this.logger.log(`the branch moved during the flush: rebuilding on the new tip (attempt ${attempt + 1})`);
          continue;
        }
        this.record(
          datasetId,
          upto,
          fullRebuild,
          merged,
          ours,
          items,
          materialized.hash,
          commit ?? target.tip?.commit ?? null,
        );
        await this.storage.pruneChanges(upto + 1);
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
   */
  private async mergeWithBranch(
    target: Target,
    base: Map<string, unknown>,
    ours: Map<string, unknown>,
    baseHash: string | undefined,
  ) {
    const theirsHash = target.dataset.out?.md5; // `<md5>` or `<md5>.dir`
    if (!theirsHash || theirsHash === baseHash) return { items: ours, merged: false };
    const theirs = await this.strategy.theirs(theirsHash, (id) => target.remote.read(id));
    if (!theirs) {
      throw new Error(
        `the branch's ${this.paths.dvcFile} points to ${theirsHash}, which ${target.remote.describe()} does not have ` +
          `(or which is not a ${this.dataset.layout} dataset): a teammate committed it without 'dvc push'. ` +
          `Changes stay pending; once they run 'dvc push' (or revert that commit) the next flush merges.`,
      );
    }
    const result = this.strategy.merge(base, ours, theirs);
    this.logger.log(
      `merged with the branch's version of ${this.dataset.path} (${result.conflicts} items changed on both sides: ours kept)`,
    );
    return { items: result.items, merged: true };
  }

  /** A commit on the fetched tip touching only the dataset's `.dvc` and `.gitignore`; null when nothing changes. */
  private async commit(target: Target, dataset: MaterializedDataset, diff: DatasetDiff): Promise<string | null> {
    const hash = { md5: dataset.hash, size: dataset.size, nfiles: dataset.nfiles };
    const changes = datasetFileChanges(this.paths, target.dataset, hash, this.strategy.isDirectory);
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
        rejected: ours.rejected.slice(0, REJECTED_SHOWN),
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
    for (let after: string | undefined; ;) {
      const page = await this.storage.listObjects({ prefix: '', after, limit: 1000 });
      keys.push(...page.map((meta) => meta.key));
      if (page.length < 1000) return keys;
      after = page[page.length - 1].key;
    }
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
