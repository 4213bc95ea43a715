import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, tempDir } from './processes.js';

const run = promisify(execFile);

/**
 * The `dvc` CLI from the pinned test venv (test/tools/dvc.txt), found where `scripts/test-tools.sh` records it
 * (test/tools/.paths.json). A missing tool is a loud failure: there is no benchmark against a dvc we do not have.
 */
export function dvcBinary(): string {
  const file = join(repoRoot, 'test', 'tools', '.paths.json');
  if (!existsSync(file))
    throw new Error(`${file} is missing: run 'bash scripts/test-tools.sh' first (it installs the pinned dvc)`);
  const dvc = (JSON.parse(readFileSync(file, 'utf8')) as { dvc?: string }).dvc;
  if (!dvc || !existsSync(dvc)) throw new Error(`dvc not found at ${dvc}: re-run 'bash scripts/test-tools.sh'`);
  return dvc;
}

export interface DvcJobTimes {
  dvcAddMs: number;
  dvcPushMs: number;
  gitCommitMs: number;
  gitPushMs: number;
  totalMs: number;
  /** CPU time (user + system) of the dvc and git processes of the job. */
  cpuMs: number;
}

/**
 * CPU time of this process's finished and reaped children (cutime + cstime of /proc/self/stat, 10 ms ticks). Around
 * the job, the only children that end are its dvc and git commands (the services under test keep running), so
 * the difference is the job's CPU.
 */
function reapedChildrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

/**
 * What a person does with the dvc CLI to version a folder of files, the job the service does in one flush:
 * `dvc add <dir>` + `dvc push` (to a local folder remote) + `git add`/`git commit` + `git push` (to a local bare
 * repository). A git work tree with `dvc init`, default DVC settings (cache in `.dvc/cache`, link type chosen by
 * dvc), and nothing of this machine's dvc or git configuration: its own global/system config and site cache
 * folders, no analytics, no update check.
 */
export class DvcCliJob {
  readonly work: string;
  readonly remote: string;
  readonly bare: string;
  private readonly env: NodeJS.ProcessEnv;

  private constructor(
    private readonly dvc: string,
    root: string,
    readonly datasetPath: string,
  ) {
    this.work = join(root, 'work');
    this.remote = join(root, 'dvc-remote');
    this.bare = join(root, 'repo.git');
    const config = join(root, 'dvc-config');
    mkdirSync(join(config, 'global'), { recursive: true });
    mkdirSync(join(config, 'system'));
    writeFileSync(join(config, 'global', 'config'), '[core]\n    check_update = false\n    analytics = false\n');
    this.env = {
      ...process.env,
      DVC_NO_ANALYTICS: '1',
      DVC_STUDIO_OFFLINE: '1',
      DVC_GLOBAL_CONFIG_DIR: join(config, 'global'),
      DVC_SYSTEM_CONFIG_DIR: join(config, 'system'),
      DVC_SITE_CACHE_DIR: join(config, 'site-cache'),
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: 'Bench',
      GIT_AUTHOR_EMAIL: 'bench@example.com',
      GIT_COMMITTER_NAME: 'Bench',
      GIT_COMMITTER_EMAIL: 'bench@example.com',
    };
  }

  /** A fresh work tree, DVC remote folder and bare repository, with `dvc init` committed and pushed (untimed). */
  static async create(datasetPath: string): Promise<DvcCliJob> {
    const job = new DvcCliJob(dvcBinary(), tempDir('bench-dvc-cli-'), datasetPath);
    mkdirSync(job.work);
    await job.git(dirname(job.bare), 'init', '--quiet', '--bare', '--initial-branch=main', job.bare);
    await job.git(job.work, 'init', '--quiet', '--initial-branch=main');
    await job.run(job.dvc, 'init', '--quiet');
    await job.run(job.dvc, 'remote', 'add', '--default', 'storage', job.remote);
    await job.git(job.work, 'add', '--all');
    await job.git(job.work, 'commit', '--quiet', '-m', 'dvc init');
    await job.git(job.work, 'remote', 'add', 'origin', job.bare);
    await job.git(job.work, 'push', '--quiet', 'origin', 'main');
    return job;
  }

  async version(): Promise<string> {
    return (await this.run(this.dvc, '--version')).trim();
  }

  /** Writes files into the dataset folder of the work tree (relpath → bytes), untimed. */
  writeFiles(files: Iterable<{ relpath: string; body: Buffer }>): void {
    const made = new Set<string>();
    for (const { relpath, body } of files) {
      const path = join(this.work, this.datasetPath, relpath);
      const dir = dirname(path);
      if (!made.has(dir)) {
        mkdirSync(dir, { recursive: true });
        made.add(dir);
      }
      writeFileSync(path, body);
    }
  }

  /** The timed job: dvc add, dvc push, git add + commit, git push. */
  async addPushCommitPush(message: string): Promise<DvcJobTimes> {
    const timed = async (step: () => Promise<unknown>) => {
      const started = performance.now();
      await step();
      return performance.now() - started;
    };
    const dotDvc = `${this.datasetPath}.dvc`;
    const gitignore = join(dirname(this.datasetPath), '.gitignore');
    const cpu0 = reapedChildrenCpuMs();
    const dvcAddMs = await timed(() => this.run(this.dvc, 'add', '--quiet', this.datasetPath));
    const dvcPushMs = await timed(() => this.run(this.dvc, 'push', '--quiet'));
    const gitCommitMs = await timed(async () => {
      await this.git(this.work, 'add', dotDvc, gitignore);
      await this.git(this.work, 'commit', '--quiet', '-m', message);
    });
    const gitPushMs = await timed(() => this.git(this.work, 'push', '--quiet', 'origin', 'main'));
    const totalMs = dvcAddMs + dvcPushMs + gitCommitMs + gitPushMs;
    return { dvcAddMs, dvcPushMs, gitCommitMs, gitPushMs, totalMs, cpuMs: reapedChildrenCpuMs() - cpu0 };
  }

  /** The dataset's `.dvc` file as pushed to the bare repository. */
  async pushedDvcFile(): Promise<string> {
    return this.git(this.work, '--git-dir', this.bare, 'show', `main:${this.datasetPath}.dvc`);
  }

  private async git(cwd: string, ...args: string[]): Promise<string> {
    return this.exec('git', args, cwd);
  }

  private async run(command: string, ...args: string[]): Promise<string> {
    return this.exec(command, args, this.work);
  }

  private async exec(command: string, args: string[], cwd: string): Promise<string> {
    try {
      const { stdout } = await run(command, args, { cwd, env: this.env, maxBuffer: 64 * 1024 * 1024 });
      return stdout;
    } catch (error) {
      const e = error as Error & { stdout?: string; stderr?: string };
      throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}${e.stderr ?? e.message}`, {
        cause: error,
      });
    }
  }
}
