import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { pipeline, type Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { s3Config, serverConfig } from '../../config/configuration.js';
import { MAX_PART_SIZE, objectETag } from '../../storage/multipart.rules.js';
import { StorageError } from '../../storage/storage.errors.js';
import type {
  StorageBackend,
  MultipartUpload,
  ObjectMeta,
  PartMeta,
  RequestedPart,
} from '../../storage/storage.backend.js';
import type { AuthContext } from '../auth/sigv4.types.js';
import type { ServedBucket } from '../buckets/served-buckets.port.js';
import { checksumAlgorithmOfHeader, ChecksumAlgorithm, createChecksummer } from '../body/checksum.js';
import { ChecksumTapStream } from '../body/checksum-tap.stream.js';
import { decodeRequestBody, storedContentEncoding } from '../body/request-body.js';
import { S3Error } from '../errors/s3-error.js';
import { checkConditions, conditionHeaders } from '../http/conditional-request.js';
import { objectHeadersFrom } from '../http/object-headers.js';
import type { S3HttpRequest } from '../http/s3-http.request.js';
import type { S3Reply } from '../http/s3-reply.js';
import type { Owner } from '../xml/s3-documents.js';
import { parseCopySource } from '../objects/copy-source.js';
import { assertNoUnsupportedFeature, assertSameBucket, checksumHeaders } from '../objects/object-operations.service.js';
import { assertAcceptableKey } from '../routing/object-key.js';
import {
  completeResult,
  copyPartResult,
  initiateResult,
  listPartsResult,
  listUploadsResult,
} from '../xml/multipart-documents.js';
import { urlEncodeKey } from '../xml/s3-documents.js';
import { MAX_COMPLETE_BODY_BYTES, parseCompleteRequest } from './complete-request.parser.js';
import { parseCopySourceRange } from './copy-source-range.js';
import { compositeChecksum, uploadChecksum } from './multipart-checksum.js';
import { parsePartNumber } from './part-number.js';
import { RecentCompletions } from './recent-completions.js';
import { listUploads, parseEncodingType, parseListUploadsParams, parseMaxEntries } from './upload-listing.js';
import { oneValue } from '../http/header-text.js';

type Headers = S3HttpRequest['headers'];

function header(headers: Headers, name: string): string | undefined {
  return oneValue(headers[name]);
}

/**
 * CreateMultipartUpload, UploadPart, UploadPartCopy, CompleteMultipartUpload, AbortMultipartUpload, ListParts,
 * ListMultipartUploads. Bytes and atomicity are the storage's; this maps S3 requests onto it.
 */
@Injectable()
export class MultipartOperations {
  private readonly completions = new RecentCompletions();

  constructor(
    @Inject(s3Config.KEY) private readonly config: ConfigType<typeof s3Config>,
    @Inject(serverConfig.KEY) private readonly server: ConfigType<typeof serverConfig>,
  ) {}

  async create({ bucket, storage }: ServedBucket, request: S3HttpRequest, key: string): Promise<S3Reply> {
    assertNoUnsupportedFeature(request.headers);
    const checksum = uploadChecksum(
      header(request.headers, 'x-amz-checksum-algorithm'),
      header(request.headers, 'x-amz-checksum-type'),
    );
    const upload = await storage.createUpload({
      key,
      ...objectHeadersFrom(request.headers, storedContentEncoding),
      ...(checksum ? { checksumAlgorithm: checksum.algorithm, checksumType: checksum.type } : {}),
    });
    const headers: Record<string, string> = checksum
      ? { 'x-amz-checksum-algorithm': checksum.algorithm.toUpperCase(), 'x-amz-checksum-type': checksum.type }
      : {};
    return { status: 200, headers, xml: initiateResult(bucket, upload) };
  }

  async uploadPart(
    { storage }: ServedBucket,
    request: S3HttpRequest,
    key: string,
    query: Record<string, string>,
    auth: AuthContext,
  ) {
    const partNumber = parsePartNumber(query.partNumber);
    const upload = await this.uploadOf(storage, query.uploadId, key); // NoSuchUpload before a byte is read
    const maxSize = this.maxPartSize();
    const decoded = decodeRequestBody(request.openBody(), request.headers, auth, maxSize);
    const tapped = withChecksumOf(upload, decoded.body);
    const part = await storage.uploadPart({
      uploadId: query.uploadId,
      key,
      partNumber,
      body: tapped.body,
      checksums: () => ({ ...tapped.checksums(), ...decoded.checksums() }),
      maxSize,
    });
    return { status: 200, headers: { etag: `"${part.md5}"`, ...checksumHeaders(part.checksums) } };
  }

  async uploadPartCopy(
    { bucket, storage }: ServedBucket,
    request: S3HttpRequest,
    key: string,
    query: Record<string, string>,
  ): Promise<S3Reply> {
    const partNumber = parsePartNumber(query.partNumber);
    const source = parseCopySource(header(request.headers, 'x-amz-copy-source') ?? '');
    assertSameBucket(source.bucket, bucket);
    if (source.versionId !== undefined && source.versionId !== 'null') {
      throw new S3Error('NotImplemented', `Object versions (versionId=${source.versionId}) are not supported.`);
    }
    assertAcceptableKey(source.key);
    const upload = await this.uploadOf(storage, query.uploadId, key);
    const sourceMeta = await storage.headObject(source.key);
    checkConditions(
      conditionHeaders(request.headers, 'copy'),
      { md5: objectETag(sourceMeta), lastModified: sourceMeta.lastModified },
      'copy',
    );
    const range = parseCopySourceRange(header(request.headers, 'x-amz-copy-source-range'), sourceMeta.size);
    const size = range ? range.end - range.start + 1 : sourceMeta.size;
    if (size > this.maxPartSize()) {
      throw new S3Error(
        'EntityTooLarge',
        `A part copy is at most ${this.maxPartSize()} bytes: use x-amz-copy-source-range.`,
      );
    }
    const { meta: current, body } = await storage.getObject(source.key, range);
    if (current.md5 !== sourceMeta.md5) {
      body.destroy();
      throw new S3Error('InternalError', 'The source object was replaced while it was being read; please retry.');
    }
    const tapped = withChecksumOf(upload, body);
    const part = await storage.uploadPart({
      uploadId: query.uploadId,
      key,
      partNumber,
      body: tapped.body,
      checksums: () => tapped.checksums(),
      maxSize: this.maxPartSize(),
    });
    return { status: 200, xml: copyPartResult(part) };
  }

  async complete(
    { bucket, storage }: ServedBucket,
    request: S3HttpRequest,
    key: string,
    query: Record<string, string>,
    auth: AuthContext,
  ) {
    const ifNoneMatch = completeCondition(request.headers);
    // x-amz-checksum-<algorithm> on CompleteMultipartUpload is the checksum of the object, not of this XML body.
    const objectChecksum = objectChecksumHeader(request.headers);
    const bodyHeaders = Object.fromEntries(
      Object.entries(request.headers).filter(
        ([name]) => !checksumAlgorithmOfHeader(name) && name !== 'x-amz-sdk-checksum-algorithm',
      ),
    );
    const decoded = decodeRequestBody(request.openBody(), bodyHeaders, auth, MAX_COMPLETE_BODY_BYTES);
    const parts = await parseCompleteRequest((await buffer(decoded.body)).toString('utf8'));
    const replay = await this.sameCompletion(storage, query.uploadId, key, parts);
    if (replay) return { status: 200, xml: completeResult(this.location(request, bucket, key), bucket, replay) };
    const upload = await this.uploadOf(storage, query.uploadId, key);
    const algorithm = upload.checksumAlgorithm as ChecksumAlgorithm | undefined;
    if (objectChecksum && objectChecksum.algorithm !== algorithm) {
      throw new S3Error(
        'InvalidRequest',
        `The upload was created with checksum algorithm ${algorithm?.toUpperCase() ?? 'none'}, not ${objectChecksum.algorithm.toUpperCase()}.`,
      );
    }
    const full = algorithm && upload.checksumType === 'FULL_OBJECT' ? createChecksummer(algorithm) : undefined;
    const completing = storage.completeUpload({
      uploadId: query.uploadId,
      key,
      parts,
      maxSize: this.config.maxObjectSize,
      ifNoneMatch,
      onBytes: full && ((chunk) => full.update(chunk)),
      checksums: async (chosen: PartMeta[]) => {
        if (!algorithm) return {};
        const value = full ? (await full.digest()).toString('base64') : await compositeChecksum(algorithm, chosen);
        if (objectChecksum && objectChecksum.value !== value) {
          throw new S3Error(
            'BadDigest',
            `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
          );
        }
        return { [algorithm]: value };
      },
    });
    // A retry sent while the first completion was still assembling waited for it, and finds the upload gone.
    const meta = await completing.catch(async (error: unknown) => {
      const retried = error instanceof StorageError && error.code === 'NoSuchUpload';
      const replay = retried ? await this.sameCompletion(storage, query.uploadId, key, parts) : undefined;
      if (!replay) throw error;
      return replay;
    });
    this.completions.remember(query.uploadId, key, parts, meta);
    return { status: 200, xml: completeResult(this.location(request, bucket, key), bucket, meta) };
  }

  async abort({ storage }: ServedBucket, key: string, query: Record<string, string>): Promise<S3Reply> {
    await storage.abortUpload(query.uploadId, key);
    return { status: 204 };
  }

  async listParts(
    { bucket, storage }: ServedBucket,
    key: string,
    query: Record<string, string>,
    owner: Owner,
  ): Promise<S3Reply> {
    const maxParts = parseMaxEntries(query, 'max-parts');
    const marker = query['part-number-marker'] ?? '0';
    if (!/^\d{1,5}$/.test(marker.trim())) {
      throw new S3Error('InvalidArgument', 'part-number-marker must be a part number (an integer from 0 to 10000).', {
        ArgumentName: 'part-number-marker',
        ArgumentValue: marker,
      });
    }
    const afterPart = Number(marker.trim());
    const { upload, parts } = await storage.listParts(query.uploadId, key, { afterPart, limit: maxParts + 1 });
    const page = {
      upload,
      parts: parts.slice(0, maxParts),
      partNumberMarker: afterPart,
      maxParts,
      isTruncated: parts.length > maxParts,
      encodingType: parseEncodingType(query),
    };
    return { status: 200, xml: listPartsResult(bucket, page, owner) };
  }

  async listUploads({ bucket, storage }: ServedBucket, query: Record<string, string>, owner: Owner): Promise<S3Reply> {
    const params = parseListUploadsParams(query);
    const listing = await listUploads(params, (q) => storage.listUploads(q));
    return { status: 200, xml: listUploadsResult(bucket, params, listing, owner) };
  }

  /** A retried completion of an upload completed moment ago, whose object is still the one it made. */
  private async sameCompletion(
    storage: StorageBackend,
    uploadId: string,
    key: string,
    parts: RequestedPart[],
  ): Promise<ObjectMeta | undefined> {
    const done = this.completions.find(uploadId, key, parts);
    if (!done) return undefined;
    const current = await storage.headObject(key).catch(() => undefined);
    return current && objectETag(current) === objectETag(done) && current.md5 === done.md5 ? current : undefined;
  }

  /** A part, like a single PUT, is at most 5 GiB (S3's limit), and never more than S3_MAX_OBJECT_SIZE. */
  private maxPartSize(): number {
    return Math.min(MAX_PART_SIZE, this.config.maxObjectSize);
  }

  private async uploadOf(storage: StorageBackend, uploadId: string, key: string): Promise<MultipartUpload> {
    return (await storage.listParts(uploadId, key, { limit: 0 })).upload;
  }

  private location(request: S3HttpRequest, bucket: string, key: string): string {
    const host = header(request.headers, 'host') ?? 'localhost';
    return `${this.server.tls ? 'https' : 'http'}://${host}/${bucket}/${urlEncodeKey(key)}`;
  }
}

/** An upload with a checksum algorithm gets that checksum of every part, sent by the client or not. */
function withChecksumOf(
  upload: MultipartUpload,
  body: Readable,
): { body: Readable; checksums: () => Record<string, string> } {
  if (!upload.checksumAlgorithm) return { body, checksums: () => ({}) };
  const tap = new ChecksumTapStream(upload.checksumAlgorithm as ChecksumAlgorithm);
  // pipeline, not pipe: an error of the verifying body (BadDigest, ...) must reach the storage as that very error.
  pipeline(body, tap, () => undefined);
  return { body: tap, checksums: () => tap.checksums() };
}

/** `If-None-Match: *` is the one condition S3 supports on CompleteMultipartUpload that is cheap here. */
function completeCondition(headers: Headers): boolean {
  const ifNoneMatch = header(headers, 'if-none-match');
  if (header(headers, 'if-match') !== undefined || (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*')) {
    throw new S3Error(
      'NotImplemented',
      'Conditional completion is supported with If-None-Match: * only (If-Match and ETag values are not).',
    );
  }
  return ifNoneMatch !== undefined;
}

function objectChecksumHeader(headers: Headers): { algorithm: ChecksumAlgorithm; value: string } | undefined {
  for (const name of Object.keys(headers)) {
    const algorithm = checksumAlgorithmOfHeader(name);
    if (algorithm) return { algorithm, value: header(headers, name)!.trim() };
  }
  return undefined;
}
