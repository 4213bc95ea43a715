import { createHash, createHmac } from 'node:crypto';

export type HostKeyVerdict =
  /** A line for this host lists exactly this key. */
  | { status: 'trusted' }
  /** Lines for this host exist, none with this key: someone may be in the middle. */
  | { status: 'mismatch'; lines: number[] }
  /** `@revoked` lists this key. */
  | { status: 'revoked'; line: number }
  /** No line names this host. */
  | { status: 'unknown' };

/**
 * What an OpenSSH `known_hosts` file (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT") says about `key`, the raw public key
 * blob the server offered at `host`:`port`. Host patterns: a name, `[name]:port` for another port than 22, `*` and
 * `?` wildcards, `!` negation, and hashed names (`|1|salt|hmac-sha1`, as `ssh-keyscan -H` writes them).
 * `@cert-authority` lines are skipped: host certificates are not supported.
 */
export function hostKeyVerdict(text: string, host: string, port: number, key: Buffer): HostKeyVerdict {
  const name = port === 22 ? host : `[${host}]:${port}`;
  const mismatches: number[] = [];
  let trusted = false;
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const fields = lines[index].trim().split(/\s+/);
    if (fields[0] === '' || fields[0].startsWith('#')) continue;
    const marker = fields[0].startsWith('@') ? fields.shift() : undefined;
    if (marker === '@cert-authority' || fields.length < 3) continue;
    const [patterns, , base64] = fields;
    if (!hostMatches(patterns, name)) continue;
    const same = Buffer.from(base64, 'base64').equals(key);
    if (marker === '@revoked') {
      if (same) return { status: 'revoked', line: index + 1 };
    } else if (same) trusted = true;
    else mismatches.push(index + 1);
  }
  if (trusted) return { status: 'trusted' };
  return mismatches.length > 0 ? { status: 'mismatch', lines: mismatches } : { status: 'unknown' };
}

function hostMatches(patterns: string, name: string): boolean {
  if (patterns.startsWith('|1|')) {
    const [salt, hash] = patterns.slice(3).split('|');
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  let matched = false;
  for (const pattern of patterns.split(',')) {
    const negated = pattern.startsWith('!');
    if (!globMatches(negated ? pattern.slice(1) : pattern, name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function globMatches(pattern: string, name: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 'i').test(name);
}

/** `ssh-ed25519 SHA256:…`: the key's type and its fingerprint as `ssh-keygen -l` prints it. */
export function keyFingerprint(key: Buffer): string {
  const typeLength = key.length >= 4 ? key.readUInt32BE(0) : 0;
  const type = typeLength > 0 && typeLength < 64 ? key.subarray(4, 4 + typeLength).toString('latin1') : 'key';
  return `${type} SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}
