import type { S3Credentials, SecretLookup } from '../../src/s3/auth/sigv4.types.js';

/** The lookup of fixed pairs for the verifier's specs (the service's own is `src/s3/credentials/s3-key.ring.ts`). */
export function secretLookup(pairs: readonly S3Credentials[]): SecretLookup {
  return (accessKeyId) => pairs.find((pair) => pair.accessKeyId === accessKeyId)?.secretAccessKey;
}
