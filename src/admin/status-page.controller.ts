import { Controller, ForbiddenException, Get, Post, Query, Req, Res } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { AdminAuth } from './admin-auth.service.js';
import { readFormBody } from './form-body.reader.js';
import { StatusPageService } from './status-page.service.js';
import { renderLoginPage, renderStatusPage } from './status-page.view.js';

const PAGE = '/_admin/';
const REFRESH_SECONDS = 10;

/**
 * The status page (GET /_admin/) and its login. With ADMIN_TOKEN set, a browser logs in once (the form, or a
 * link with `?token=`) and gets an HttpOnly, SameSite=Strict session cookie; every answer that took a token
 * redirects to the clean URL, so the token never stays in the address bar, the history or an access log.
 */
@Controller('_admin')
export class StatusPageController {
  constructor(
    private readonly auth: AdminAuth,
    private readonly page: StatusPageService,
  ) {}

  @Get()
  async show(
    @Req() request: Request,
    @Res() response: Response,
    @Query('token') token?: string,
    @Query('login') login?: string,
  ): Promise<void> {
    if (token !== undefined) return this.logIn(request, response, token);
    const access = this.auth.access(request);
    if (!access) {
      const error = login === 'failed' ? 'That is not the admin token.' : undefined;
      return sendHtml(response, 401, (nonce) => renderLoginPage(nonce, error));
    }
    const projects = await this.page.projectViews();
    const model = { now: Date.now(), refreshSeconds: REFRESH_SECONDS, loggedIn: access === 'session', projects };
    sendHtml(response, 200, (nonce) => renderStatusPage(model, nonce));
  }

  @Post('login')
  async login(@Req() request: Request, @Res() response: Response): Promise<void> {
    this.refuseCrossSite(request);
    const form = await readFormBody(request);
    this.logIn(request, response, form.get('token') ?? '');
  }

  @Post('logout')
  logout(@Req() request: Request, @Res() response: Response): void {
    this.refuseCrossSite(request);
    response.setHeader('set-cookie', this.auth.logoutCookie(request));
    response.redirect(303, PAGE);
  }

  private logIn(request: Request, response: Response, token: string): void {
    if (!this.auth.tokenRequired) return response.redirect(303, PAGE);
    if (!this.auth.isAdminToken(token)) return response.redirect(303, `${PAGE}?login=failed`);
    response.setHeader('set-cookie', this.auth.loginCookie(request));
    response.redirect(303, PAGE);
  }

  /** A login or logout from another site's page (login CSRF) is refused like any admin action. */
  private refuseCrossSite(request: Request): void {
    const refusal = this.auth.forgeryRefusal(request, 'open');
    if (refusal) throw new ForbiddenException(refusal);
  }
}

/**
 * An HTML answer with a Content-Security-Policy that allows only this answer's own inline style and script
 * (by nonce): escaping is the first defence against markup in keys and error messages, this the second.
 */
function sendHtml(response: Response, status: number, render: (nonce: string) => string): void {
  const nonce = randomBytes(16).toString('base64');
  response
    .status(status)
    .set({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      // Not `no-referrer`: with it, browsers send `Origin: null` on our own form posts (Fetch, "serializing a
      // request origin"), which the cross-site check must refuse.
      'referrer-policy': 'same-origin',
    })
    .send(render(nonce));
}
