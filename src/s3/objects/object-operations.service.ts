import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { s3Config } from '../../config/configuration.js';
import { MAX_PART_SIZE, objectETag } from '../../storage/multipart.rules.js';
import type { ObjectMeta } from '../../storage/storage.backend.js';
import type { AuthContext } from '../auth/sigv4.types.js';
import type { ServedBucket } from '../buckets/served-buckets.port.js';
import { receiveRequestBody, storedContentEncoding } from '../body/request-body.js';
import { S3Error } from '../errors/s3-error.js';
import { resolveRange } from '../http/byte-range.js';
import { checkConditions, conditionHeaders } from '../http/conditional-request.js';
import { objectHeadersFrom, objectResponseHeaders } from '../http/object-headers.js';
import { responseOverrides } from '../http/response-overrides.js';
import type { S3HttpRequest } from '../http/s3-http.request.js';
import type { S3Reply } from '../http/s3-reply.js';
import { parsePartNumber, partRead, type PartRead } from '../multipart/part-number.js';
import { assertAcceptableKey } from '../routing/object-key.js';
import { copyObjectResult } from '../xml/s3-documents.js';
import { parseCopySource, parseMetadataDirective } from './copy-source.js';
import { oneValue } from '../http/header-text.js';

function header(request: S3HttpRequest, name: string): string | undefined {
  return oneValue(request.headers[name]);
}

/** GetObject, HeadObject, PutObject, CopyObject, DeleteObject. */
@Injectable()
export class ObjectOperations {
  constructor(@Inject(s3Config.KEY) private readonly config: ConfigType<typeof s3Config>) {}

