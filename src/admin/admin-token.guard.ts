import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { serverConfig } from '../config/configuration.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** `Authorization: Bearer $ADMIN_TOKEN` when ADMIN_TOKEN is set; open otherwise (documented in README). */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@Inject(serverConfig.KEY) private readonly server: ConfigType<typeof serverConfig>) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.server.adminToken;
    if (!expected) return true;
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    // Compare digests: constant time and independent of the token's length.
    if (match && timingSafeEqual(digest(match[1].trim()), digest(expected))) return true;
    throw new UnauthorizedException(
      'Send Authorization: Bearer <ADMIN_TOKEN> (the value of ADMIN_TOKEN in the service settings).',
    );
  }
}
