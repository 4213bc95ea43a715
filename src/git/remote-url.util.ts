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
 * Replaces every secret (raw and URL-encoded, as servers and libraries echo either) by `***`.
 * The last line of defence: messages are built without secrets, this catches what a server echoes.
 */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  const forms = secrets
    .filter((s): s is string => typeof s === 'string' && s.length > 0)
    .flatMap((s) => [s, encodeURIComponent(s), Buffer.from(s).toString('base64')]);
  // Longest first, so a secret that contains another is replaced whole.
  for (const form of [...new Set(forms)].sort((a, b) => b.length - a.length)) {
    out = out.split(form).join('***');
  }
  return out;
}
