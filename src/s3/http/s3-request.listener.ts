import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { S3Dispatcher } from '../s3.dispatcher.js';
import { installExpectContinue } from './expect-continue.js';
import { S3HttpRequest } from './s3-http.request.js';
import { S3ReplyWriter } from './s3-reply.writer.js';

/** The admin API's paths: `/_admin` and below (`_admin` is never a valid bucket name: s3-target.ts). */
const ADMIN_PREFIX = '/_admin';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The S3 endpoint's route: every request whose path is not the admin API's is an S3 request, handed straight from
 * the HTTP(S) server to the dispatcher and the reply writer; `/_admin/...` goes on to Nest (Express) as before.
 * S3 routing depends on query subresources and headers, not on a path pattern, so Express's router, Nest's route
 * handler and exception filter only cost time here (~0.05 ms of CPU per PUT: bench/results/put-path-3.md) and
 * Express decoded path parameters an S3 key must not be decoded by (a malformed escape is S3's InvalidURI, which
 * the dispatcher answers from the raw path). Bodies are streamed by the S3 layer: the app runs without a body parser.
 */
@Injectable()
export class S3RequestListener implements OnApplicationBootstrap {
  private readonly logger = new Logger('S3');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly dispatcher: S3Dispatcher,
    private readonly writer: S3ReplyWriter,
  ) {}

  /** Runs in app.init(), before listen(): no request has been served yet. */
  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    // Absent in a testing module that never creates an HTTP app.
    if (!server || typeof server.on !== 'function') return;
    installExpectContinue(server, isAdminPath);
    // The Express app Nest created the server with (http.createServer(app)): from now on, for the admin API only.
    const nest = server.listeners('request') as RequestListener[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (isAdminPath(req.url ?? '')) {
        for (const listener of nest) listener(req, res);
        return;
      }
      this.serve(req, res).catch((error: unknown) => {
        // Only when writing the error answer itself failed: a request handler must never end the process.
        // The path only: a presigned URL's query carries credentials.
        const path = (req.url ?? '').split('?', 1)[0];
        this.logger.error(`S3 request ${req.method} ${path} failed unanswered: ${String(error)}`);
        res.destroy();
      });
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request = new S3HttpRequest(req, res);
    try {
      this.writer.send(request, res, await this.dispatcher.handle(request));
    } catch (error) {
      // Everything thrown on an S3 request is answered as S3 XML from the one error table (errors/s3-error-codes.ts).
      this.writer.sendError(request, res, error);
    }
  }
}

/** True for the admin API's paths, which keep Node's and Nest's default handling. */
export function isAdminPath(url: string): boolean {
  if (!url.startsWith(ADMIN_PREFIX)) return false;
  const next = url[ADMIN_PREFIX.length];
  return next === undefined || next === '/' || next === '?';
}
