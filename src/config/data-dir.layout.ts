import { join } from 'node:path';

/**
 * Everything the service keeps lives under DATA_DIR, and this is the one place that says where (the README's
 * "Backup and upgrade" lists the same). Keep: `objects/` (the bucket's bytes), `state/` (object metadata, the
 * change journal of acknowledged writes not yet committed, the sync state, multipart uploads), `uploads/` (their
 * parts), `credentials.json` (generated S3 keys) and, without GIT_REPO_URL, the embedded `repo.git` +
 * `dvc-remote/`. Rebuildable: `git/` (a shallow cache of the team's branch) and `tmp/` (emptied at every start).
 */
export interface DataDirLayout {
  root: string;
  /** The bucket as a folder: one file per key (storage/key-path.ts escapes what a file name cannot carry). */
  objects: string;
  /** Files being written, renamed into `objects/` once durable; on the same filesystem, so a rename is atomic. */
  tmp: string;
  /** Parts of multipart uploads in progress, one folder per upload (removed on completion, abort or expiry). */
  uploads: string;
  /** SQLite databases: metadata and change journal (`storage.db`), sync progress and last pushed dataset (`sync.db`). */
  state: string;
  storageDb: string;
  syncDb: string;
  /** Generated S3 credentials (mode 0600), when S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY are unset. */
  credentials: string;
  /** Shallow cache of the team's repository (GIT_REPO_URL set): rebuilt from the remote when missing. */
  gitCache: string;
  /** The embedded bare repository and its DVC remote folder (GIT_REPO_URL unset): the dataset's only copy. */
  embeddedRepo: string;
  embeddedDvcRemote: string;
  /** With PROJECTS_FILE: one folder per project (`projectDataDir`), each holding this same layout. */
  projects: string;
  /**
   * With PROJECTS_FILE: every project's object metadata, change journal and multipart uploads, each project in
   * tables of its own (storage/index-database.ts), instead of a `storage.db` in each project's `state/`.
   */
  projectsIndexDb: string;
}

export function dataDirLayout(dataDir: string): DataDirLayout {
  const state = join(dataDir, 'state');
  return {
    root: dataDir,
    objects: join(dataDir, 'objects'),
    tmp: join(dataDir, 'tmp'),
    uploads: join(dataDir, 'uploads'),
    state,
    storageDb: join(state, 'storage.db'),
    syncDb: join(state, 'sync.db'),
    credentials: join(dataDir, 'credentials.json'),
    gitCache: join(dataDir, 'git'),
    embeddedRepo: join(dataDir, 'repo.git'),
    embeddedDvcRemote: join(dataDir, 'dvc-remote'),
    projects: join(dataDir, 'projects'),
    projectsIndexDb: join(state, 'projects.db'),
  };
}

/** A project of PROJECTS_FILE keeps its objects, state and repository here: never mixed with another project's. */
export function projectDataDir(dataDir: string, bucket: string): string {
  return join(dataDirLayout(dataDir).projects, bucket);
}
