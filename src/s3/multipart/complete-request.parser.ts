import xml2js from 'xml2js';
import type { RequestedPart } from '../../storage/storage.backend.js';
import { CHECKSUM_ALGORITHMS, DIGEST_BYTES, isBase64Digest } from '../body/checksum.js';
import { S3Error } from '../errors/s3-error.js';
import { elementText as text, malformedXml as malformed } from '../xml/xml-request.js';
import { parsePartNumber } from './part-number.js';

/** 10,000 parts with an ETag and a checksum each fit well below this. */
export const MAX_COMPLETE_BODY_BYTES = 4 * 1024 * 1024;

/** `ChecksumCRC32` → 'crc32' (the element names of the Part type in the AWS API reference). */
const CHECKSUM_ELEMENTS = new Map(CHECKSUM_ALGORITHMS.map((a) => [`Checksum${a.toUpperCase()}`, a]));

/**
 * `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"…"</ETag><ChecksumCRC32>…</ChecksumCRC32></Part>…`
 * → the parts, as sent (order and existence are judged by the storage, as S3 does: InvalidPartOrder, InvalidPart).
 */
export async function parseCompleteRequest(xml: string): Promise<RequestedPart[]> {
  let parsed: unknown;
  try {
    // xml2js (sax) does not resolve external entities.
    parsed = await xml2js.parseStringPromise(xml, { trim: true, explicitArray: true });
  } catch {
    throw malformed('not well-formed');
  }
  const root = (parsed as Record<string, unknown> | null)?.CompleteMultipartUpload;
  if (root === undefined) throw malformed('the root element must be <CompleteMultipartUpload>');
  const rawParts = root && typeof root === 'object' ? (root as Record<string, unknown>).Part : undefined;
  if (!Array.isArray(rawParts) || rawParts.length === 0) throw malformed('at least one <Part> is required');
  return rawParts.map((raw: unknown) => {
    const part = (raw ?? {}) as Record<string, unknown>;
    const number = text(part.PartNumber);
    const etag = text(part.ETag);
    if (number === undefined || etag === undefined)
      throw malformed('every <Part> needs one <PartNumber> and one <ETag>');
    const checksums: Record<string, string> = {};
    for (const [element, algorithm] of CHECKSUM_ELEMENTS) {
      if (part[element] === undefined) continue;
      const value = text(part[element]);
      if (value === undefined || !isBase64Digest(value, DIGEST_BYTES[algorithm])) {
        throw new S3Error('InvalidRequest', `The ${element} of part ${number} is not a valid checksum.`);
      }
      checksums[algorithm] = value;
    }
    return { partNumber: parsePartNumber(number), etag, checksums };
  });
}
