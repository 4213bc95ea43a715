import type { ListUploadsQuery, MultipartUpload } from '../../storage/storage.backend.js';
import { S3Error } from '../errors/s3-error.js';
import { commonPrefixOf } from '../listing/listing.js';

/** AWS ListMultipartUploads / ListParts: at most 1,000 entries per answer; larger values are capped. */
export const MAX_LIST_ENTRIES = 1000;

export interface ListUploadsParams {
  prefix: string;
  delimiter?: string;
  keyMarker?: string;
  /** Only meaningful with keyMarker (S3 ignores it otherwise). */
  uploadIdMarker?: string;
  maxUploads: number;
  encodingType?: 'url';
}

export interface UploadListing {
  uploads: MultipartUpload[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
}

/** A `max-*` query value: a non-negative integer, capped at 1,000. */
export function parseMaxEntries(query: Record<string, string>, name: string): number {
  const raw = query[name];
  if (raw === undefined) return MAX_LIST_ENTRIES;
  if (!/^\d{1,10}$/.test(raw.trim())) {
    throw new S3Error('InvalidArgument', `Provided ${name} not an integer or within integer range.`, {
      ArgumentName: name,
      ArgumentValue: raw,
    });
  }
  return Math.min(Number(raw.trim()), MAX_LIST_ENTRIES);
}

export function parseEncodingType(query: Record<string, string>): 'url' | undefined {
  const encoding = query['encoding-type'];
  if (encoding === undefined) return undefined;
  if (encoding.toLowerCase() !== 'url') {
    throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', {
      ArgumentName: 'encoding-type',
    });
  }
  return 'url';
}

export function parseListUploadsParams(query: Record<string, string>): ListUploadsParams {
  const keyMarker = query['key-marker'] || undefined;
  return {
    prefix: query.prefix ?? '',
    delimiter: query.delimiter || undefined,
    keyMarker,
    uploadIdMarker: keyMarker === undefined ? undefined : query['upload-id-marker'] || undefined,
    maxUploads: parseMaxEntries(query, 'max-uploads'),
    encodingType: parseEncodingType(query),
  };
}

/**
 * One ListMultipartUploads answer from the storage's ordered uploads (key bytes, then initiation), folding keys
 * below a delimiter into CommonPrefixes as ListObjects does. A key marker that is a CommonPrefix skips that prefix.
 */
export async function listUploads(
  params: ListUploadsParams,
  fetch: (query: ListUploadsQuery) => Promise<MultipartUpload[]>,
): Promise<UploadListing> {
  const listing: UploadListing = { uploads: [], commonPrefixes: [], isTruncated: false };
  if (params.maxUploads === 0) return listing;
  let skip =
    params.keyMarker === undefined ? undefined : commonPrefixOf(params.keyMarker, params.prefix, params.delimiter);
  let query: ListUploadsQuery = {
    prefix: params.prefix,
    keyMarker: params.keyMarker,
    uploadIdMarker: params.uploadIdMarker,
    limit: MAX_LIST_ENTRIES,
  };
  for (;;) {
    const page = await fetch(query);
    for (const upload of page) {
      if (skip !== undefined && upload.key.startsWith(skip)) continue;
      if (listing.uploads.length + listing.commonPrefixes.length === params.maxUploads) {
        listing.isTruncated = true;
        return listing;
      }
      const prefix = commonPrefixOf(upload.key, params.prefix, params.delimiter);
      if (prefix === undefined) {
        listing.uploads.push(upload);
        listing.nextKeyMarker = upload.key;
        listing.nextUploadIdMarker = upload.uploadId;
      } else {
        listing.commonPrefixes.push(prefix);
        listing.nextKeyMarker = prefix;
        listing.nextUploadIdMarker = undefined;
        skip = prefix;
      }
    }
    if (page.length < query.limit) return listing;
    const last = page[page.length - 1];
    query = { ...query, keyMarker: last.key, uploadIdMarker: last.uploadId };
  }
}
