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
  const text = (path: string, content: string): FileChange => ({ path, content: Buffer.from(content, 'utf8') });
  return [
    text('.dvc/.gitignore', '/config.local\n/tmp\n/cache\n'),
    text('.dvc/config', `[core]\n    remote = local\n['remote "local"']\n    url = ${dvcRemoteDir}\n`),
    text(
      '.dvcignore',
      '# Add patterns of files dvc should ignore, which could improve\n' +
        '# the performance. Learn more at\n' +
        '# https://dvc.org/doc/user-guide/dvcignore\n',
    ),
  ];
}
