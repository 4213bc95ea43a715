import { createHmac, timingSafeEqual } from 'node:crypto';

/** The admin session cookie: set by the status page's login, accepted by every admin endpoint. */
export const ADMIN_SESSION_COOKIE = 'dvc_sync_admin';
/** A browser stays logged in this long (a week, as dashboards do); changing ADMIN_TOKEN ends every session. */
export const SESSION_LIFETIME_SECONDS = 7 * 24 * 3600;

function signature(adminToken: string, expiresAt: number): Buffer {
  return createHmac('sha256', adminToken).update(`dvc-sync admin session until ${expiresAt}`).digest();
}

/**
 * `<expiry>.<HMAC(ADMIN_TOKEN, expiry)>`: proves the browser once knew the token without carrying the token
 * itself, expires on the server's clock (not only the browser's Max-Age), and needs no session store.
 */
export function issueSession(adminToken: string, nowMs: number): string {
  const expiresAt = Math.floor(nowMs / 1000) + SESSION_LIFETIME_SECONDS;
  return `${expiresAt}.${signature(adminToken, expiresAt).toString('base64url')}`;
}

export function isValidSession(adminToken: string, value: string | undefined, nowMs: number): boolean {
  const match = /^(\d{1,12})\.([\w-]{43})$/.exec(value ?? '');
  if (!match) return false;
  const expiresAt = Number(match[1]);
  if (expiresAt * 1000 <= nowMs) return false;
  return timingSafeEqual(Buffer.from(match[2], 'base64url'), signature(adminToken, expiresAt));
}

/** One cookie's value from a `Cookie` header (RFC 6265 §5.4: `name=value` pairs separated by `;`). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return undefined;
}

/**
 * The `Set-Cookie` value (RFC 6265bis): HttpOnly (no script reads it), SameSite=Strict (no other site's page
 * sends it), Path=/_admin (the S3 API never sees it), Secure when the page was served over https.
 */
export function sessionCookie(value: string, secure: boolean): string {
  return cookie(value, SESSION_LIFETIME_SECONDS, secure);
}

/** Logs out: the same cookie, expired. */
export function expiredSessionCookie(secure: boolean): string {
  return cookie('', 0, secure);
}

function cookie(value: string, maxAge: number, secure: boolean): string {
  const attributes = [
    `Path=/_admin`,
    `Max-Age=${maxAge}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(secure ? ['Secure'] : []),
  ];
  return [`${ADMIN_SESSION_COOKIE}=${value}`, ...attributes].join('; ');
}
