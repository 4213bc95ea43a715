import { basename } from 'node:path';
import type { FileChange } from './git.remote.js';

/** The message of the embedded repository's first commit. */
export const SEED_MESSAGE =
  'Initialize DVC\n\nCreated by DVC Sync S3 API: the files `dvc init` writes, with a local DVC remote.\n';

/**
 * What `dvc init` + `dvc remote add -d local <dir>` leave in a repository, byte for byte as DVC 3.67
 * writes them (checked by running both commands): `.dvc/.gitignore`, `.dvc/config` (ConfigObj, 4-space
 * indent, the remote section name quoted twice), and `.dvcignore` with its comment header.
 * `dvcRemoteDir` must be absolute: a relative local URL would be resolved against `.dvc/` of each clone.
 */
export function embeddedSeedFiles(dvcRemoteDir: string): FileChange[] {
  if (!dvcRemoteDir.startsWith('/'))
    throw new Error(`the DVC remote folder must be an absolute path, got '${dvcRemoteDir}'`);
  return [
    text('.dvc/.gitignore', '/config.local\n/tmp\n/cache\n'),
    text('.dvc/config', seedDvcConfig(dvcRemoteDir)),
    text(
      '.dvcignore',
      '# Add patterns of files dvc should ignore, which could improve\n' +
        '# the performance. Learn more at\n' +
        '# https://dvc.org/doc/user-guide/dvcignore\n',
    ),
  ];
}

/** The message of the commit that follows a moved DATA_DIR (movedSeedRemote). */
export const MOVED_MESSAGE =
  'Point the DVC remote at its new folder\n\nDATA_DIR was moved: the embedded DVC remote now lives at the url in .dvc/config.\n';

const text = (path: string, content: string): FileChange => ({ path, content: Buffer.from(content, 'utf8') });

const seedDvcConfig = (dvcRemoteDir: string) =>
  `[core]\n    remote = local\n['remote "local"']\n    url = ${dvcRemoteDir}\n`;

/** The seed's `.dvc/config`, whatever folder it names (the url is the rest of its line). */
const SEED_CONFIG = /^\[core\]\n {4}remote = local\n\['remote "local"'\]\n {4}url = (\/[^\n]+)\n$/;

/**
 * The `.dvc/config` to commit when DATA_DIR was moved or restored elsewhere: the branch still names the embedded
 * remote by its old absolute path, so the service would push to a folder that is gone (or, for a copy, someone
 * else's) and teammates' `dvc pull` would read from it. Only the file exactly as the seed wrote it, with a folder
 * of the same name (`dvc-remote`), is ours to rewrite: a remote a person configured is left alone.
 */
export function movedSeedRemote(dvcConfig: string, dvcRemoteDir: string): FileChange | undefined {
  const url = SEED_CONFIG.exec(dvcConfig)?.[1];
  if (url === undefined || url === dvcRemoteDir || basename(url) !== basename(dvcRemoteDir)) return undefined;
  return text('.dvc/config', seedDvcConfig(dvcRemoteDir));
}
