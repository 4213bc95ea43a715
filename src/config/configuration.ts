import { registerAs } from '@nestjs/config';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import {
  collectDvcRemoteOptions,
  LOG_FORMATS,
  LOG_LEVELS,
  LogFormatSetting,
  LogLevelSetting,
  validateEnvironment,
} from './env.schema.js';
import { dataDirLayout } from './data-dir.layout.js';
import { loadProjectsFile } from './projects-file.loader.js';
import { singleProjectFromEnvironment } from './project.settings.js';
import { defaultSyncConcurrency } from './sync-concurrency.default.js';

// The only place that reads process.env (docs/architecture.md). Each namespace is injected with
// `@Inject(xConfig.KEY) config: ConfigType<typeof xConfig>`. What belongs to a project (its bucket, keys,
// repository, DVC remote, dataset, schedule) is read from `projectsConfig` only, once per project.
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

/** DATA_DIR: the global credentials.json, the single project's data, or every project's folder under `projects/`. */
export const storageConfig = registerAs('storage', () => ({ dataDir: resolve(env().DATA_DIR) }));

export const s3Config = registerAs('s3', () => {
  const e = env();
  return {
    accessKeyId: e.S3_ACCESS_KEY_ID,
    secretAccessKey: e.S3_SECRET_ACCESS_KEY,
    region: e.S3_REGION,
    maxObjectSize: e.S3_MAX_OBJECT_SIZE,
    multipartExpiryHours: e.S3_MULTIPART_EXPIRY_HOURS,
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
    /** With PROJECTS_FILE: the one database every project's storage index shares (data-dir.layout.ts). */
    sharedIndexDb: e.PROJECTS_FILE ? dataDirLayout(dataDir).projectsIndexDb : undefined,
    /** SYNC_CONCURRENCY: how many projects flush at once. */
    concurrency: e.SYNC_CONCURRENCY ?? defaultSyncConcurrency(availableParallelism()),
  };
});

/** Fault injection for the crash tests (DVC_SYNC_TEST_CRASH_AFTER); undefined in production. */
export const testingConfig = registerAs('testing', () => ({ crashAfter: env().DVC_SYNC_TEST_CRASH_AFTER }));

export const allConfigs = [serverConfig, storageConfig, s3Config, projectsConfig, testingConfig];
