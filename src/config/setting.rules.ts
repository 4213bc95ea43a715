import { Type } from 'class-transformer';
import { IsInt, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';

/**
 * The rules a setting's value follows, written once: the environment (`env.schema.ts`) and the projects file
 * (`projects-file.schema.ts`) check the same value with the same rule and say the same thing about it.
 */
export interface TextRule {
  pattern?: RegExp;
  minLength?: number;
  maxLength?: number;
  /** What a valid value is, completing "… must be": `a valid git branch name`. */
  mustBe: string;
}

export interface NumberRule {
  min: number;
  max: number;
}

/**
 * How a message names what it is about: the environment names the setting (`GIT_BRANCH must be …`), the projects
 * file puts the path of the field in front of the message itself (`projects[2].git.branch: must be …`).
 */
export type Wording = (mustBe: string) => string;
export const NAMED_BY_SETTING: Wording = (mustBe) => `$property must be ${mustBe}`;
export const NAMED_BY_PATH: Wording = (mustBe) => `must be ${mustBe}`;

/**
 * S3 bucket naming rules (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html): 3-63
 * characters of a-z 0-9 . -, starting and ending with a letter or digit, no `..`, no `xn--` prefix, not an IP
 * address. The one rule for a configured bucket and a bucket in a request's path (s3-target.ts): a name the
 * settings accept is one every S3 request can name. `_admin` is never a bucket, which keeps `/_admin/...` free.
 */
export const BUCKET_NAME: TextRule = {
  pattern: /^(?!xn--)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
  mustBe: 'a valid S3 bucket name (3-63 chars, lowercase letters, digits, dots, hyphens; not an IP address)',
};
export const ACCESS_KEY_ID: TextRule = {
  pattern: /^[A-Za-z0-9._-]{3,128}$/,
  mustBe: '3-128 characters of A-Z a-z 0-9 . _ -',
};
export const SECRET_ACCESS_KEY: TextRule = { minLength: 8, mustBe: 'at least 8 characters' };
export const GIT_URL: TextRule = {
  pattern: /^https?:\/\/[^\s]+$/,
  mustBe: 'an http(s) URL (ssh is not supported: use an https URL with a user name and token)',
};
// git check-ref-format, the parts a branch name can get wrong by accident.
export const BRANCH_NAME: TextRule = {
  pattern: /^(?!\/)(?!.*\.\.)(?!.*\/\/)[^\s~^:?*[\\]+(?<!\/)(?<!\.lock)$/,
  mustBe: 'a valid git branch name',
};
export const AUTHOR_EMAIL: TextRule = { pattern: /^[^\s<>]+@[^\s<>]+$/, mustBe: 'an e-mail address' };
// Relative, inside the repository: no leading `/`, no `.`/`..` segment, no empty segment, no trailing `/`.
export const DATASET_PATH: TextRule = {
  pattern: /^(?!\/)(?!.*(^|\/)\.\.?(\/|$))(?!.*\/\/)[^\0]+(?<!\/)$/,
  maxLength: 512,
  mustBe: 'a relative path inside the repository, e.g. data/annotations.json',
};
export const ENDPOINT_URL: TextRule = { pattern: /^https?:\/\/[^\s]+$/, mustBe: 'an http(s) URL' };

export const GIT_HTTP_TIMEOUT_SECONDS: NumberRule = { min: 1, max: 3600 };
export const SYNC_INTERVAL_SECONDS: NumberRule = { min: 1, max: 86400 };
export const SYNC_MAX_PENDING: NumberRule = { min: 1, max: 1_000_000 };

/** Several property decorators as one. */
export function combine(decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, property) => decorators.forEach((decorate) => decorate(target, property));
}

/** The checks of `rule`, each failing with the one message the rule has. */
export function FollowsRule(rule: TextRule, wording: Wording): PropertyDecorator {
  const message = wording(rule.mustBe);
  return combine([
    ...(rule.pattern ? [Matches(rule.pattern, { message })] : []),
    ...(rule.minLength !== undefined ? [MinLength(rule.minLength, { message })] : []),
    ...(rule.maxLength !== undefined ? [MaxLength(rule.maxLength, { message })] : []),
  ]);
}

/**
 * A whole number in [min, max], read from text too (`"30"`: the environment, or `${NAME}` in the projects file),
 * with ONE message whichever check fails: `PORT=abc` is not an integer, and saying it is also below 0 and above
 * 65535 (what each check alone reports for NaN) only confuses.
 */
export function WholeNumber({ min, max }: NumberRule, wording: Wording): PropertyDecorator {
  const message = wording(`a whole number from ${min} to ${max}`);
  return combine([Type(() => Number), IsInt({ message }), Min(min, { message }), Max(max, { message })]);
}
