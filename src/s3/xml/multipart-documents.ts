import type { MultipartUpload, ObjectMeta, PartMeta } from '../../storage/storage.backend.js';
import { objectETag } from '../../storage/multipart.rules.js';
import type { UploadListing, ListUploadsParams } from '../multipart/upload-listing.js';
import { Owner, urlEncodeKey } from './s3-documents.js';
import { S3_XMLNS, XmlDocument } from './s3-xml.writer.js';

/** The multipart result documents (AWS S3 API reference), element order as documented there. */

const ns = { xmlns: S3_XMLNS };

function checksumElements(checksums: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(checksums).map(([a, value]) => [`Checksum${a.toUpperCase()}`, value]));
}

function checksumKind(upload: MultipartUpload): Record<string, string> {
  return upload.checksumAlgorithm
    ? { ChecksumAlgorithm: upload.checksumAlgorithm.toUpperCase(), ChecksumType: upload.checksumType ?? 'COMPOSITE' }
    : {};
}

export function initiateResult(bucket: string, upload: MultipartUpload): XmlDocument {
  return { InitiateMultipartUploadResult: { $: ns, Bucket: bucket, Key: upload.key, UploadId: upload.uploadId } };
}

export function completeResult(location: string, bucket: string, meta: ObjectMeta): XmlDocument {
  const composite = Object.values(meta.checksums).some((v) => v.includes('-'));
  return {
    CompleteMultipartUploadResult: {
      $: ns,
      Location: location,
      Bucket: bucket,
      Key: meta.key,
      ETag: `"${objectETag(meta)}"`,
      ...checksumElements(meta.checksums),
      ...(Object.keys(meta.checksums).length > 0 ? { ChecksumType: composite ? 'COMPOSITE' : 'FULL_OBJECT' } : {}),
    },
  };
}

export function copyPartResult(part: PartMeta): XmlDocument {
  return {
    CopyPartResult: {
      $: ns,
      ETag: `"${part.md5}"`,
      LastModified: part.lastModified.toISOString(),
      ...checksumElements(part.checksums),
    },
  };
}

export interface PartsPage {
  upload: MultipartUpload;
  parts: PartMeta[];
  partNumberMarker: number;
  maxParts: number;
  isTruncated: boolean;
  encodingType?: 'url';
}

export function listPartsResult(bucket: string, page: PartsPage, owner: Owner): XmlDocument {
  const encode = page.encodingType === 'url' ? urlEncodeKey : (s: string) => s;
  const last = page.parts.at(-1);
  return {
    ListPartsResult: {
      $: ns,
      Bucket: bucket,
      Key: encode(page.upload.key),
      UploadId: page.upload.uploadId,
      PartNumberMarker: page.partNumberMarker,
      ...(last ? { NextPartNumberMarker: last.partNumber } : {}),
      MaxParts: page.maxParts,
      IsTruncated: page.isTruncated,
      Part: page.parts.map((p) => ({
        PartNumber: p.partNumber,
        LastModified: p.lastModified.toISOString(),
        ETag: `"${p.md5}"`,
        Size: p.size,
        ...checksumElements(p.checksums),
      })),
      Initiator: owner,
      Owner: owner,
      StorageClass: 'STANDARD',
      ...checksumKind(page.upload),
      ...(page.encodingType ? { EncodingType: 'url' } : {}),
    },
  };
}

export function listUploadsResult(
  bucket: string,
  params: ListUploadsParams,
  listing: UploadListing,
  owner: Owner,
): XmlDocument {
  const encode = params.encodingType === 'url' ? urlEncodeKey : (s: string) => s;
  return {
    ListMultipartUploadsResult: {
      $: ns,
      Bucket: bucket,
      KeyMarker: encode(params.keyMarker ?? ''),
      UploadIdMarker: params.uploadIdMarker ?? '',
      ...(listing.isTruncated && listing.nextKeyMarker !== undefined
        ? { NextKeyMarker: encode(listing.nextKeyMarker), NextUploadIdMarker: listing.nextUploadIdMarker ?? '' }
        : {}),
      ...(params.encodingType ? { EncodingType: 'url' } : {}),
      ...(params.delimiter !== undefined ? { Delimiter: encode(params.delimiter) } : {}),
      Prefix: encode(params.prefix),
      MaxUploads: params.maxUploads,
      IsTruncated: listing.isTruncated,
      Upload: listing.uploads.map((u) => ({
        Key: encode(u.key),
        UploadId: u.uploadId,
        Initiator: owner,
        Owner: owner,
        StorageClass: 'STANDARD',
        Initiated: u.initiated.toISOString(),
        ...checksumKind(u),
      })),
      CommonPrefixes: listing.commonPrefixes.map((p) => ({ Prefix: encode(p) })),
    },
  };
}
