import xml2js from 'xml2js';
import { S3Error } from '../errors/s3-error.js';

/** Namespace of every S3 result document (AWS S3 API reference, e.g. ListBucketResult). */
export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** One root element: `{ ListBucketResult: { ... } }`. Attributes under `$`, text under `_`, repeated elements as arrays. */
export type XmlDocument = Record<string, unknown>;

const builder = new xml2js.Builder({
  // `<?xml version="1.0" encoding="UTF-8"?>` exactly, no `standalone` (what S3 sends).
  xmldec: { version: '1.0', encoding: 'UTF-8' },
  renderOpts: { pretty: false },
});

/** Characters XML 1.0 cannot carry at all (§2.2 Char), not even escaped. */
const NOT_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Replaces what XML 1.0 cannot carry: for error documents, which must always render. */
export function xmlSafe(text: string): string {
  return text.replace(new RegExp(NOT_XML_CHAR.source, 'gu'), '\uFFFD');
}

/** The one place S3 XML is written. */
export function renderXml(document: XmlDocument): string {
  try {
    return builder.buildObject(document);
  } catch {
    // S3 keys may contain control characters that XML 1.0 forbids; `encoding-type=url` is the S3 answer to that.
    throw new S3Error(
      'InvalidRequest',
      'The answer contains characters that XML 1.0 cannot carry (control characters in a key?): list with encoding-type=url.',
    );
  }
}
