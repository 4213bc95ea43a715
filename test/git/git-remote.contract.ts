import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { FileChange, GitRemote } from '../../src/git/git.remote.js';

/** One implementation under test, with a way to act as a teammate and to look at the branch. */
export interface ContractSubject {
  remote: GitRemote;
  /** Another client commits on the branch and pushes. */
  teammatePush(files: Record<string, string | null>, message: string): Promise<string>;
  /** Every file on the branch, path → content. */
  files(): Promise<Record<string, string>>;
  cleanup(): Promise<void>;
}

const put = (path: string, content: string): FileChange => ({ path, content: Buffer.from(content) });

/**
 * What the sync engine relies on, run against the fake and against both real remotes: a fake that passes
 * this suite cannot make an engine test pass that would fail for real.
 */
export function describeGitRemoteContract(name: string, setup: () => Promise<ContractSubject>): void {
  describe(`GitRemote contract: ${name}`, () => {
    let s: ContractSubject;
    beforeEach(async () => {
      s = await setup();
    });
    afterEach(() => s.cleanup());

    it('a commit changes exactly the given paths, and is the next fetched tip', async () => {
      const before = await s.files();
      const { commit: parent } = (await s.remote.fetchTip())!;
      const commit = await s.remote.commitChanges({
        parent,
        changes: [put('data/x/a.json', 'a'), { path: 'README.md', content: null }],
        message: 'sync',
      });
      expect(await s.remote.push(commit!)).toEqual({ ok: true });
      const expected: Record<string, string> = { ...before, 'data/x/a.json': 'a' };
      delete expected['README.md'];
      expect(await s.files()).toEqual(expected);
      expect((await s.remote.fetchTip())?.commit).toBe(commit);
      expect((await s.remote.readFile(commit!, 'data/x/a.json'))?.toString()).toBe('a');
      expect(await s.remote.readFile(commit!, 'README.md')).toBeUndefined();
    });

    it('no empty commit', async () => {
      const tip = (await s.remote.fetchTip())!;
      const readme = (await s.remote.readFile(tip.commit, 'README.md'))!;
      expect(
        await s.remote.commitChanges({
          parent: tip.commit,
          changes: [{ path: 'README.md', content: readme }],
          message: 'same',
        }),
      ).toBeNull();
    });

    it('a teammate push in between: non-fast-forward, then fetch + rebuild keeps both changes', async () => {
      const { commit: parent } = (await s.remote.fetchTip())!;
      const stale = await s.remote.commitChanges({ parent, changes: [put('ours.txt', 'ours')], message: 'ours' });
      const theirs = await s.teammatePush({ 'theirs.txt': 'theirs' }, 'theirs');
      expect(await s.remote.push(stale!)).toEqual({ ok: false, reason: 'non-fast-forward' });
      const fresh = (await s.remote.fetchTip())!;
      expect(fresh.commit).toBe(theirs);
      const rebuilt = await s.remote.commitChanges({
        parent: fresh.commit,
        changes: [put('ours.txt', 'ours')],
        message: 'ours',
      });
      expect(await s.remote.push(rebuilt!)).toEqual({ ok: true });
      expect(await s.files()).toMatchObject({ 'ours.txt': 'ours', 'theirs.txt': 'theirs' });
    });

    it('refuses a path git cannot hold, or a file over a folder', async () => {
      const { commit: parent } = (await s.remote.fetchTip())!;
      await expect(s.remote.commitChanges({ parent, changes: [put('../x', 'x')], message: 'm' })).rejects.toThrow(
        /cannot commit '\.\.\/x'/,
      );
      await expect(s.remote.commitChanges({ parent, changes: [put('data', 'x')], message: 'm' })).rejects.toThrow(
        /it is a folder/,
      );
    });
  });
}
