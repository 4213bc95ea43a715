import 'reflect-metadata';
import { CRASH_STEPS, type CrashStep } from './crash-steps.js';
import { plainToInstance, Transform, Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  validateSync,
  ValidationError,
} from 'class-validator';

const emptyToUndefined = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/**
 * A whole number in [min, max], with ONE message whichever check fails: `PORT=abc` is not an integer, and saying
 * it is also below 0 and above 65535 (what each check alone reports for NaN) only confuses.
 */
function IntegerSetting(min: number, max: number): PropertyDecorator {
  const message = `$property must be a whole number from ${min} to ${max}`;
  const decorators = [Type(() => Number), IsInt({ message }), Min(min, { message }), Max(max, { message })];
  return (target, property) => decorators.forEach((decorate) => decorate(target, property));
}

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
  @IntegerSetting(0, 65535) PORT = 8000;
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
  @Matches(/^[A-Za-z0-9._-]{3,128}$/, {
    message: 'S3_ACCESS_KEY_ID must be 3-128 characters of A-Z a-z 0-9 . _ -',
  })
  S3_ACCESS_KEY_ID?: string;
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(8, { message: 'S3_SECRET_ACCESS_KEY must be at least 8 characters' })
  S3_SECRET_ACCESS_KEY?: string;
  @Matches(/^[a-z0-9-]{1,32}$/, { message: 'S3_REGION must look like us-east-1' }) S3_REGION = 'us-east-1';
  // S3 bucket naming rules (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html), simplified.
  @Matches(/^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
    message: 'S3_BUCKET must be a valid S3 bucket name (3-63 chars, lowercase letters, digits, dots, hyphens)',
  })
  S3_BUCKET = 'annotations';
  // S3's limits: 5 GiB in one PUT, 5 TiB for an object uploaded in parts (a single PUT stays capped at 5 GiB).
  @IntegerSetting(1, 5 * 1024 ** 4) S3_MAX_OBJECT_SIZE = 5 * 1024 ** 3;
  @IntegerSetting(1, 24 * 365) S3_MULTIPART_EXPIRY_HOURS = 24;

  // --- git
  /** Idle limit of one request to the Git server: a server that sends nothing for this long is cut off. */
  @Type(() => Number) @IsInt() @Min(1) @Max(3600) GIT_HTTP_TIMEOUT_SECONDS = 60;
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, {
    message: 'GIT_REPO_URL must be an http(s) URL (ssh is not supported: use an https URL with GIT_USERNAME/GIT_TOKEN)',
  })
  GIT_REPO_URL?: string;
  @Matches(/^(?!\/)(?!.*\.\.)(?!.*\/\/)[^\s~^:?*[\\]+(?<!\/)(?<!\.lock)$/, {
    message: 'GIT_BRANCH must be a valid git branch name',
  })
  GIT_BRANCH = 'main';
  @Transform(emptyToUndefined) @IsOptional() @IsString() GIT_BASE_BRANCH?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() GIT_USERNAME?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() GIT_TOKEN?: string;
  @IsString() @MinLength(1) GIT_AUTHOR_NAME = 'DVC Sync S3 API';
  @Matches(/^[^\s<>]+@[^\s<>]+$/, { message: 'GIT_AUTHOR_EMAIL must be an e-mail address' })
  GIT_AUTHOR_EMAIL = 'dvc-sync@localhost';

  // --- dvc
  @Matches(/^(?!\/)(?!.*(^|\/)\.\.?(\/|$))(?!.*\/\/)[^\0]+(?<!\/)$/, {
    message: 'DVC_DATASET_PATH must be a relative path inside the repository, e.g. data/annotations.json',
  })
  @MaxLength(512)
  DVC_DATASET_PATH = 'data/annotations.json';
  @Transform(emptyToUndefined) @IsOptional() @IsString() DVC_REMOTE?: string;
  @Transform(emptyToUndefined) @IsOptional() @IsString() DVC_REMOTE_URL?: string;
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'DVC_REMOTE_ENDPOINT_URL must be an http(s) URL' })
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
  @IntegerSetting(1, 86400) SYNC_INTERVAL_SECONDS = 30;
  @IntegerSetting(1, 1_000_000) SYNC_MAX_PENDING = 500;
  /** How many projects may flush at the same time (each project flushes one at a time). */
  @IntegerSetting(1, 64) SYNC_CONCURRENCY = 4;

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

function crossFieldProblems(env: EnvironmentVariables): string[] {
  const problems: string[] = [];
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
  constructor(readonly problems: string[]) {
    const list = problems.map((line) => `  - ${line}`).join('\n');
    super(`Invalid configuration (fix these settings in .env or the environment):\n${list}`);
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
  const problems = [...describe(validateSync(env, { skipMissingProperties: false }), raw), ...crossFieldProblems(env)];
  if (problems.length > 0) {
    throw new InvalidConfigurationError(problems);
  }
  return env;
}