  async getObject(
    { storage }: ServedBucket,
    request: S3HttpRequest,
    key: string,
    query: Record<string, string>,
    head: boolean,
  ): Promise<S3Reply> {
    const overrides = responseOverrides(query);
    const partNumber = query.partNumber === undefined ? undefined : parsePartNumber(query.partNumber);
    if (partNumber !== undefined && header(request, 'range') !== undefined) {
      throw new S3Error('InvalidRequest', 'Cannot specify both Range header and partNumber query parameter.');
    }
    const meta = await storage.headObject(key);
    checkConditions(conditionHeaders(request.headers, 'read'), conditionTarget(meta), 'read');
    const part: PartRead | undefined = partNumber === undefined ? undefined : partRead(meta, partNumber);
    const range = part ? part.range : resolveRange(header(request, 'range'), meta.size);
    // A part read names a range even when it is the whole object, as S3 does; a part's checksum is not kept.
    const checksumMode = !part && header(request, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED';
    const status = range ? 206 : 200;
    const partsCount: Record<string, string> =
      part?.partsCount === undefined ? {} : { 'x-amz-mp-parts-count': String(part.partsCount) };
    const headersOf = (m: ObjectMeta) => ({
      ...objectResponseHeaders(m, { range, checksumMode, overrides }),
      ...partsCount,
    });
    if (head) return { status, headers: headersOf(meta) };
    const { meta: current, body } = await storage.getObject(key, range);
    if (current.md5 !== meta.md5 || current.size !== meta.size) {
      // Replaced between the two reads: the conditions and the range were judged on other bytes. 5xx: clients retry.
      body.destroy();
      throw new S3Error('InternalError', 'The object was replaced while it was being read; please retry.');
    }
    return { status, headers: headersOf(current), body };
  }

  async putObject({ storage }: ServedBucket, request: S3HttpRequest, key: string, auth: AuthContext): Promise<S3Reply> {
    if (request.headers['if-none-match'] !== undefined || request.headers['if-match'] !== undefined) {
      throw new S3Error(
        'NotImplemented',
        'Conditional writes (If-None-Match / If-Match on PutObject) are not supported by this server.',
      );
    }
    assertNoUnsupportedFeature(request.headers);
    // Header problems (metadata too large, ...) are answered before the body is read.
    const stored = objectHeadersFrom(request.headers, storedContentEncoding);
    // One PUT carries at most 5 GiB (S3's limit; larger objects are uploaded in parts).
    const maxSize = Math.min(this.config.maxObjectSize, MAX_PART_SIZE);
    const decoded = await receiveRequestBody(request, request.headers, auth, maxSize);
    const meta = await storage.putObject({
      key,
      body: decoded.body,
      checksums: () => decoded.checksums(),
      maxSize,
      ...stored,
    });
    return { status: 200, headers: { etag: `"${meta.md5}"`, ...checksumHeaders(meta.checksums) } };
  }

  async copyObject({ bucket, storage }: ServedBucket, request: S3HttpRequest, key: string): Promise<S3Reply> {
    const source = parseCopySource(header(request, 'x-amz-copy-source') ?? '');
    assertSameBucket(source.bucket, bucket);
    if (source.versionId !== undefined && source.versionId !== 'null') {
      throw new S3Error(
        'NotImplemented',
        `Object versions (versionId=${source.versionId}) are not supported by this server.`,
      );
    }
    assertAcceptableKey(source.key);
    const directive = parseMetadataDirective(header(request, 'x-amz-metadata-directive'));
    const replace = directive === 'REPLACE' ? objectHeadersFrom(request.headers, storedContentEncoding) : undefined;
    if (source.key === key && directive === 'COPY') {
      // AWS CopyObject: copying an object onto itself must change something.
      throw new S3Error(
        'InvalidRequest',
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata.",
      );
    }
    const sourceMeta = await storage.headObject(source.key);
    checkConditions(conditionHeaders(request.headers, 'copy'), conditionTarget(sourceMeta), 'copy');
    const meta = await storage.copyObject(source.key, key, replace);
    return { status: 200, xml: copyObjectResult(meta) };
  }

  /** AWS DeleteObject answers 204 whether or not the key existed (Label Studio expects exactly that). */
  async deleteObject({ storage }: ServedBucket, key: string): Promise<S3Reply> {
    await storage.deleteObject(key);
    return { status: 204 };
  }
}

/**
 * A copy reads and writes one project's storage: a source in another bucket (another project, with its own keys
 * and dataset) is refused without telling whether that bucket exists.
 */
export function assertSameBucket(sourceBucket: string, bucket: string): void {
  if (sourceBucket === bucket) return;
  throw new S3Error(
    'NoSuchBucket',
    `The source bucket is not available here: copies are made within the bucket '${bucket}'.`,
    {
      BucketName: sourceBucket,
    },
  );
}

/** Conditions compare the ETag clients saw: the composite one for an object made of parts. */
function conditionTarget(meta: ObjectMeta): { md5: string; lastModified: Date } {
  return { md5: objectETag(meta), lastModified: meta.lastModified };
}

/** Verified checksums of a stored object, echoed as AWS does on PutObject (and UploadPart). */
export function checksumHeaders(checksums: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(checksums).map(([algorithm, value]) => [`x-amz-checksum-${algorithm.toLowerCase()}`, value]),
  );
}

/**
 * Headers asking for something this server cannot keep: never a silent success (docs/s3-protocol.md). Canned ACLs
 * (`x-amz-acl`, sent by rclone) and SSE-S3/KMS (`x-amz-server-side-encryption`, an option of Label Studio) are
 * accepted and ignored, as the folder is private to the service anyway.
 */
const UNSUPPORTED_PUT_HEADERS: Array<[string, string]> = [
  ['x-amz-tagging', 'Object tagging is not supported by this server: upload without tags (Tagging / x-amz-tagging).'],
  ['x-amz-object-lock-mode', 'Object Lock is not supported by this server.'],
  ['x-amz-object-lock-legal-hold', 'Object Lock is not supported by this server.'],
  [
    'x-amz-server-side-encryption-customer-algorithm',
    'Server-side encryption with customer-provided keys (SSE-C) is not supported by this server.',
  ],
];

export function assertNoUnsupportedFeature(headers: Record<string, string | string[] | undefined>): void {
  for (const [name, message] of UNSUPPORTED_PUT_HEADERS) {
    if (headers[name] !== undefined) throw new S3Error('NotImplemented', message);
  }
}
