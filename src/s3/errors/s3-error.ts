import { S3_ERROR_CODES, S3ErrorCode } from './s3-error-codes.js';

/** An error that is answered to the client as S3 XML. `message` overrides the table's default. */
export class S3Error extends Error {
  readonly status: number;
  constructor(
    readonly code: S3ErrorCode,
    message?: string,
    /** Extra elements for the XML body (e.g. `StringToSign`, `MaxAllowedSize`) and response headers. */
    readonly details: Record<string, string> = {},
  ) {
    super(message ?? S3_ERROR_CODES[code].message);
    this.name = 'S3Error';
    this.status = S3_ERROR_CODES[code].status;
  }
}
