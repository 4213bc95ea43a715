/** The request headers that tell where a browser request comes from. */
export interface OriginHeaders {
  origin?: string;
  host?: string;
  forwardedHost?: string;
  /** Fetch Metadata (`Sec-Fetch-Site`): `same-origin`, `same-site`, `cross-site` or `none`. */
  fetchSite?: string;
}

/**
 * Whether a state-changing browser request comes from this service's own pages (OWASP CSRF cheat sheet:
 * verify the source origin against the target origin). `Origin` must name this host (as the client reached it:
 * `Host`, or `X-Forwarded-Host` behind a proxy, which a cross-site form cannot set); without an Origin,
 * only Fetch Metadata's `same-origin` counts. `Origin: null` (sandboxed or privacy-sensitive contexts) never does.
 */
export function isSameOrigin(headers: OriginHeaders): boolean {
  if (headers.origin === undefined) return headers.fetchSite === 'same-origin';
  let host: string;
  try {
    host = new URL(headers.origin).host.toLowerCase();
  } catch {
    return false;
  }
  const own = [headers.host, headers.forwardedHost?.split(',')[0]]
    .filter((value): value is string => Boolean(value))
    .map((value) => value.trim().toLowerCase());
  return own.includes(host);
}

/** Whether the request claims to come from another site: an Origin or Fetch Metadata that is not ours. */
export function isCrossSite(headers: OriginHeaders): boolean {
  if (headers.origin !== undefined) return !isSameOrigin(headers);
  return headers.fetchSite !== undefined && headers.fetchSite !== 'same-origin' && headers.fetchSite !== 'none';
}
