import { describe, expect, it } from '@jest/globals';
import { createHash, createHmac } from 'node:crypto';
import { hostKeyVerdict, keyFingerprint, type HostKeyVerdict } from './known-hosts.parser.js';

/** A public key blob as SSH sends it: string type, then the key material. */
function blob(type: string, material: string): Buffer {
  const typeBytes = Buffer.from(type);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(typeBytes.length);
  return Buffer.concat([length, typeBytes, Buffer.from(material)]);
}
const ours = blob('ssh-ed25519', 'the server key');
const other = blob('ssh-ed25519', 'another key');
const line = (hosts: string, key: Buffer, marker = '') =>
  `${marker}${marker ? ' ' : ''}${hosts} ssh-ed25519 ${key.toString('base64')}`;
const hashed = (name: string) => {
  const salt = Buffer.from('0123456789abcdef0123');
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
};

describe('hostKeyVerdict', () => {
  it.each<[string, string, string, number, HostKeyVerdict]>([
    ['plain name, port 22', line('nas.example', ours), 'nas.example', 22, { status: 'trusted' }],
    ['other port needs [host]:port', line('nas.example', ours), 'nas.example', 2222, { status: 'unknown' }],
    ['[host]:port', line('[127.0.0.1]:2222', ours), '127.0.0.1', 2222, { status: 'trusted' }],
    ['one of a comma list', line('nas,nas.example,10.0.0.5', ours), '10.0.0.5', 22, { status: 'trusted' }],
    ['wildcard', line('*.example', ours), 'nas.example', 22, { status: 'trusted' }],
    ['negation wins', line('*.example,!nas.example', ours), 'nas.example', 22, { status: 'unknown' }],
    ['hashed name (ssh-keyscan -H)', line(hashed('[127.0.0.1]:2222'), ours), '127.0.0.1', 2222, { status: 'trusted' }],
    ['hashed name of another host', line(hashed('nas.example'), ours), '127.0.0.1', 22, { status: 'unknown' }],
    ['another key for this host', `# team NAS\n\n${line('nas', other)}`, 'nas', 22, { status: 'mismatch', lines: [3] }],
    [
      'several keys, one of them ours',
      [line('nas', other), line('nas', ours)].join('\n'),
      'nas',
      22,
      { status: 'trusted' },
    ],
    [
      'revoked beats trusted',
      [line('nas', ours), line('*', ours, '@revoked')].join('\n'),
      'nas',
      22,
      { status: 'revoked', line: 2 },
    ],
    ['cert-authority lines are skipped', line('*', ours, '@cert-authority'), 'nas', 22, { status: 'unknown' }],
    ['empty file', '', 'nas', 22, { status: 'unknown' }],
  ])('%s', (_name, text, host, port, verdict) => {
    expect(hostKeyVerdict(text, host, port, ours)).toEqual(verdict);
  });
});

describe('keyFingerprint', () => {
  it('prints the type and the unpadded base64 SHA256, as ssh-keygen -l does', () => {
    const expected = createHash('sha256').update(ours).digest('base64').replace(/=+$/, '');
    expect(keyFingerprint(ours)).toBe(`ssh-ed25519 SHA256:${expected}`);
    expect(keyFingerprint(ours)).not.toContain('=');
  });
});
