import type { Readable } from 'node:stream';
import type { XmlDocument } from '../xml/s3-xml.writer.js';

/** What an S3 operation answers; written to the wire in one place (S3ReplyWriter). */
export interface S3Reply {
  status: number;
  headers?: Record<string, string>;
  /** A result document, rendered as S3 XML (a reply has `xml` or `body`, not both). */
  xml?: XmlDocument;
  /** Object bytes, streamed. */
  body?: Readable;
}
