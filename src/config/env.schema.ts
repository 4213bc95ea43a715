import 'reflect-metadata';
import { CRASH_STEPS, type CrashStep } from './crash-steps.js';
import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, Matches, MinLength, validateSync, ValidationError } from 'class-validator';
import {
  ACCESS_KEY_ID,
  AUTHOR_EMAIL,
  BRANCH_NAME,
  BUCKET_NAME,
  DATASET_PATH,
  ENDPOINT_URL,
  FollowsRule,
  GIT_HTTP_TIMEOUT_SECONDS,
  GIT_URL,
  NAMED_BY_SETTING,
  SECRET_ACCESS_KEY,
  SYNC_INTERVAL_SECONDS,
  SYNC_MAX_PENDING,
  WholeNumber,
} from './setting.rules.js';

const emptyToUndefined = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/** Levels from the most to the least severe; each includes the ones before it. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'verbose'] as const;
export type LogLevelSetting = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormatSetting = (typeof LOG_FORMATS)[number];

/**
 * Every setting the service reads, with its default. `.env.example` documents the same list;
 * `env.schema.spec.ts` checks the two agree.
 */
export class EnvironmentVariables {
  // --- server
  @WholeNumber({ min: 0, max: 65535 }, NAMED_BY_SETTING) PORT = 8000;
  @IsString() @MinLength(1) HOST = '0.0.0.0';
  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevelSetting = 'info';
  @IsIn(LOG_FORMATS, { message: `LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}` })
  LOG_FORMAT: LogFormatSetting = 'json';
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'ADMIN_TOKEN must be at least 16 characters' })
  ADMIN_TOKEN?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() TLS_CERT_FILE?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() TLS_KEY_FILE?: string;

  // --- storage
  @IsString() @MinLength(1) DATA_DIR = './data';

  // --- s3
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @FollowsRule(ACCESS_KEY_ID, NAMED_BY_SETTING)
  S3_ACCESS_KEY_ID?: string;
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @FollowsRule(SECRET_ACCESS_KEY, NAMED_BY_SETTING)
  S3_SECRET_ACCESS_KEY?: string;
  @Matches(/^[a-z0-9-]{1,32}$/, { message: 'S3_REGION must look like us-east-1' }) S3_REGION = 'us-east-1';
  @FollowsRule(BUCKET_NAME, NAMED_BY_SETTING) S3_BUCKET = 'annotations';
  // S3's limits: 5 GiB in one PUT, 5 TiB for an object uploaded in parts (a single PUT stays capped at 5 GiB).
  @WholeNumber({ min: 1, max: 5 * 1024 ** 4 }, NAMED_BY_SETTING) S3_MAX_OBJECT_SIZE = 5 * 1024 ** 3;
  @WholeNumber({ min: 1, max: 24 * 365 }, NAMED_BY_SETTING) S3_MULTIPART_EXPIRY_HOURS = 24;

  // --- git
  /** Idle limit of one request to the Git server: a server that sends nothing for this long is cut off. */
  @WholeNumber(GIT_HTTP_TIMEOUT_SECONDS, NAMED_BY_SETTING) GIT_HTTP_TIMEOUT_SECONDS = 60;
  @Transform(emptyToUndefined)
  @IsOptional()
  @FollowsRule(GIT_URL, NAMED_BY_SETTING)
  GIT_REPO_URL?: string;
  @FollowsRule(BRANCH_NAME, NAMED_BY_SETTING) GIT_BRANCH = 'main';
  @Transform(emptyToUndefined) @IsOptional() @IsString() GIT_BASE_BRANCH?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() GIT_USERNAME?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() GIT_TOKEN?: string;
  @IsString() @MinLength(1) GIT_AUTHOR_NAME = 'DVC Sync S3 API';
  @FollowsRule(AUTHOR_EMAIL, NAMED_BY_SETTING) GIT_AUTHOR_EMAIL = 'dvc-sync@localhost';

  // --- dvc
  @FollowsRule(DATASET_PATH, NAMED_BY_SETTING) DVC_DATASET_PATH = 'data/annotations.json';
  @Transform(emptyToUndefined) @IsOptional() @IsString() DVC_REMOTE?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() DVC_REMOTE_URL?: string;
  @Transform(emptyToUndefined)
  @IsOptional()
  @FollowsRule(ENDPOINT_URL, NAMED_BY_SETTING)
  DVC_REMOTE_ENDPOINT_URL?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() DVC_REMOTE_REGION?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() DVC_REMOTE_ACCESS_KEY_ID?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() DVC_REMOTE_SECRET_ACCESS_KEY?: string;
  // Any other DVC remote option comes as DVC_REMOTE_<OPTION> (collectDvcRemoteOptions below); these are the SDKs'
  // own variables that DVC's plugins honour when the remote's config leaves the credential out.
  @Transform(emptyToUndefined) @IsOptional() @IsString() GOOGLE_APPLICATION_CREDENTIALS?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() AZURE_STORAGE_CONNECTION_STRING?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() AZURE_STORAGE_ACCOUNT?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() AZURE_STORAGE_KEY?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() AZURE_STORAGE_SAS_TOKEN?: string;

  // --- sync
  @WholeNumber(SYNC_INTERVAL_SECONDS, NAMED_BY_SETTING) SYNC_INTERVAL_SECONDS = 30;
  @WholeNumber(SYNC_MAX_PENDING, NAMED_BY_SETTING) SYNC_MAX_PENDING = 500;
  /** How many projects may flush at the same time (each project flushes one at a time); unset: sync-concurrency.default.ts. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @WholeNumber({ min: 1, max: 64 }, NAMED_BY_SETTING)
  SYNC_CONCURRENCY?: number;

  // --- projects
  /** A YAML/JSON file declaring several projects (buckets); unset: the settings above form the single project. */
  @Transform(emptyToUndefined) @IsOptional() @IsString() PROJECTS_FILE?: string;

  // --- testing only: fault injection, never set in production
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(CRASH_STEPS, { message: `DVC_SYNC_TEST_CRASH_AFTER must be one of ${CRASH_STEPS.join(', ')} (tests only)` })
  DVC_SYNC_TEST_CRASH_AFTER?: CrashStep;
}

