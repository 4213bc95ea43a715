import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { S3Error } from '../errors/s3-error.js';
import { S3HttpRequest } from './s3-http.request.js';
import { S3ReplyWriter } from './s3-reply.writer.js';

const ADMIN_PATH = /^\/_admin(\/|\?|$)/;

/**
 * Express decodes the catch-all route's path parameter before the S3 controller runs, and a malformed escape
 * (`/bucket/%ZZ`) fails there ("Failed to decode param", status 400) — outside every Nest exception filter.
 * This Express error handler answers those as S3 InvalidURI XML. Registered in onModuleInit, which Nest runs
 * after the routes are registered and before its own error handler (NestApplication.init), so it sees them first.
 */
@Injectable()
export class MalformedUrlHandler implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly writer: S3ReplyWriter,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) return; // a testing module without an HTTP app
    adapter.use((error: unknown, req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => {
      const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '';
      if (!(error instanceof URIError) || ADMIN_PATH.test(url) || res.headersSent) return next(error);
      this.writer.sendError(S3HttpRequest.of(req, res), res, new S3Error('InvalidURI'));
    });
  }
}
