import { objectETag } from '../../storage/multipart.rules.js';
import type { ObjectMeta } from '../../storage/storage.backend.js';
import type { S3Error } from '../errors/s3-error.js';
import { encodeContinuationToken, ListParams } from '../listing/list-params.js';
import type { ListingState } from '../listing/listing.js';
import { S3_XMLNS, XmlDocument, xmlSafe } from './s3-xml.writer.js';

/** The S3 result documents, as objects for `renderXml`. Element order follows the AWS API reference. */

export interface Owner {
  ID: string;
  DisplayName: string;
}

const ns = { xmlns: S3_XMLNS };

/**
 * `encoding-type=url`: S3 percent-encodes names in the answer so that any key survives XML
 * (ceph: `foo+1/` → `foo%2B1/`, `quux ab/` → `quux%20ab/`). `/` is kept; everything but RFC 3986 unreserved is encoded.
 */
export function urlEncodeKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2F/g, '/');
}

export function listBucketsResult(buckets: string[], creationDate: Date, owner: Owner, region: string): XmlDocument {
  return {
    ListAllMyBucketsResult: {
      $: ns,
      Owner: owner,
      Buckets: {
        Bucket: buckets.map((name) => ({ Name: name, CreationDate: creationDate.toISOString(), BucketRegion: region })),
      },
    },
  };
}

/**
 * GetBucketVersioning of a bucket that never had versioning: an empty VersioningConfiguration, no Status
 * (AWS S3 API reference, GetBucketVersioning: "If the versioning state has never been set on a bucket, it has no
 * versioning state"). rclone and the aws CLI ask before purges and syncs.
 */
export function versioningResult(): XmlDocument {
  return { VersioningConfiguration: { $: ns } };
}

/** GetBucketLocation: empty for us-east-1 (AWS: "Buckets in Region us-east-1 have a LocationConstraint of null"). */
export function locationResult(region: string): XmlDocument {
  return { LocationConstraint: region === 'us-east-1' ? { $: ns } : { $: ns, _: region } };
}

function content(object: ObjectMeta, encode: (s: string) => string, owner: Owner | undefined): Record<string, unknown> {
  return {
    Key: encode(object.key),
    LastModified: object.lastModified.toISOString(),
    ETag: `"${objectETag(object)}"`,
    Size: object.size,
    ...(owner ? { Owner: owner } : {}),
    StorageClass: 'STANDARD',
  };
}

/** ListBucketResult of ListObjects (v1) or ListObjectsV2. */
export function listObjectsResult(bucket: string, params: ListParams, state: ListingState, owner: Owner): XmlDocument {
  const encode = params.encodingType === 'url' ? urlEncodeKey : (s: string) => s;
  const optional = (name: string, value: string | undefined) => (value === undefined ? {} : { [name]: encode(value) });
  const entries = {
    Contents: state.contents.map((o) => content(o, encode, params.fetchOwner ? owner : undefined)),
    CommonPrefixes: state.commonPrefixes.map((p) => ({ Prefix: encode(p) })),
    ...(params.encodingType ? { EncodingType: 'url' } : {}),
  };
  if (params.version === 1) {
    return {
      ListBucketResult: {
        $: ns,
        Name: bucket,
        Prefix: encode(params.prefix),
        Marker: encode(params.marker ?? ''),
        MaxKeys: params.maxKeys,
        ...optional('Delimiter', params.delimiter),
        IsTruncated: state.isTruncated,
        // AWS returns NextMarker only with a delimiter; without one, clients continue from the last Key.
        ...(state.isTruncated && params.delimiter !== undefined ? optional('NextMarker', state.last) : {}),
        ...entries,
      },
    };
  }
  return {
    ListBucketResult: {
      $: ns,
      Name: bucket,
      Prefix: encode(params.prefix),
      MaxKeys: params.maxKeys,
      // Label Studio treats an answer without KeyCount as "bucket not found" (docs/label-studio.md).
      KeyCount: state.contents.length + state.commonPrefixes.length,
      ...optional('Delimiter', params.delimiter),
      IsTruncated: state.isTruncated,
      ...(params.continuationToken !== undefined ? { ContinuationToken: params.continuationToken } : {}),
      ...(state.isTruncated && state.last !== undefined
        ? { NextContinuationToken: encodeContinuationToken(state.last) }
        : {}),
      ...optional('StartAfter', params.startAfter),
      ...entries,
    },
  };
}

export interface DeleteOutcome {
  key: string;
  error?: S3Error;
}

export function deleteResult(outcomes: DeleteOutcome[], quiet: boolean): XmlDocument {
  return {
    DeleteResult: {
      $: ns,
      // Quiet mode reports only failures (AWS DeleteObjects).
      Deleted: outcomes.filter((o) => !o.error && !quiet).map((o) => ({ Key: o.key })),
      Error: outcomes
        .filter((o) => o.error)
        .map((o) => ({ Key: o.key, Code: o.error!.code, Message: o.error!.message })),
    },
  };
}

export function copyObjectResult(meta: ObjectMeta): XmlDocument {
  return { CopyObjectResult: { $: ns, LastModified: meta.lastModified.toISOString(), ETag: `"${meta.md5}"` } };
}

/**
 * `<Error><Code/><Message/>…<Resource/><RequestId/></Error>`; PascalCase details (e.g. `Condition`,
 * `ActualObjectSize`) become elements, lowercase ones are response headers (see `errorHeaders`).
 */
export function errorDocument(error: S3Error, resource: string, requestId: string): XmlDocument {
  const extra = Object.fromEntries(
    Object.entries(error.details)
      .filter(([name]) => /^[A-Z]/.test(name))
      .map(([n, v]) => [n, xmlSafe(v)]),
  );
  return {
    Error: {
      Code: error.code,
      Message: xmlSafe(error.message),
      ...extra,
      Resource: xmlSafe(resource),
      RequestId: requestId,
    },
  };
}

/** Details of an S3Error that are response headers (lowercase names such as `content-range`, `etag`). */
export function errorHeaders(error: S3Error): Record<string, string> {
  return Object.fromEntries(Object.entries(error.details).filter(([name]) => /^[a-z][a-z0-9-]*$/.test(name)));
}