/** Settings whose values must never be printed. */
export const SECRET_SETTINGS = new Set<keyof EnvironmentVariables>([
  'S3_SECRET_ACCESS_KEY',
  'ADMIN_TOKEN',
  'GIT_TOKEN',
  'DVC_REMOTE_SECRET_ACCESS_KEY',
  'AZURE_STORAGE_CONNECTION_STRING',
  'AZURE_STORAGE_KEY',
  'AZURE_STORAGE_SAS_TOKEN',
]);

/** DVC_REMOTE_URL replaces the remote; DVC_REMOTE (no suffix) picks it by name: neither is a remote option. */
const NOT_AN_OPTION = new Set(['DVC_REMOTE_URL']);

/**
 * `DVC_REMOTE_<OPTION>` → `{ option: value }` for any DVC remote option, upper-cased as DVC spells it lower-case
 * (DVC_REMOTE_CONNECTION_STRING → connection_string). Which options a remote kind accepts is known only once the
 * repository's `.dvc/config` is read, so the names are checked there; here only the spelling: a name that is not
 * upper-case is most likely a typo of one, and would otherwise be ignored silently.
 */
export function collectDvcRemoteOptions(given: Record<string, unknown>): Record<string, string> {
  const options: Record<string, string> = {};
  const badNames: string[] = [];
  for (const [name, value] of Object.entries(given)) {
    if (!/^DVC_REMOTE_/i.test(name) || NOT_AN_OPTION.has(name)) continue;
    if (typeof value !== 'string' || value.trim() === '') continue;
    if (!/^DVC_REMOTE_[A-Z][A-Z0-9_]*$/.test(name)) badNames.push(name);
    else options[name.slice('DVC_REMOTE_'.length).toLowerCase()] = value;
  }
  if (badNames.length > 0) {
    throw new Error(
      `Invalid configuration (fix these settings in .env or the environment):\n${badNames
        .map(
          (name) =>
            `  - ${name}: DVC remote options are DVC_REMOTE_ + the option's name in upper case, e.g. DVC_REMOTE_KEYFILE`,
        )
        .join('\n')}`,
    );
  }
  return options;
}

/** One line per bad setting, showing the value as it was given (never a secret's). */
function describe(errors: ValidationError[], raw: Record<string, unknown>): string[] {
  return errors.map((error) => {
    const given = raw[error.property];
    const shown = SECRET_SETTINGS.has(error.property as keyof EnvironmentVariables)
      ? '(hidden)'
      : given === undefined
        ? '(not set)'
        : JSON.stringify(given);
    // The most specific message last in class-validator's order is the type check: show it first; once each.
    const messages = new Set(Object.values(error.constraints ?? {}).reverse());
    return `${error.property}=${shown}: ${[...messages].join('; ')}`;
  });
}

/**
 * With PROJECTS_FILE, what a project IS (its bucket, repository, dataset, remote) comes from the file only: each
 * project names its own. One of these set as well is a mistake (meant for which project?), not a default.
 */
const IDENTITY_SETTINGS: Readonly<Partial<Record<keyof EnvironmentVariables, string>>> = {
  S3_BUCKET: 'bucket',
  GIT_REPO_URL: 'git.url; a project without one gets an embedded repository',
  DVC_DATASET_PATH: 'dataset',
  DVC_REMOTE_URL: 'dvc.url',
};

function crossFieldProblems(env: EnvironmentVariables, raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (env.PROJECTS_FILE) {
    for (const [name, field] of Object.entries(IDENTITY_SETTINGS)) {
      if (raw[name] !== undefined) {
        problems.push(
          `${name} cannot be set together with PROJECTS_FILE: each project names its own in the file (${field}), so this one would be meant for no project; unset it`,
        );
      }
    }
  }
  if (Boolean(env.TLS_CERT_FILE) !== Boolean(env.TLS_KEY_FILE)) {
    problems.push('TLS_CERT_FILE and TLS_KEY_FILE must be set together (or neither, for plain http)');
  }
  if (Boolean(env.S3_ACCESS_KEY_ID) !== Boolean(env.S3_SECRET_ACCESS_KEY)) {
    problems.push(
      'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together (or neither: credentials are then generated)',
    );
  }
  return problems;
}

/** Every bad setting at once: `problems` has one line each, `message` the whole readable list. */
export class InvalidConfigurationError extends Error {
  constructor(
    readonly problems: string[],
    /** What to fix, and where: the environment, or the projects file (`projects-file.loader.ts`). */
    readonly heading = 'Invalid configuration (fix these settings in .env or the environment)',
  ) {
    const list = problems.map((line) => `  - ${line}`).join('\n');
    super(`${heading}:\n${list}`);
    this.name = 'InvalidConfigurationError';
  }
}

/** `ConfigModule.forRoot({ validate })`: one readable error that lists every bad setting. */
export function validateEnvironment(given: Record<string, unknown>): EnvironmentVariables {
  // `NAME=` in a .env file or compose means "not set": the default applies.
  const raw = Object.fromEntries(
    Object.entries(given).filter(([, value]) => !(typeof value === 'string' && value.trim() === '')),
  );
  const env = plainToInstance(EnvironmentVariables, raw, { exposeDefaultValues: true });
  const problems = [
    ...describe(validateSync(env, { skipMissingProperties: false }), raw),
    ...crossFieldProblems(env, raw),
  ];
  if (problems.length > 0) {
    throw new InvalidConfigurationError(problems);
  }
  return env;
}
