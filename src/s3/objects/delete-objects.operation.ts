import { Injectable, Logger } from '@nestjs/common';
import { buffer } from 'node:stream/consumers';
import type { AuthContext } from '../auth/sigv4.types.js';
import type { ServedBucket } from '../buckets/served-buckets.port.js';
import { decodeRequestBody } from '../body/request-body.js';
import { S3Error } from '../errors/s3-error.js';
import { toS3Error } from '../errors/to-s3-error.js';
import type { S3HttpRequest } from '../http/s3-http.request.js';
import type { S3Reply } from '../http/s3-reply.js';
import { assertAcceptableKey } from '../routing/object-key.js';
import { deleteResult, DeleteOutcome } from '../xml/s3-documents.js';
import { MAX_DELETE_BODY_BYTES, parseDeleteRequest } from './delete-objects.parser.js';

/**
 * AWS DeleteObjects requires an integrity check of its body: Content-MD5, or (since 2025) any
 * x-amz-checksum-* header or trailer. The JS SDK sends CRC32; the decoder verifies whichever came.
 */
export function hasBodyChecksum(headers: Record<string, string | string[] | undefined>): boolean {
  if (headers['content-md5'] !== undefined) return true;
  const checksumHeader = Object.keys(headers).some((name) =>
    /^x-amz-checksum-(crc32|crc32c|crc64nvme|sha1|sha256)$/.test(name),
  );
  const trailer = headers['x-amz-trailer'];
  return checksumHeader || (typeof trailer === 'string' && /x-amz-checksum-/i.test(trailer));
}

/** POST /{bucket}?delete — up to 1000 keys, each answered on its own (a missing key counts as deleted). */
@Injectable()
export class DeleteObjectsOperation {
  private readonly logger = new Logger('S3');

  async run({ storage }: ServedBucket, request: S3HttpRequest, auth: AuthContext): Promise<S3Reply> {
    if (!hasBodyChecksum(request.headers)) {
      throw new S3Error('InvalidRequest', 'Missing required header for this request: Content-MD5 or x-amz-checksum-*.');
    }
    // The body is small (≤ 1000 keys) and verified as a whole before any key is deleted.
    const decoded = decodeRequestBody(request.openBody(), request.headers, auth, MAX_DELETE_BODY_BYTES);
    const parsed = await parseDeleteRequest((await buffer(decoded.body)).toString('utf8'));
    const outcomes: DeleteOutcome[] = [];
    for (const { key, versionId } of parsed.objects) {
      try {
        if (versionId !== undefined && versionId !== 'null') {
          throw new S3Error(
            'NotImplemented',
            `Object versions (VersionId ${versionId}) are not supported by this server.`,
          );
        }
        assertAcceptableKey(key);
        await storage.deleteObject(key);
        outcomes.push({ key });
      } catch (thrown) {
        const { error, unexpected } = toS3Error(thrown);
        if (unexpected)
          this.logger.error(`request ${request.requestId}: DeleteObjects failed for one key: ${String(thrown)}`);
        outcomes.push({ key, error });
      }
    }
    return { status: 200, xml: deleteResult(outcomes, parsed.quiet) };
  }
}
