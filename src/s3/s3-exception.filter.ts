import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { S3HttpRequest } from './http/s3-http.request.js';
import { S3ReplyWriter } from './http/s3-reply.writer.js';

/**
 * Everything thrown on an S3 route is answered as S3 XML (never Nest's JSON error shape):
 * S3 clients parse `<Error><Code>` to decide what to do, e.g. retry on 5xx.
 */
@Catch()
export class S3ExceptionFilter implements ExceptionFilter {
  constructor(private readonly writer: S3ReplyWriter) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<IncomingMessage>();
    const res = http.getResponse<ServerResponse>();
    this.writer.sendError(S3HttpRequest.of(req, res), res, exception);
  }
}
