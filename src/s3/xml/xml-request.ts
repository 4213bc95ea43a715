import { S3Error } from '../errors/s3-error.js';

/** Helpers of the request documents clients send (DeleteObjects, CompleteMultipartUpload), parsed by xml2js. */

/** S3's answer to a request document it cannot use, saying why. */
export function malformedXml(why: string): S3Error {
  return new S3Error(
    'MalformedXML',
    `The XML you provided was not well-formed or did not validate against our published schema: ${why}.`,
  );
}

/** The text of an element that occurs once (xml2js `explicitArray`); undefined when repeated or not text. */
export function elementText(value: unknown): string | undefined {
  if (!Array.isArray(value) || value.length !== 1) return undefined;
  const [item] = value as unknown[];
  if (typeof item === 'string') return item;
  // xml2js gives `{ _: text, $: attrs }` for an element with attributes; an element with children is not text.
  if (item && typeof item === 'object' && !Object.keys(item).some((k) => k !== '_' && k !== '$')) {
    const t = (item as { _?: unknown })._;
    return typeof t === 'string' ? t : '';
  }
  return undefined;
}
