import { randomBytes, randomInt } from 'node:crypto';
import { ACCESS_KEY_ID, SECRET_ACCESS_KEY } from '../../config/setting.rules.js';
import type { S3Credentials } from '../auth/sigv4.types.js';

const KEY_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * AWS-shaped credentials: a 20-character key id of A-Z0-9 (uniform: `randomInt` rejects biased draws) and a
 * 40-character base64 secret carrying 240 random bits.
 */
export function generateCredentials(): S3Credentials {
  const accessKeyId = Array.from({ length: 20 }, () => KEY_ID_ALPHABET[randomInt(KEY_ID_ALPHABET.length)]).join('');
  return { accessKeyId, secretAccessKey: randomBytes(30).toString('base64') };
}

export function serializeCredentials(credentials: S3Credentials, createdAt: Date): string {
  return `${JSON.stringify({ ...credentials, createdAt: createdAt.toISOString() }, null, 2)}\n`;
}

/**
 * The stored credentials file → credentials. A damaged file stops the start with a message that says what to do,
 * rather than silently generating new ones, which would lock out every client configured with the old ones.
 */
export function parseCredentialsFile(text: string, path: string): S3Credentials {
  const problem = (what: string) =>
    new Error(
      `${path} ${what}: fix it, or delete it to generate new credentials (clients must then be reconfigured), or set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw problem('is not valid JSON');
  }
  const { accessKeyId, secretAccessKey } = (parsed ?? {}) as Record<string, unknown>;
  // The rules of S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY (setting.rules.ts): the file holds to the same.
  if (typeof accessKeyId !== 'string' || !ACCESS_KEY_ID.pattern!.test(accessKeyId))
    throw problem('has no valid "accessKeyId"');
  if (typeof secretAccessKey !== 'string' || secretAccessKey.length < SECRET_ACCESS_KEY.minLength!)
    throw problem('has no valid "secretAccessKey"');
  return { accessKeyId, secretAccessKey };
}
