import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { AdminAuth } from './admin-auth.service.js';

/**
 * `Authorization: Bearer $ADMIN_TOKEN`, or the status page's session cookie, when ADMIN_TOKEN is set; open
 * otherwise (documented in README). State-changing requests from another site's page are refused either way.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(private readonly auth: AdminAuth) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const access = this.auth.access(request);
    if (!access)
      throw new UnauthorizedException(
        'Send Authorization: Bearer <ADMIN_TOKEN> (the value of ADMIN_TOKEN in the service settings), or log in on the status page at /_admin/.',
      );
    const refusal = this.auth.forgeryRefusal(request, access);
    if (refusal) throw new ForbiddenException(refusal);
    return true;
  }
}
