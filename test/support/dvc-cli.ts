import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toolPaths } from './tools.js';

export interface CommandResult {
  stdout: string;
  stderr: string;
}

/**
 * The real `dvc` CLI (test/tools/dvc.txt) with nothing of the developer's machine: its own global/system config
 * and site cache folders, no analytics, no update check, no Studio. Throws with the output when it fails.
 */
export function dvc(cwd: string, ...args: string[]): Promise<CommandResult> {
  return run(toolPaths().dvc, args, cwd, dvcEnv());
}

/** `git` with no user or system config (a user's `url.insteadOf` or hooks cannot change what the test sees). */
export function gitCli(cwd: string, ...args: string[]): Promise<CommandResult> {
  return run('git', args, cwd, {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
  });
}

/**
 * What a data scientist does: `git clone` the branch, then `dvc pull`. Returns the work tree (`<temp>/work`);
 * throws when `datasetPath` (relative to it) is not there afterwards. Remove `dirname(dir)` when done: under
 * Jest the 'exit' cleanup below never runs (a test module's `process` does not emit it).
 */
export async function gitCloneAndDvcPull(repository: string, branch: string, datasetPath?: string): Promise<string> {
  const dir = join(ownedTempDir('dvc-clone-'), 'work');
  await gitCli(tmpdir(), 'clone', '--quiet', '--branch', branch, '--single-branch', repository, dir);
  const pulled = await dvc(dir, 'pull');
  if (datasetPath && !existsSync(join(dir, datasetPath))) {
    const tracked = (await gitCli(dir, 'ls-files')).stdout;
    throw new Error(
      `after git clone + dvc pull, ${datasetPath} is missing in ${dir}.\ngit ls-files:\n${tracked}\ndvc pull:\n${pulled.stdout}${pulled.stderr}`,
    );
  }
  return dir;
}

const ownedTempDirs = new Set<string>();
process.on('exit', () => {
  for (const dir of ownedTempDirs) rmSync(dir, { recursive: true, force: true });
});
function ownedTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  ownedTempDirs.add(dir);
  return dir;
}

let isolated: NodeJS.ProcessEnv | undefined;
export function dvcEnv(): NodeJS.ProcessEnv {
  if (isolated) return isolated;
  const root = ownedTempDir('dvc-home-');
  const globalConfig = join(root, 'global');
  mkdirSync(globalConfig);
  mkdirSync(join(root, 'system'));
  writeFileSync(join(globalConfig, 'config'), '[core]\n    check_update = false\n    analytics = false\n');
  isolated = {
    ...process.env,
    DVC_NO_ANALYTICS: '1',
    DVC_STUDIO_OFFLINE: '1',
    DVC_UPDATER_ENDPOINT: 'http://127.0.0.1:9/', // never asked (check_update = false); closed port if it were
    DVC_GLOBAL_CONFIG_DIR: globalConfig,
    DVC_SYSTEM_CONFIG_DIR: join(root, 'system'),
    DVC_SITE_CACHE_DIR: join(root, 'site-cache'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    // The data scientist's shell has no S3 credentials of ours: the remote must work from the repo's own config.
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    // dvc-gs on an HTTP emulator: no gRPC bucket-type probe (gcsfs waits 60 s per write for it) and no probe of
    // the GCE metadata server for credentials.
    GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT: 'false',
    NO_GCE_CHECK: 'true',
  };
  return isolated;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error)
        reject(new Error(`${command} ${args.join(' ')} (in ${cwd}) failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}
