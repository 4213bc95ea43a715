import { S3Error } from '../errors/s3-error.js';
import type { S3Target } from './s3-target.js';

/** The operations this server implements, named as AWS names them. */
export type S3Operation =
  | 'ListBuckets'
  | 'CreateBucket'
  | 'HeadBucket'
  | 'GetBucketLocation'
  | 'GetBucketVersioning'
  | 'ListObjects'
  | 'ListObjectsV2'
  | 'DeleteObjects'
  | 'PutObject'
  | 'CopyObject'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'UploadPartCopy'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListParts'
  | 'ListMultipartUploads';

export interface RouteInput {
  method: string;
  query: Record<string, string>;
  target: S3Target;
  hasCopySource: boolean;
}

export const RESPONSE_OVERRIDE_PARAMS = [
  'response-content-type',
  'response-content-disposition',
  'response-cache-control',
  'response-content-encoding',
  'response-content-language',
  'response-expires',
] as const;

const LIST_COMMON = ['prefix', 'delimiter', 'max-keys', 'encoding-type'];

/** Query parameters each operation understands; anything else names a feature we do not have. */
const ALLOWED_PARAMS: Record<S3Operation, readonly string[]> = {
  // Newer SDKs send ListBuckets pagination/filter parameters; with one bucket they are trivially honoured.
  ListBuckets: ['max-buckets', 'continuation-token', 'prefix', 'bucket-region'],
  CreateBucket: [],
  HeadBucket: [],
  GetBucketLocation: ['location'],
  GetBucketVersioning: ['versioning'],
  ListObjects: [...LIST_COMMON, 'marker'],
  ListObjectsV2: [...LIST_COMMON, 'list-type', 'continuation-token', 'start-after', 'fetch-owner'],
  DeleteObjects: ['delete'],
  PutObject: ['versionId'],
  CopyObject: ['versionId'],
  GetObject: [...RESPONSE_OVERRIDE_PARAMS, 'versionId', 'partNumber'],
  HeadObject: [...RESPONSE_OVERRIDE_PARAMS, 'versionId', 'partNumber'],
  DeleteObject: ['versionId'],
  CreateMultipartUpload: ['uploads'],
  UploadPart: ['partNumber', 'uploadId'],
  UploadPartCopy: ['partNumber', 'uploadId'],
  CompleteMultipartUpload: ['uploadId'],
  AbortMultipartUpload: ['uploadId'],
  ListParts: ['uploadId', 'max-parts', 'part-number-marker', 'encoding-type'],
  ListMultipartUploads: [
    'uploads',
    'prefix',
    'delimiter',
    'encoding-type',
    'key-marker',
    'upload-id-marker',
    'max-uploads',
  ],
};

/** SigV2 presigned URL parameters (AWS "Signing and authenticating REST requests", query string authentication). */
const SIGV2_QUERY_PARAMS = ['AWSAccessKeyId', 'Signature', 'Expires'];

/**
 * Signature (presigned `X-Amz-*`, SigV2's three, and the headers botocore hoists into a SigV2 URL) and SDK
 * bookkeeping (`x-id=GetObject`) parameters, valid everywhere.
 */
function isTransportParam(name: string): boolean {
  const lower = name.toLowerCase();
  return (
    lower.startsWith('x-amz-') ||
    name === 'x-id' ||
    SIGV2_QUERY_PARAMS.includes(name) ||
    lower === 'content-type' ||
    lower === 'content-md5'
  );
}

function notImplemented(what: string): S3Error {
  return new S3Error('NotImplemented', `${what} is not supported by this server.`);
}

function operationFor(input: RouteInput): S3Operation {
  const { method, query, target } = input;
  if (target.bucket === undefined) {
    if (method === 'GET') return 'ListBuckets';
    throw new S3Error('MethodNotAllowed', `${method} / is not allowed: only GET / (ListBuckets) is.`);
  }
  if (target.key === undefined) {
    switch (method) {
      case 'GET':
        if ('location' in query) return 'GetBucketLocation';
        if ('versioning' in query) return 'GetBucketVersioning';
        if ('uploads' in query) return 'ListMultipartUploads';
        if ('list-type' in query) {
          if (query['list-type'] === '2') return 'ListObjectsV2';
          throw new S3Error(
            'InvalidArgument',
            `Invalid list-type ${JSON.stringify(query['list-type'])}: use 2 or leave it out.`,
          );
        }
        return 'ListObjects';
      case 'HEAD':
        return 'HeadBucket';
      case 'PUT':
        return 'CreateBucket';
      case 'POST':
        if ('delete' in query) return 'DeleteObjects';
        throw notImplemented('POST to a bucket (browser form upload) other than ?delete (DeleteObjects)');
      case 'DELETE':
        throw notImplemented('DeleteBucket (the bucket is configured, not created or deleted through S3)');
      default:
        throw new S3Error('MethodNotAllowed', `${method} is not allowed on a bucket.`);
    }
  }
  switch (method) {
    case 'GET':
      return 'uploadId' in query ? 'ListParts' : 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'PUT':
      if ('partNumber' in query || 'uploadId' in query) {
        if (!('partNumber' in query && 'uploadId' in query)) {
          throw new S3Error('InvalidRequest', 'Uploading a part needs both partNumber and uploadId in the query.');
        }
        return input.hasCopySource ? 'UploadPartCopy' : 'UploadPart';
      }
      return input.hasCopySource ? 'CopyObject' : 'PutObject';
    case 'DELETE':
      return 'uploadId' in query ? 'AbortMultipartUpload' : 'DeleteObject';
    case 'POST':
      if ('uploads' in query) return 'CreateMultipartUpload';
      if ('uploadId' in query) return 'CompleteMultipartUpload';
      throw notImplemented(`POST on an object (?${Object.keys(query).join('&') || ''})`);
    default:
      throw new S3Error('MethodNotAllowed', `${method} is not allowed on an object.`);
  }
}

/**
 * Method + query + target → the operation to run, or an S3 error that says what is not supported.
 * Unknown query parameters are refused (NotImplemented) rather than ignored: `?acl`, `?tagging`, `?versioning`
 * and friends change what a request means, and answering them as a plain GET/PUT would be a silent lie
 * (docs/s3-protocol.md: "NotImplemented (501) with S3 XML, never a crash or a silent success").
 */
export function resolveOperation(input: RouteInput): S3Operation {
  const { query, method } = input;
  const operation = operationFor(input);
  const allowed = ALLOWED_PARAMS[operation];
  for (const name of Object.keys(query)) {
    if (isTransportParam(name) || allowed.includes(name)) continue;
    throw notImplemented(`The query parameter '${name}' (${method} ?${name}, a subresource or option of ${operation})`);
  }
  // Unversioned bucket: the only version that exists is "null" (AWS: versionId=null addresses it).
  if (query.versionId !== undefined && query.versionId !== 'null') {
    throw notImplemented(`Object versions (versionId=${query.versionId})`);
  }
  return operation;
}

/** resolveOperation that never throws: the operation a request asks for, or undefined when it names none we have. */
export function operationName(input: RouteInput): S3Operation | undefined {
  try {
    return resolveOperation(input);
  } catch {
    return undefined;
  }
}
