import { describe, expect, it } from '@jest/globals';
import {
  ADMIN_SESSION_COOKIE,
  expiredSessionCookie,
  isValidSession,
  issueSession,
  readCookie,
  SESSION_LIFETIME_SECONDS,
  sessionCookie,
} from './admin-session.cookie.js';

const TOKEN = 'admin-token-0123456789abcdef';
const NOW = Date.parse('2026-01-01T00:00:00.000Z');

describe('admin session', () => {
  const session = issueSession(TOKEN, NOW);

  it('does not carry the token', () => {
    expect(session).not.toContain(TOKEN);
    expect(session).toMatch(/^\d+\.[\w-]{43}$/);
  });

  it.each([
    ['the issued session, now', session, NOW, true],
    ['the issued session, a second before it expires', session, NOW + SESSION_LIFETIME_SECONDS * 1000 - 1000, true],
    ['the issued session, once expired', session, NOW + SESSION_LIFETIME_SECONDS * 1000, false],
    ['a later expiry with the same signature', session.replace(/^\d+/, (s) => String(Number(s) + 3600)), NOW, false],
    ['the signature of another token', issueSession(`${TOKEN}x`, NOW), NOW, false],
    ['the token itself', TOKEN, NOW, false],
    ['nothing', undefined, NOW, false],
    ['garbage', 'x.y', NOW, false],
  ])('%s → %s', (_name, value, now, valid) => {
    expect(isValidSession(TOKEN, value, now)).toBe(valid);
  });
});

describe('readCookie', () => {
  it.each([
    [`${ADMIN_SESSION_COOKIE}=abc`, 'abc'],
    [`a=1; ${ADMIN_SESSION_COOKIE}=abc; b=2`, 'abc'],
    [`x${ADMIN_SESSION_COOKIE}=abc`, undefined],
    ['a=1', undefined],
    [undefined, undefined],
  ])('%s → %s', (header, value) => {
    expect(readCookie(header, ADMIN_SESSION_COOKIE)).toBe(value);
  });
});

describe('Set-Cookie', () => {
  it.each([
    [sessionCookie('v', false), `${ADMIN_SESSION_COOKIE}=v; Path=/_admin; Max-Age=604800; HttpOnly; SameSite=Strict`],
    [
      sessionCookie('v', true),
      `${ADMIN_SESSION_COOKIE}=v; Path=/_admin; Max-Age=604800; HttpOnly; SameSite=Strict; Secure`,
    ],
    [expiredSessionCookie(false), `${ADMIN_SESSION_COOKIE}=; Path=/_admin; Max-Age=0; HttpOnly; SameSite=Strict`],
  ])('%s', (header, expected) => {
    expect(header).toBe(expected);
  });
});
