/** A remote URL split from the credentials a user may have written into it. */
export interface RemoteUrl {
  /** The URL with no userinfo: safe to log, to show, and to hand to isomorphic-git. */
  url: string;
  username?: string;
  password?: string;
}

/**
 * `https://user:token@host/repo.git` → `{ url: 'https://host/repo.git', username, password }`.
 * Credentials travel only through isomorphic-git's onAuth callback: a URL with userinfo would end up in
 * error messages and in the cache's config (isomorphic-git keeps URLs verbatim).
 */
export function splitCredentials(raw: string): RemoteUrl {
  const parsed = new URL(raw);
  const username = parsed.username ? decodeURIComponent(parsed.username) : undefined;
  const password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), username, password };
}

/**
 * `scheme://user:secret@host/…` → `scheme://host/…`, for a message about a URL: works on a URL that does not parse
 * too (one refused as invalid may still carry a secret, even with a misspelt scheme: any `//…@` goes).
 */
export function withoutUserInfo(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//');
}

/**
 * Every spelling in which a secret travels or is echoed back: as is, URL-encoded (userinfo, query strings), and
 * base64 (HTTP Basic, RFC 7617) — padded, unpadded, base64url and URL-encoded base64.
 */
export function secretForms(secret: string): string[] {
  const base64 = Buffer.from(secret, 'utf8').toString('base64');
  const unpadded = base64.replace(/=+$/, '');
  return [
    secret,
    encodeURIComponent(secret),
    base64,
    encodeURIComponent(base64),
    unpadded,
    base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
  ];
}

/**
 * Replaces every secret, in every form `secretForms` lists, by `***`.
 * The last line of defence: messages are built without secrets, this catches what a server echoes.
 */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  const forms = secrets.filter((s): s is string => typeof s === 'string' && s.length > 0).flatMap(secretForms);
  // Longest first, so a secret that contains another (user:token contains token) is replaced whole.
  for (const form of [...new Set(forms)].sort((a, b) => b.length - a.length)) {
    out = out.split(form).join('***');
  }
  return out;
}

/**
 * The values of a Git credential pair that must never be shown: the token and `user:token`, whose base64 is the
 * HTTP Basic header isomorphic-git sends (a server or proxy that echoes `Authorization` shows that, and it
 * contains neither the token nor, unless by chance of alignment, the token's base64). With no password, the
 * user name is the credential (`https://<token>@host/…`).
 */
export function credentialSecrets(username: string | undefined, password: string | undefined): string[] {
  if (password) return [password, `${username ?? ''}:${password}`];
  return username ? [username, `${username}:`] : [];
}
