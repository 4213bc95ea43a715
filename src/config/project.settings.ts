import type { EnvironmentVariables } from './env.schema.js';

/** One key pair S3 clients sign with. */
export interface S3KeyPair {
  accessKeyId: string;
  secretAccessKey: string;
}

/** What GIT_* says, per project. */
export interface ProjectGitSettings {
  /** undefined: the project's own embedded repository under its data folder. */
  repoUrl?: string;
  branch: string;
  baseBranch?: string;
  username?: string;
  token?: string;
  authorName: string;
  authorEmail: string;
  httpTimeoutMs: number;
}

/** What DVC_* says, per project. */
export interface ProjectDvcSettings {
  datasetPath: string;
  remoteName?: string;
  remoteUrl?: string;
  /** DVC remote options by DVC's own (lower-case) names: endpoint_url, region, keyfile… */
  remoteOptions: Record<string, string>;
  /** The SDKs' own variables, used as DVC's plugins use them: only where the remote's options leave a gap. */
  sdkEnvironment: SdkEnvironment;
}

export interface SdkEnvironment {
  /** GOOGLE_APPLICATION_CREDENTIALS: a service account key file. */
  googleApplicationCredentials?: string;
  /** AZURE_STORAGE_CONNECTION_STRING, _ACCOUNT, _KEY, _SAS_TOKEN (the Azure CLI's `[storage]` settings). */
  azureStorageConnectionString?: string;
  azureStorageAccount?: string;
  azureStorageKey?: string;
  azureStorageSasToken?: string;
}

export interface ProjectSyncSettings {
  intervalSeconds: number;
  maxPending: number;
}

/**
 * One project: a bucket, the keys that may use it, where its objects and state live, and the dataset it syncs to.
 * Without PROJECTS_FILE the environment forms the single project (`singleProjectFromEnvironment`); with it, every
 * entry of the file is one (the projects file loader).
 */
export interface ProjectSettings {
  bucket: string;
  /** This project's own pair, accepted for this bucket only; undefined: the global pair (S3_ACCESS_KEY_ID…). */
  keys?: S3KeyPair;
  /** The project's folder (DATA_DIR itself, or `projectDataDir(DATA_DIR, bucket)`): `dataDirLayout(dataDir)` inside. */
  dataDir: string;
  git: ProjectGitSettings;
  dvc: ProjectDvcSettings;
  sync: ProjectSyncSettings;
}

/** The environment as one project, exactly as before projects existed: its folder is DATA_DIR itself. */
export function singleProjectFromEnvironment(
  e: EnvironmentVariables,
  dataDir: string,
  remoteOptions: Record<string, string>,
): ProjectSettings {
  return {
    bucket: e.S3_BUCKET,
    keys: undefined,
    dataDir,
    git: {
      repoUrl: e.GIT_REPO_URL,
      branch: e.GIT_BRANCH,
      baseBranch: e.GIT_BASE_BRANCH,
      username: e.GIT_USERNAME,
      token: e.GIT_TOKEN,
      authorName: e.GIT_AUTHOR_NAME,
      authorEmail: e.GIT_AUTHOR_EMAIL,
      httpTimeoutMs: e.GIT_HTTP_TIMEOUT_SECONDS * 1000,
    },
    dvc: {
      datasetPath: e.DVC_DATASET_PATH,
      remoteName: e.DVC_REMOTE,
      remoteUrl: e.DVC_REMOTE_URL,
      remoteOptions,
      sdkEnvironment: {
        googleApplicationCredentials: e.GOOGLE_APPLICATION_CREDENTIALS,
        azureStorageConnectionString: e.AZURE_STORAGE_CONNECTION_STRING,
        azureStorageAccount: e.AZURE_STORAGE_ACCOUNT,
        azureStorageKey: e.AZURE_STORAGE_KEY,
        azureStorageSasToken: e.AZURE_STORAGE_SAS_TOKEN,
      },
    },
    sync: { intervalSeconds: e.SYNC_INTERVAL_SECONDS, maxPending: e.SYNC_MAX_PENDING },
  };
}
