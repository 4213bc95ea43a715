import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import {
  ArrayMinSize,
  getMetadataStorage,
  IsArray,
  IsDefined,
  IsObject,
  IsOptional,
  IsString,
  MinLength,
  ValidateNested,
  validateSync,
  type ValidationError,
} from 'class-validator';
import type { SettingPath, SettingProblem } from './setting-path.format.js';
import {
  ACCESS_KEY_ID,
  combine,
  AUTHOR_EMAIL,
  BRANCH_NAME,
  BUCKET_NAME,
  DATASET_PATH,
  ENDPOINT_URL,
  FollowsRule,
  GIT_HTTP_TIMEOUT_SECONDS,
  GIT_URL,
  NAMED_BY_PATH,
  SECRET_ACCESS_KEY,
  SYNC_INTERVAL_SECONDS,
  SYNC_MAX_PENDING,
  WholeNumber,
  type TextRule,
} from './setting.rules.js';

/*
 * The projects file, field by field. Each field mirrors an environment setting (named in its comment) and checks
 * its value with the same rule (setting.rules.ts). The README's "Many projects" documents the same fields.
 */

/** Text, written as text: `branch: 2024` is a number in YAML, and `010` or `1e3` would not come back as written. */
const Text = (): PropertyDecorator =>
  combine([
    IsString({ message: 'must be text (put it in quotes)' }),
    MinLength(1, { message: 'must not be empty (remove the line to use the default)' }),
  ]);
const Required = (why: string): PropertyDecorator => IsDefined({ message: `is required: ${why}` });
/** A nested group of fields (`git: { url: …, branch: … }`), validated field by field. */
const Section = (type: () => new () => object): PropertyDecorator =>
  combine([
    IsOptional(),
    IsObject({ message: 'must be a mapping of fields (name: value)' }),
    ValidateNested(),
    Type(type),
  ]);

/** `s3:` a project's own key pair, accepted for its bucket only. Both or neither (S3_ACCESS_KEY_ID's rule). */
export class S3Section {
  // S3_ACCESS_KEY_ID
  @Required('with s3, both accessKeyId and secretAccessKey (or no s3: the global pair)')
  @Text()
  @FollowsRule(ACCESS_KEY_ID, NAMED_BY_PATH)
  accessKeyId: string;
  // S3_SECRET_ACCESS_KEY
  @Required('with s3, both accessKeyId and secretAccessKey (or no s3: the global pair)')
  @Text()
  @FollowsRule(SECRET_ACCESS_KEY, NAMED_BY_PATH)
  secretAccessKey: string;
}

/** `git:` where the dataset is committed (GIT_*). */
export class GitSection {
  // GIT_REPO_URL (never taken from the environment: without url, the project's own embedded repository)
  @IsOptional() @Text() @FollowsRule(GIT_URL, NAMED_BY_PATH) url?: string;
  // GIT_BRANCH
  @IsOptional() @Text() @FollowsRule(BRANCH_NAME, NAMED_BY_PATH) branch?: string;
  // GIT_BASE_BRANCH
  @IsOptional() @Text() baseBranch?: string;
  // GIT_USERNAME
  @IsOptional() @Text() username?: string;
  // GIT_TOKEN
  @IsOptional() @Text() token?: string;
  // GIT_AUTHOR_NAME
  @IsOptional() @Text() authorName?: string;
  // GIT_AUTHOR_EMAIL
  @IsOptional() @Text() @FollowsRule(AUTHOR_EMAIL, NAMED_BY_PATH) authorEmail?: string;
  // GIT_HTTP_TIMEOUT_SECONDS
  @IsOptional() @WholeNumber(GIT_HTTP_TIMEOUT_SECONDS, NAMED_BY_PATH) httpTimeoutSeconds?: number;
}

/**
 * `dvc:` the remote (DVC_REMOTE, DVC_REMOTE_URL) and, beside them, any DVC remote option in camelCase
 * (DVC_REMOTE_<OPTION>). The options are not fields of this class: `splitDvcOptions` moves them aside before
 * validation, and `dvcOptionProblems` checks them.
 */
export class DvcSection {
  // DVC_REMOTE
  @IsOptional() @Text() remote?: string;
  // DVC_REMOTE_URL (never taken from the environment)
  @IsOptional() @Text() url?: string;
}

/** `sync:` when to commit (SYNC_*). */
export class SyncSection {
  // SYNC_INTERVAL_SECONDS
  @IsOptional() @WholeNumber(SYNC_INTERVAL_SECONDS, NAMED_BY_PATH) intervalSeconds?: number;
  // SYNC_MAX_PENDING
  @IsOptional() @WholeNumber(SYNC_MAX_PENDING, NAMED_BY_PATH) maxPending?: number;
}

/** `defaults:` what every project inherits: any project field but its own bucket and keys. */
export class ProjectDefaults {
  @Section(() => GitSection) git?: GitSection;
  // DVC_DATASET_PATH (never taken from the environment): required per project, or here for all of them
  @IsOptional() @Text() @FollowsRule(DATASET_PATH, NAMED_BY_PATH) dataset?: string;
  @Section(() => DvcSection) dvc?: DvcSection;
  @Section(() => SyncSection) sync?: SyncSection;
}

/** One entry of `projects:`. */
export class ProjectEntry extends ProjectDefaults {
  // S3_BUCKET (never taken from the environment)
  @Required('the S3 bucket name this project is given in Label Studio')
  @Text()
  @FollowsRule(BUCKET_NAME, NAMED_BY_PATH)
  bucket: string;
  @Section(() => S3Section) s3?: S3Section;
}

