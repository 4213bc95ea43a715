import { describe, expect, it } from '@jest/globals';
import { harnessPerTest, SECRETS, SyncHarness, taskBody } from '../../test/support/sync-harness.js';
import { SyncLoop } from './sync.loop.js';

// The scheduled side of the sync engine as the admin API shows it: pending count, errors and backoff,
// and the final flush on shutdown.

const harness = harnessPerTest();
function service(datasetPath?: string): { h: SyncHarness; sync: SyncLoop } {
  const h = harness({ datasetPath });
  const sync = new SyncLoop({
    bucket: 'annotations',
    settings: { intervalSeconds: 60, maxPending: 100 },
    storage: h.storage,
    state: h.state,
    pipeline: h.runner,
  });
  return { h, sync };
}

const seconds = (iso: string | null) => (iso === null ? null : (Date.parse(iso) - Date.now()) / 1000);

describe('SyncLoop', () => {
  it('pending counts the changes acknowledged since the last push', async () => {
    const { h, sync } = service();
    expect((await sync.status()).pending).toBe(0);

    await h.putMany({ a: '1', b: '2', c: '3' });
    expect((await sync.status()).pending).toBe(3);

    await sync.flushNow();
    expect((await sync.status()).pending).toBe(0);

    await h.put('d', '4');
    await h.delete('d');
    expect((await sync.status()).pending).toBe(2);
  });

  it('shows pending and lastCommit from one moment: a flush that ends while the status is read shows in both', async () => {
    const { h, sync } = service();
    await h.putMany({ a: '1', b: '2' });
    // The status checks that storage is writable before it counts: this flush ends during that check.
    const checkWritable = h.storage.checkWritable.bind(h.storage);
    let flushed: string | null | undefined;
    h.storage.checkWritable = async () => {
      flushed = (await sync.flushNow()).commit;
      return checkWritable();
    };
    const status = await sync.status();
    expect(flushed).toMatch(/^[0-9a-f]{40}$/);
    expect({ pending: status.pending, lastCommit: status.lastCommit }).toEqual({ pending: 0, lastCommit: flushed });
  });

  it('a failed flush sets lastError, consecutiveFailures and a growing nextRetryAt; a success clears them', async () => {
    const { h, sync } = service();
    await h.putMany({ a: '1' });

    h.git.failNext('fetch');
    await expect(sync.flushNow()).rejects.toThrow(/ECONNREFUSED/);
    const first = await sync.status();
    expect(first).toMatchObject({ pending: 1, running: false, consecutiveFailures: 1, lastCommit: null });
    expect(first.lastError).toMatch(/cannot reach the git server/);
    expect(first.lastErrorAt).not.toBeNull();
    expect(seconds(first.nextRetryAt)).toBeGreaterThan(3);
    expect(seconds(first.nextRetryAt)).toBeLessThanOrEqual(5);

    h.remote.goDown('bucket not found');
    await expect(sync.flushNow()).rejects.toThrow(/bucket not found/);
    const second = await sync.status();
    expect(second).toMatchObject({ consecutiveFailures: 2, pending: 1 });
    expect(second.lastError).toMatch(/bucket not found/);
    expect(seconds(second.nextRetryAt)).toBeGreaterThan(8);

    h.remote.heal();
    const summary = await sync.flushNow();
    const healed = await sync.status();
    expect(healed).toMatchObject({
      pending: 0,
      lastError: null,
      lastErrorAt: null,
      consecutiveFailures: 0,
      nextRetryAt: null,
      lastCommit: summary.commit,
    });
    expect(healed.lastFlush).toMatchObject({ commit: summary.commit, added: 1 });
    expect(healed.lastSyncAt).not.toBeNull();
  });

  it('a successful flush with nothing to commit also clears a previous error', async () => {
    const { h, sync } = service();
    await h.putMany({ a: '1' });
    await sync.flushNow();
    h.git.failNext('fetch');
    await expect(sync.flushNow()).rejects.toThrow();
    expect((await sync.status()).consecutiveFailures).toBe(1);

    await sync.flushNow();

    expect(await sync.status()).toMatchObject({ lastError: null, consecutiveFailures: 0, nextRetryAt: null });
  });

  it('lists rejected objects of a JSON dataset in the status, and never a secret', async () => {
    const { h, sync } = service('data/annotations.json');
    await h.putMany({ 'ann/1': taskBody(1, [{ id: 10, label: 'cat' }]), 'images/cat.png': '\x89PNG' });

    await sync.flushNow();

    const status = await sync.status();
    expect(status.rejected).toEqual([{ key: 'images/cat.png', reason: expect.any(String) }]);
    expect(h.storage.bytesOf('images/cat.png')).toBeDefined();
    expect(status).toMatchObject({
      bucket: 'annotations',
      dataset: 'data/annotations.json',
      layout: 'json',
      branch: 'main',
      repository: 'memory://team.git',
    });
    for (const secret of Object.values(SECRETS)) expect(JSON.stringify(status)).not.toContain(secret);
  });

  it('flushes pending changes once more on shutdown', async () => {
    const { h, sync } = service();
    await h.putMany({ a: '1' });

    await sync.stop();

    expect(h.pulled()).toEqual({ a: '1' });
    expect((await sync.status()).pending).toBe(0);
  });
});
