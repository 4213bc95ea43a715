import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SyncStateStore } from './sync-state.store.js';
import { COMMIT_HISTORY_KEPT, type FlushSummary } from './sync-status.types.js';

const dirs: string[] = [];
const open = (dataDir: string) => new SyncStateStore({ dataDir });
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const flush = (commit: string | null, added = 1): FlushSummary => ({
  commit,
  added,
  updated: 0,
  deleted: 0,
  uploadedObjects: added,
  rebases: 0,
  merged: false,
  durationMs: 120,
  finishedAt: '2026-01-01T00:00:00.000Z',
});

describe('SyncStateStore: commit history', () => {
  it(`keeps the last ${COMMIT_HISTORY_KEPT} commits, newest first, across a restart`, () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sync-history-'));
    dirs.push(dataDir);
    const state = open(dataDir);
    expect(state.recentCommits()).toEqual([]);
    for (let i = 1; i <= COMMIT_HISTORY_KEPT + 5; i++) state.recordCommit(flush(`c${i}`, i));
    state.close();

    const again = open(dataDir);
    const commits = again.recentCommits();
    expect(commits).toHaveLength(COMMIT_HISTORY_KEPT);
    expect(commits[0]).toEqual(flush(`c${COMMIT_HISTORY_KEPT + 5}`, COMMIT_HISTORY_KEPT + 5));
    expect(commits.at(-1)?.commit).toBe('c6');
    again.close();
  });

  it('leaves out flushes that made no commit (the branch already matched storage)', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sync-history-'));
    dirs.push(dataDir);
    const state = open(dataDir);
    state.recordCommit(flush('c1'));
    state.recordCommit(flush(null));
    expect(state.recentCommits().map((summary) => summary.commit)).toEqual(['c1']);
    state.close();
  });
});
