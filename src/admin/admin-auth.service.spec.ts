import { describe, expect, it } from '@jest/globals';
import type { ConfigType } from '@nestjs/config';
import type { Request } from 'express';
import type { serverConfig } from '../config/configuration.js';
import { AdminAuth, type AdminAccess } from './admin-auth.service.js';
import { ADMIN_SESSION_COOKIE, issueSession } from './admin-session.cookie.js';

const TOKEN = 'admin-token-0123456789abcdef';
const HOST = '127.0.0.1:8000';

const auth = (adminToken?: string) => new AdminAuth({ adminToken } as ConfigType<typeof serverConfig>);
const request = (fields: { method?: string; headers?: Record<string, string>; secure?: boolean }) =>
  ({ method: 'GET', secure: false, ...fields, headers: { host: HOST, ...fields.headers } }) as unknown as Request;
const session = (token = TOKEN) => `${ADMIN_SESSION_COOKIE}=${issueSession(token, Date.now())}`;

describe('AdminAuth.access', () => {
  it.each<[string, string | undefined, Record<string, string>, AdminAccess | null]>([
    ['no ADMIN_TOKEN: open', undefined, {}, 'open'],
    ['the bearer token', TOKEN, { authorization: `Bearer ${TOKEN}` }, 'bearer'],
    ['the bearer token, scheme in lower case', TOKEN, { authorization: `bearer ${TOKEN}` }, 'bearer'],
    ['a wrong bearer token', TOKEN, { authorization: `Bearer ${TOKEN}x` }, null],
    ['the token as Basic credentials', TOKEN, { authorization: `Basic ${TOKEN}` }, null],
    ['a session cookie', TOKEN, { cookie: `theme=dark; ${session()}` }, 'session'],
    ['a session cookie of another token', TOKEN, { cookie: session(`${TOKEN}x`) }, null],
    ['the token itself as the cookie', TOKEN, { cookie: `${ADMIN_SESSION_COOKIE}=${TOKEN}` }, null],
    ['nothing', TOKEN, {}, null],
  ])('%s', (_name, adminToken, headers, access) => {
    expect(auth(adminToken).access(request({ headers }))).toBe(access);
  });
});

describe('AdminAuth.forgeryRefusal', () => {
  const own = { origin: `http://${HOST}` };
  const evil = { origin: 'https://evil.example' };
  it.each<[string, string, AdminAccess, Record<string, string>, boolean]>([
    // name, method, access, headers, refused
    ['a GET from anywhere', 'GET', 'session', evil, false],
    ['a script POST, open API', 'POST', 'open', {}, false],
    ['another site POSTs, open API', 'POST', 'open', evil, true],
    ['a script POST with the bearer token', 'POST', 'bearer', {}, false],
    ['another site POSTs with a bearer token', 'POST', 'bearer', evil, true],
    ['our page POSTs with the session cookie', 'POST', 'session', own, false],
    ['the session cookie, no Origin', 'POST', 'session', {}, true],
    ['the session cookie, Fetch Metadata same-origin', 'POST', 'session', { 'sec-fetch-site': 'same-origin' }, false],
    ['the session cookie, Origin null', 'POST', 'session', { origin: 'null' }, true],
  ])('%s → refused: %s', (_name, method, access, headers, refused) => {
    const refusal = auth(TOKEN).forgeryRefusal(request({ method, headers }), access);
    expect(refusal !== null).toBe(refused);
  });
});

describe('AdminAuth.loginCookie', () => {
  it.each([
    ['plain http', {}, false, false],
    ['https here', {}, true, true],
    ['https at the proxy in front', { 'x-forwarded-proto': 'https' }, false, true],
  ])('%s → Secure: %s', (_name, headers, secure, expected) => {
    const cookie = auth(TOKEN).loginCookie(request({ headers, secure }));
    expect(cookie.endsWith('; Secure')).toBe(expected);
    expect(cookie).toContain('HttpOnly; SameSite=Strict');
    expect(cookie).not.toContain(TOKEN);
  });
});
