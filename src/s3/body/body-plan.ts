import { isAwsChunked, PayloadMode, payloadModeOf } from '../auth/payload-hash.js';
import type { AuthContext, IncomingSignedRequest } from '../auth/sigv4.types.js';
import { S3Error } from '../errors/s3-error.js';
import {
  ChecksumAlgorithm,
  checksumAlgorithmOfHeader,
  checksumAlgorithmOfName,
  DIGEST_BYTES,
  isBase64Digest,
} from './checksum.js';
import { oneValue } from '../http/header-text.js';

/** Everything decided from the headers before the first body byte is read. */
export interface BodyPlan {
  mode: PayloadMode;
  /** Bytes on the wire (Content-Length), when given. */
  contentLength?: number;
  /** Bytes of the object: x-amz-decoded-content-length for aws-chunked, else Content-Length. */
  decodedLength?: number;
  /** The hex sha256 the signature covered (mode 'sha256'). */
  expectedSha256?: string;
  expectedMd5?: Buffer;
  headerChecksum?: { algorithm: ChecksumAlgorithm; value: string };
  /** The checksum the client announced in x-amz-trailer. */
  trailerChecksum?: ChecksumAlgorithm;
}

type Headers = IncomingSignedRequest['headers'];

/** x-amz-checksum-* names that are not checksum values (CreateMultipartUpload and GetObject options). */
const NOT_VALUES = new Set(['x-amz-checksum-type', 'x-amz-checksum-mode', 'x-amz-checksum-algorithm']);

function header(headers: Headers, name: string): string | undefined {
  return oneValue(headers[name]);
}

function length(headers: Headers, name: string): number | undefined {
  const text = header(headers, name);
  if (text === undefined) return undefined;
  if (!/^\d{1,15}$/.test(text.trim()))
    throw new S3Error('InvalidArgument', `${name} must be a non-negative integer.`, {
      ArgumentName: name,
      ArgumentValue: text,
    });
  return Number(text.trim());
}

/** One x-amz-checksum-<algorithm> header at most, with a well-formed value (S3's wording, as reproduced by versitygw's suite). */
function headerChecksum(headers: Headers): BodyPlan['headerChecksum'] {
  const names = Object.keys(headers).filter((n) => n.startsWith('x-amz-checksum-') && !NOT_VALUES.has(n));
  if (names.length === 0) return undefined;
  if (names.length > 1)
    throw new S3Error(
      'InvalidRequest',
      'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.',
    );
  const algorithm = checksumAlgorithmOfHeader(names[0]);
  if (!algorithm)
    throw new S3Error('InvalidRequest', 'The algorithm type you specified in x-amz-checksum- header is invalid.');
  const value = header(headers, names[0])!.trim();
  if (!isBase64Digest(value, DIGEST_BYTES[algorithm]))
    throw new S3Error('InvalidRequest', `Value for ${names[0]} header is invalid.`);
  return { algorithm, value };
}

function trailerChecksum(headers: Headers, mode: PayloadMode): ChecksumAlgorithm | undefined {
  const trailer = header(headers, 'x-amz-trailer')?.trim().toLowerCase();
  if (trailer === undefined || trailer === '') return undefined;
  if (mode !== 'streaming-signed-trailer' && mode !== 'streaming-unsigned-trailer') {
    throw new S3Error(
      'InvalidRequest',
      'x-amz-trailer needs x-amz-content-sha256 STREAMING-UNSIGNED-PAYLOAD-TRAILER or STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER.',
    );
  }
  const algorithm = checksumAlgorithmOfHeader(trailer);
  if (!algorithm)
    throw new S3Error('InvalidRequest', 'The value specified in the x-amz-trailer header is not supported');
  return algorithm;
}

/** x-amz-sdk-checksum-algorithm must name the checksum actually sent, in a header or announced as a trailer. */
function checkSdkAlgorithm(headers: Headers, sent: ChecksumAlgorithm | undefined): void {
  const name = header(headers, 'x-amz-sdk-checksum-algorithm');
  if (name === undefined) return;
  const algorithm = checksumAlgorithmOfName(name);
  if (!algorithm) {
    throw new S3Error(
      'InvalidRequest',
      'Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]',
    );
  }
  if (!sent)
    throw new S3Error(
      'InvalidRequest',
      'x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.',
    );
  if (sent !== algorithm) {
    throw new S3Error(
      'InvalidRequest',
      `Checksum Type mismatch occurred, expected checksum Type: ${algorithm}, actual checksum Type: ${sent}`,
    );
  }
}

/** Reads and checks the body-related headers; throws the S3Error a client gets before any byte is stored. */
export function planRequestBody(headers: Headers, auth: AuthContext, maxSize: number): BodyPlan {
  const mode = payloadModeOf(auth.payloadHash);
  const streaming = isAwsChunked(mode);
  const contentLength = length(headers, 'content-length');
  const chunkedTransfer = /\bchunked\b/i.test(header(headers, 'transfer-encoding') ?? '');
  if (contentLength === undefined && !chunkedTransfer) throw new S3Error('MissingContentLength');
  const decodedLength = streaming ? length(headers, 'x-amz-decoded-content-length') : contentLength;
  if (streaming && decodedLength === undefined) {
    throw new S3Error('MissingContentLength', 'An aws-chunked upload must carry x-amz-decoded-content-length.');
  }
  if (decodedLength !== undefined && decodedLength > maxSize) {
    throw new S3Error('EntityTooLarge', undefined, {
      ProposedSize: String(decodedLength),
      MaxSizeAllowed: String(maxSize),
    });
  }
  const md5Text = header(headers, 'content-md5')?.trim();
  if (md5Text !== undefined && !isBase64Digest(md5Text, 16)) throw new S3Error('InvalidDigest');
  const inHeader = headerChecksum(headers);
  const inTrailer = trailerChecksum(headers, mode);
  if (inHeader && inTrailer)
    throw new S3Error(
      'InvalidRequest',
      'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.',
    );
  checkSdkAlgorithm(headers, inHeader?.algorithm ?? inTrailer);
  return {
    mode,
    contentLength,
    decodedLength,
    expectedSha256: mode === 'sha256' ? auth.payloadHash : undefined,
    expectedMd5: md5Text === undefined ? undefined : Buffer.from(md5Text, 'base64'),
    headerChecksum: inHeader,
    trailerChecksum: inTrailer,
  };
}
