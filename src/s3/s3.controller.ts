import { All, Controller, Req, Res, UseFilters } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { S3HttpRequest } from './http/s3-http.request.js';
import { S3ReplyWriter } from './http/s3-reply.writer.js';
import { S3Dispatcher } from './s3.dispatcher.js';
import { S3ExceptionFilter } from './s3-exception.filter.js';

/**
 * Every path is an S3 path (path style: `/`, `/{bucket}`, `/{bucket}/{key}`), so one catch-all route hands
 * the raw request to the dispatcher; S3 routing depends on query subresources and headers, not on the path
 * pattern. Registered after the admin module (or with routeResolutionStrategy 'specificity') so `/_admin/...`
 * reaches its own controller first. Bodies are streamed: the app runs without a body parser.
 */
@Controller()
@UseFilters(S3ExceptionFilter)
export class S3Controller {
  constructor(
    private readonly dispatcher: S3Dispatcher,
    private readonly writer: S3ReplyWriter,
  ) {}

  @All(['/', '{*path}'])
  async handle(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    const request = S3HttpRequest.of(req, res);
    this.writer.send(request, res, await this.dispatcher.handle(request));
  }
}
