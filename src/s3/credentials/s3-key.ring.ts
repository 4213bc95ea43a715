import type { S3Credentials, SecretLookup } from '../auth/sigv4.types.js';

/** Which secret signs for an access key id, and which buckets that key may use. */
export interface S3KeyRing {
  /** undefined: an access key id this server does not know (InvalidAccessKeyId). */
  readonly secretOf: SecretLookup;
  /** The buckets the key may use, in the order the projects are declared. */
  readonly bucketsOf: (accessKeyId: string) => readonly string[];
}

/**
 * A project with its own pair is reachable with that pair only; the global pair (S3_ACCESS_KEY_ID… or the
 * generated credentials.json) serves every project without one. Each access key id names one pair: the projects
 * file loader refuses one given twice, naming the projects (config/project-conflicts.check.ts).
 */
export function buildKeyRing(
  global: S3Credentials,
  buckets: ReadonlyArray<{ bucket: string; keys?: S3Credentials }>,
): S3KeyRing {
  const entries = new Map<string, { pair: S3Credentials; buckets: string[] }>();
  const add = (pair: S3Credentials, bucket?: string) => {
    let entry = entries.get(pair.accessKeyId);
    if (!entry) entries.set(pair.accessKeyId, (entry = { pair, buckets: [] }));
    if (bucket !== undefined) entry.buckets.push(bucket);
  };
  add(global);
  for (const { bucket, keys } of buckets) add(keys ?? global, bucket);
  return {
    secretOf: (accessKeyId) => entries.get(accessKeyId)?.pair.secretAccessKey,
    bucketsOf: (accessKeyId) => entries.get(accessKeyId)?.buckets ?? [],
  };
}
