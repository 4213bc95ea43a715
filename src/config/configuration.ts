import { registerAs } from '@nestjs/config';
import { resolve } from 'node:path';
import { validateEnvironment } from './env.schema.js';

// The only place that reads process.env (docs/architecture.md). Each namespace is injected with
// `@Inject(xConfig.KEY) config: ConfigType<typeof xConfig>`.
const env = () => validateEnvironment(process.env);

export const serverConfig = registerAs('server', () => {
  const e = env();
  return {
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    adminToken: e.ADMIN_TOKEN,
    tls: e.TLS_CERT_FILE && e.TLS_KEY_FILE ? { certFile: e.TLS_CERT_FILE, keyFile: e.TLS_KEY_FILE } : undefined,
  };
});

export const storageConfig = registerAs('storage', () => ({ dataDir: resolve(env().DATA_DIR) }));

export const s3Config = registerAs('s3', () => {
  const e = env();
  return {
    accessKeyId: e.S3_ACCESS_KEY_ID,
    secretAccessKey: e.S3_SECRET_ACCESS_KEY,
    region: e.S3_REGION,
    bucket: e.S3_BUCKET,
    maxObjectSize: e.S3_MAX_OBJECT_SIZE,
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
    endpointUrl: e.DVC_REMOTE_ENDPOINT_URL,
    region: e.DVC_REMOTE_REGION,
    accessKeyId: e.DVC_REMOTE_ACCESS_KEY_ID,
    secretAccessKey: e.DVC_REMOTE_SECRET_ACCESS_KEY,
    timeoutMs: e.DVC_REMOTE_TIMEOUT_SECONDS * 1000,
  };
});

export const syncConfig = registerAs('sync', () => {
  const e = env();
  return { intervalSeconds: e.SYNC_INTERVAL_SECONDS, maxPending: e.SYNC_MAX_PENDING };
});

/** Fault injection for the crash tests (DVC_SYNC_TEST_CRASH_AFTER); undefined in production. */
export const testingConfig = registerAs('testing', () => ({ crashAfter: env().DVC_SYNC_TEST_CRASH_AFTER }));

export const allConfigs = [serverConfig, storageConfig, s3Config, gitConfig, dvcConfig, syncConfig, testingConfig];
