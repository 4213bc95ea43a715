import { S3Error } from '../errors/s3-error.js';
import { decodeOnce, isValidBucketName } from '../routing/s3-target.js';

export interface CopySource {
  bucket: string;
  key: string;
  versionId?: string;
}

export type MetadataDirective = 'COPY' | 'REPLACE';

/**
 * `x-amz-copy-source: [/]bucket/key[?versionId=v]`, URL-encoded (AWS CopyObject). The key is decoded once,
 * like a request path; the version suffix is split off before decoding, so an encoded `%3F` stays in the key.
 */
export function parseCopySource(header: string): CopySource {
  const q = header.indexOf('?');
  const rawPath = q < 0 ? header : header.slice(0, q);
  const rawQuery = q < 0 ? '' : header.slice(q + 1);
  const path = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  const slash = path.indexOf('/');
  const invalid = () =>
    new S3Error('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey.', {
      ArgumentName: 'x-amz-copy-source',
    });
  if (slash <= 0 || slash === path.length - 1) throw invalid();
  const bucket = decodeOnce(path.slice(0, slash));
  if (!isValidBucketName(bucket)) throw invalid();
  const source: CopySource = { bucket, key: decodeOnce(path.slice(slash + 1)) };
  if (rawQuery !== '') {
    const match = /^versionId=([^&]*)$/.exec(rawQuery);
    if (!match) throw invalid();
    source.versionId = decodeOnce(match[1]);
  }
  return source;
}

export function parseMetadataDirective(header: string | undefined): MetadataDirective {
  if (header === undefined || header === 'COPY') return 'COPY';
  if (header === 'REPLACE') return 'REPLACE';
  throw new S3Error('InvalidArgument', 'Unknown metadata directive.', {
    ArgumentName: 'x-amz-metadata-directive',
    ArgumentValue: header,
  });
}
