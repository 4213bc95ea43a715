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
 * Every setting the service reads, with its default. `.env.example` documents the same list;
 * `env.schema.spec.ts` checks the two agree.
 */
export class EnvironmentVariables {
  // --- server
  @Type(() => Number) @IsInt() @Min(0) @Max(65535) PORT = 8000;
  @IsString() @MinLength(1) HOST = '0.0.0.0';
  @IsIn(['fatal', 'error', 'warn', 'log', 'info', 'debug', 'verbose']) LOG_LEVEL = 'info';
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
  @Type(() => Number) @IsInt() @Min(1) @Max(5 * 1024 ** 3) S3_MAX_OBJECT_SIZE = 100 * 1024 * 1024;

  // --- git
  /** Idle limit of one request to the Git server: a server that sends nothing for this long is cut off. */
  @Type(() => Number) @IsInt() @Min(1) @Max(3600) GIT_HTTP_TIMEOUT_SECONDS = 60;
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, {
    message: 'GIT_REPO_URL must be an http(s) URL (ssh is not supported: use an https URL with GIT_USERNAME/GIT_TOKEN)',
  })
  GIT_REPO_URL?: string;
  @Matches(/^(?!\/)(?!.*\.\.)(?!.*\/\/)[^\s~^:?*\[\\]+(?<!\/)(?<!\.lock)$/, {
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
  /** Idle limit of one request to an S3 DVC remote (connect, or no byte either way for this long). */
  @Type(() => Number) @IsInt() @Min(1) @Max(3600) DVC_REMOTE_TIMEOUT_SECONDS = 60;

  // --- sync
  @Type(() => Number) @IsInt() @Min(1) @Max(86400) SYNC_INTERVAL_SECONDS = 30;
  @Type(() => Number) @IsInt() @Min(1) @Max(1_000_000) SYNC_MAX_PENDING = 500;

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
]);

/** One line per bad setting, showing the value as it was given (never a secret's). */
function describe(errors: ValidationError[], raw: Record<string, unknown>): string[] {
  return errors.map((error) => {
    const given = raw[error.property];
    const shown = SECRET_SETTINGS.has(error.property as keyof EnvironmentVariables)
      ? '(hidden)'
      : given === undefined
        ? '(not set)'
        : JSON.stringify(given);
    // The most specific message last in class-validator's order is the type check: show it first.
    const messages = Object.values(error.constraints ?? {}).reverse();
    return `  - ${error.property}=${shown}: ${messages.join('; ')}`;
  });
}

function crossFieldProblems(env: EnvironmentVariables): string[] {
  const problems: string[] = [];
  if (Boolean(env.TLS_CERT_FILE) !== Boolean(env.TLS_KEY_FILE)) {
    problems.push('  - TLS_CERT_FILE and TLS_KEY_FILE must be set together (or neither, for plain http)');
  }
  if (Boolean(env.S3_ACCESS_KEY_ID) !== Boolean(env.S3_SECRET_ACCESS_KEY)) {
    problems.push(
      '  - S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together (or neither: credentials are then generated)',
    );
  }
  return problems;
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
    throw new Error(`Invalid configuration (fix these settings in .env or the environment):\n${problems.join('\n')}`);
  }
  return env;
}
