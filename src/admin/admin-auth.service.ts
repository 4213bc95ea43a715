import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { serverConfig } from '../config/configuration.js';
import {
  ADMIN_SESSION_COOKIE,
  expiredSessionCookie,
  isValidSession,
  issueSession,
  readCookie,
  sessionCookie,
} from './admin-session.cookie.js';
import { isCrossSite, isSameOrigin, type OriginHeaders } from './request-origin.check.js';
import { oneValue } from '../s3/http/header-text.js';

/** How a request to /_admin/ is allowed: no ADMIN_TOKEN set, `Authorization: Bearer`, or the page's session cookie. */
export type AdminAccess = 'open' | 'bearer' | 'session';

const digest = (value: string) => createHash('sha256').update(value).digest();
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The one ADMIN_TOKEN rule, for the JSON endpoints (AdminTokenGuard) and the status page alike. */
@Injectable()
export class AdminAuth {
  constructor(@Inject(serverConfig.KEY) private readonly server: ConfigType<typeof serverConfig>) {}

  get tokenRequired(): boolean {
    return Boolean(this.server.adminToken);
  }

  /** Compares digests: constant time and independent of the candidate's length. */
  isAdminToken(candidate: string): boolean {
    const expected = this.server.adminToken;
    return Boolean(expected) && timingSafeEqual(digest(candidate.trim()), digest(expected!));
  }

  /** How the request is allowed, or null when it is not. */
  access(request: Request): AdminAccess | null {
    const token = this.server.adminToken;
    if (!token) return 'open';
    const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
    if (bearer && this.isAdminToken(bearer[1])) return 'bearer';
    if (isValidSession(token, readCookie(request.headers.cookie, ADMIN_SESSION_COOKIE), Date.now())) return 'session';
    return null;
  }

  /**
   * Why a state-changing request must be refused as cross-site request forgery, or null. A browser sends the
   * session cookie by itself, so a request it authenticates must prove it comes from our own page (SameSite=Strict
   * alone leaves old browsers and same-site subdomains); and no request that says it comes from another site
   * may change anything, even on an open admin API (curl and scripts send no Origin and are not affected).
   */
  forgeryRefusal(request: Request, access: AdminAccess): string | null {
    if (SAFE_METHODS.has(request.method)) return null;
    const headers = originHeaders(request);
    if (isCrossSite(headers) || (access === 'session' && !isSameOrigin(headers)))
      return 'Refused as a cross-site request: with the session cookie, admin actions are accepted only from the status page itself (its Origin); scripts send Authorization: Bearer <ADMIN_TOKEN>.';
    return null;
  }

  /** `Set-Cookie` for a browser that just proved it knows ADMIN_TOKEN. */
  loginCookie(request: Request): string {
    return sessionCookie(issueSession(this.server.adminToken!, Date.now()), isHttps(request));
  }

  logoutCookie(request: Request): string {
    return expiredSessionCookie(isHttps(request));
  }
}

function header(request: Request, name: string): string | undefined {
  return oneValue(request.headers[name]);
}

function originHeaders(request: Request): OriginHeaders {
  return {
    origin: header(request, 'origin'),
    host: header(request, 'host'),
    forwardedHost: header(request, 'x-forwarded-host'),
    fetchSite: header(request, 'sec-fetch-site'),
  };
}

/** Served over TLS here, or by a TLS proxy in front (a browser drops a Secure cookie sent over plain http). */
function isHttps(request: Request): boolean {
  return request.secure || header(request, 'x-forwarded-proto')?.split(',')[0].trim() === 'https';
}
