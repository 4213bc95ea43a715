import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempRoot } from '../../dvc/dvc-repo.harness.js';
import { dvc, gitCli } from '../../support/dvc-cli.js';

/**
 * A data scientist with a checkout of the team's repository, working with the real git and dvc CLIs:
 * edits files, `dvc add`, `dvc push`, `git commit`, `git push`.
 */
export class Teammate {
  private constructor(
    readonly dir: string,
    private readonly branch: string,
  ) {}

  /** `git clone` (over a local path: how the teammate reaches the server is not what is tested). */
  static async clone(repo: string, options: { branch?: string; dvcPull?: boolean } = {}): Promise<Teammate> {
    const branch = options.branch ?? 'main';
    const dir = join(tempRoot('teammate'), 'work');
    await gitCli(dirname(dir), 'clone', '--quiet', '--branch', branch, repo, dir);
    await gitCli(dir, 'config', 'user.name', 'Teammate');
    await gitCli(dir, 'config', 'user.email', 'teammate@example.com');
    const teammate = new Teammate(dir, branch);
    if (options.dvcPull !== false) await teammate.dvc('pull');
    return teammate;
  }

  /** `git pull` + `dvc pull`: the branch as it is now, data included. */
  async update(): Promise<void> {
    await gitCli(this.dir, 'pull', '--quiet', '--ff-only', 'origin', this.branch);
    await this.dvc('pull');
  }

  dvc(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    return dvc(this.dir, ...args);
  }

  read(relpath: string): Buffer {
    return readFileSync(join(this.dir, relpath));
  }

  write(relpath: string, content: string | Buffer): void {
    mkdirSync(dirname(join(this.dir, relpath)), { recursive: true });
    writeFileSync(join(this.dir, relpath), content);
  }

  remove(relpath: string): void {
    rmSync(join(this.dir, relpath));
  }

  /** `git add -A` + `git commit`; returns the new commit. Nothing is pushed yet. */
  async commit(message: string): Promise<string> {
    await gitCli(this.dir, 'add', '-A');
    await gitCli(this.dir, 'commit', '--quiet', '-m', message);
    return (await gitCli(this.dir, 'rev-parse', 'HEAD')).stdout.trim();
  }

  async push(): Promise<void> {
    await gitCli(this.dir, 'push', '--quiet', 'origin', `HEAD:refs/heads/${this.branch}`);
  }

  async commitAndPush(message: string): Promise<string> {
    const commit = await this.commit(message);
    await this.push();
    return commit;
  }
}