export class ProjectsFileSchema {
  @Section(() => ProjectDefaults) defaults?: ProjectDefaults;
  @Required('the list of projects (- bucket: …)')
  @IsArray({ message: 'must be a list of projects (- bucket: …)' })
  @ArrayMinSize(1, { message: 'is empty: declare at least one project' })
  @ValidateNested({ each: true })
  @Type(() => ProjectEntry)
  projects: ProjectEntry[];
}

/** The fields a section accepts, in the order the class declares them: what an unknown field's message lists. */
function fieldsOf(type: new () => object): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(type, '', true, false);
  return [...new Set(metadata.map((entry) => entry.propertyName))];
}

const NOT_A_DEFAULT = new Set(['bucket', 's3']);

/** The message a failed check gives, the most telling only: a missing value is not also "not text". */
function messageOf(error: ValidationError): string | undefined {
  const constraints = error.constraints ?? {};
  if (constraints.whitelistValidation !== undefined) {
    const section = (error.target as object).constructor as new () => object;
    if (section === ProjectDefaults && NOT_A_DEFAULT.has(error.property)) {
      return "cannot be a default: it is each project's own";
    }
    return `unknown field (valid: ${fieldsOf(section).join(', ')})`;
  }
  for (const decisive of ['isDefined', 'isString', 'isObject', 'isArray']) {
    if (constraints[decisive] !== undefined) return constraints[decisive];
  }
  const messages = Object.entries(constraints)
    .filter(([name]) => name !== 'nestedValidation')
    .map(([, message]) => message);
  if (messages.length > 0) return [...new Set(messages)].join('; ');
  return constraints.nestedValidation !== undefined ? 'must be a mapping of fields (name: value)' : undefined;
}

function problemsOf(errors: ValidationError[], path: SettingPath): SettingProblem[] {
  return errors.flatMap((error) => {
    const here = [...path, /^\d+$/.test(error.property) ? Number(error.property) : error.property];
    const message = messageOf(error);
    return [...(message ? [{ path: here, message }] : []), ...problemsOf(error.children ?? [], here)];
  });
}

/** The DVC remote options of a `dvc:` mapping: every field but the section's own. */
const DVC_FIELDS = new Set(fieldsOf(DvcSection));

/** `{ remote, url, endpointUrl: … }` → the section `{ remote, url }` and the options `{ endpointUrl: … }`. */
export function splitDvcOptions(dvc: unknown): { section: unknown; options: Record<string, unknown> } {
  if (typeof dvc !== 'object' || dvc === null || Array.isArray(dvc)) return { section: dvc, options: {} };
  const entries = Object.entries(dvc);
  return {
    section: Object.fromEntries(entries.filter(([name]) => DVC_FIELDS.has(name))),
    options: Object.fromEntries(entries.filter(([name]) => !DVC_FIELDS.has(name))),
  };
}

/** `endpointUrl` → `endpoint_url`, `keyfile` → `keyfile`: DVC's option names are its config's, in snake_case. */
export function dvcOptionName(camelCase: string): string {
  return camelCase.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

// DVC_REMOTE_ENDPOINT_URL's rule, for the same option written in the file.
const OPTION_RULES: Readonly<Record<string, TextRule>> = { endpoint_url: ENDPOINT_URL };

/**
 * The spelling and values of DVC remote options, as `collectDvcRemoteOptions` checks DVC_REMOTE_<OPTION>: which
 * options a remote kind accepts is known only once the repository's `.dvc/config` is read (src/dvc), so the
 * names are checked there. Values: text, a number or true/false (YAML reads `jobs: 4` as a number).
 */
export function dvcOptionProblems(options: Record<string, unknown>, path: SettingPath): SettingProblem[] {
  return Object.entries(options).flatMap(([name, value]): SettingProblem[] => {
    const at = [...path, name];
    if (!/^[a-z][a-zA-Z0-9]*$/.test(name)) {
      const camel = name.toLowerCase().replace(/[_-]+([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
      return [
        {
          path: at,
          message: `unknown field (valid: ${[...DVC_FIELDS].join(', ')}, or a DVC remote option in camelCase, e.g. ${camel})`,
        },
      ];
    }
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      return [{ path: at, message: 'must be text, a number or true/false' }];
    }
    if (value === '') return [{ path: at, message: 'must not be empty (remove the line to use the default)' }];
    const rule = OPTION_RULES[dvcOptionName(name)];
    return rule?.pattern && !rule.pattern.test(String(value)) ? [{ path: at, message: `must be ${rule.mustBe}` }] : [];
  });
}

/** Every problem of the file's shape and values, each with its path; nothing about how projects relate. */
export function schemaProblems(tree: unknown): SettingProblem[] {
  if (typeof tree !== 'object' || tree === null || Array.isArray(tree)) {
    return [{ path: [], message: 'the file must be a mapping with projects: (and optionally defaults:)' }];
  }
  const file = plainToInstance(ProjectsFileSchema, tree);
  return problemsOf(validateSync(file, { whitelist: true, forbidNonWhitelisted: true }), []);
}

/** The validated, typed form of one project (defaults merged in), read from its plain value. */
export function toProjectEntry(plain: object): ProjectEntry {
  return plainToInstance(ProjectEntry, plain);
}
