import { BadRequestException, PayloadTooLargeException } from '@nestjs/common';
import type { Request } from 'express';

/** The login form is one field: anything larger is not from our page. */
const FORM_LIMIT_BYTES = 4096;

/**
 * An `application/x-www-form-urlencoded` body (the app has no body parser: S3 bodies are streamed). A form
 * field never goes through the URL, so the token stays out of access logs and browser history.
 */
export async function readFormBody(request: Request): Promise<URLSearchParams> {
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded')
    throw new BadRequestException('Send the form as application/x-www-form-urlencoded (field: token).');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > FORM_LIMIT_BYTES)
      throw new PayloadTooLargeException(`The form is larger than ${FORM_LIMIT_BYTES} bytes.`);
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
