import { registerAs } from '@nestjs/config';
import { resolve } from 'node:path';
import {
  collectDvcRemoteOptions,
  LOG_FORMATS,
  LOG_LEVELS,
  LogFormatSetting,
  LogLevelSetting,
  validateEnvironment,
} from './env.schema.js';
import { loadProjectsFile } from './projects-file.loader.js';
import { singleProjectFromEnvironment } from './project.settings.js';

// The only place that reads process.env (docs/architecture.md). Each namespace is injected with
// `@Inject(xConfig.KEY) config: ConfigType<typeof xConfig>`.
const env = () => validateEnvironment(process.env);

export const serverConfig = registerAs('server', () => {
  const e = env();
  return {
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    adminToken: e.ADMIN_TOKEN,
    tls: e.TLS_CERT_FILE && e.TLS_KEY_FILE ? { certFile: e.TLS_CERT_FILE, keyFile: e.TLS_KEY_FILE } : undefined,
  };
});

/**
 * LOG_LEVEL and LOG_FORMAT before (and whatever) the validation says, so that the error listing bad settings is
 * itself printed in the format asked for. An invalid value falls back to the default here and is reported by the
 * validation like any other.
 */
export function logSettings(): { level: LogLevelSetting; format: LogFormatSetting } {
  const pick = <T extends string>(allowed: readonly T[], value: string | undefined, fallback: T): T =>
    allowed.find((candidate) => candidate === value?.trim()) ?? fallback;
  return {
    level: pick(LOG_LEVELS, process.env.LOG_LEVEL, 'info'),
    format: pick(LOG_FORMATS, process.env.LOG_FORMAT, 'json'),
  };
}

export const storageConfig = registerAs('storage', () => ({ dataDir: resolve(env().DATA_DIR) }));

export const s3Config = registerAs('s3', () => {
  const e = env();
  return {
    accessKeyId: e.S3_ACCESS_KEY_ID,
    secretAccessKey: e.S3_SECRET_ACCESS_KEY,
    region: e.S3_REGION,
    bucket: e.S3_BUCKET,
    maxObjectSize: e.S3_MAX_OBJECT_SIZE,
    multipartExpiryHours: e.S3_MULTIPART_EXPIRY_HOURS,
  };
});

export const gitConfig = registerAs('git', () => {
  const e = env();
  return {
    repoUrl: e.GIT_REPO_URL,
    branch: e.GIT_BRANCH,
    baseBranch: e.GIT_BASE_BRANCH,
    username: e.GIT_USERNAME,
    token: e.GIT_TOKEN,
    authorName: e.GIT_AUTHOR_NAME,
    authorEmail: e.GIT_AUTHOR_EMAIL,
    httpTimeoutMs: e.GIT_HTTP_TIMEOUT_SECONDS * 1000,
  };
});

export const dvcConfig = registerAs('dvc', () => {
  const e = env();
  return {
    datasetPath: e.DVC_DATASET_PATH,
    remoteName: e.DVC_REMOTE,
    remoteUrl: e.DVC_REMOTE_URL,
    /** DVC_REMOTE_<OPTION> for every option (DVC_REMOTE_ENDPOINT_URL, _REGION, _ACCESS_KEY_ID… included), validated above. */
    remoteOptions: collectDvcRemoteOptions(process.env),
    /** The SDKs' own variables, used as DVC's plugins use them: only where the remote's options leave a gap. */
    sdkEnvironment: {
      googleApplicationCredentials: e.GOOGLE_APPLICATION_CREDENTIALS,
      azureStorageConnectionString: e.AZURE_STORAGE_CONNECTION_STRING,
      azureStorageAccount: e.AZURE_STORAGE_ACCOUNT,
      azureStorageKey: e.AZURE_STORAGE_KEY,
      azureStorageSasToken: e.AZURE_STORAGE_SAS_TOKEN,
    },
  };
});

/**
 * The projects this service serves. Without PROJECTS_FILE: the environment as the single project, its data in
 * DATA_DIR itself, as before projects existed. With it: the file's projects (projects-file.loader.ts), each in
 * its own folder under DATA_DIR/projects/, inheriting from the environment what neither it nor `defaults` sets.
 */
export const projectsConfig = registerAs('projects', () => {
  const e = env();
  const dataDir = resolve(e.DATA_DIR);
  const remoteOptions = collectDvcRemoteOptions(process.env);
  return {
    projects: e.PROJECTS_FILE
      ? loadProjectsFile({
          file: resolve(e.PROJECTS_FILE),
          dataDir,
          environment: e,
          remoteOptions,
          variables: process.env,
        })
      : [singleProjectFromEnvironment(e, dataDir, remoteOptions)],
    /** SYNC_CONCURRENCY: how many projects flush at once. */
    concurrency: e.SYNC_CONCURRENCY,
  };
});

export const syncConfig = registerAs('sync', () => {
  const e = env();
  return { intervalSeconds: e.SYNC_INTERVAL_SECONDS, maxPending: e.SYNC_MAX_PENDING };
});

/** Fault injection for the crash tests (DVC_SYNC_TEST_CRASH_AFTER); undefined in production. */
export const testingConfig = registerAs('testing', () => ({ crashAfter: env().DVC_SYNC_TEST_CRASH_AFTER }));

export const allConfigs = [
  serverConfig,
  storageConfig,
  s3Config,
  gitConfig,
  dvcConfig,
  syncConfig,
  projectsConfig,
  testingConfig,
];
