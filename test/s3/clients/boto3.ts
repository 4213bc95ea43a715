import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningService } from '../../support/service.js';
import { runCommand, type ProcessOutput } from '../../support/run-command.js';
import { toolPaths } from '../../support/tools.js';

/** Per-op client settings: other credentials, or a clock `skewSeconds` off when signing. */
export interface ClientOverrides {
  accessKeyId?: string;
  secretAccessKey?: string;
  skewSeconds?: number;
  /** botocore's signature_version: 's3v4' (default here, as Label Studio), 's3' (SigV2), or 'default' (botocore's choice). */
  signatureVersion?: 's3v4' | 's3' | 'default';
}

/** Fields shared by the hand-built requests of raw_requests.py. */
interface RawSigning extends ClientOverrides {
  path: string; // raw request path, sent and signed exactly as given, e.g. '/annotations/a%20b'
  headers?: Record<string, string>;
}

export type Op =
  | { call: string; params?: Record<string, unknown>; client?: ClientOverrides }
  | { presign: string; params?: Record<string, unknown>; expiresIn?: number; client?: ClientOverrides }
  | { http: { method?: string; url: string; headers?: Record<string, string>; body?: Buffer } }
  | { signed: RawSigning & { method?: string; query?: string; body?: Buffer; sendBody?: Buffer; payloadHash?: string } }
  | { chunked: RawSigning & { data: Buffer; chunkSize?: number; corruptChunk?: number } }
  | { trailer: RawSigning & { data: Buffer; chunkSize?: number; checksum?: string } };

export interface SentRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** botocore's ResponseMetadata, on every parsed response. */
export interface ResponseMetadata {
  HTTPStatusCode: number;
  HTTPHeaders: Record<string, string>;
  /** botocore reads it from the x-amz-request-id header. */
  RequestId: string;
}

/** A parsed response: what every operation answers, and what an operation without its own entry below gives. */
export interface Boto3Response {
  ResponseMetadata: ResponseMetadata;
}

export interface HeadObjectOutput extends Boto3Response {
  ETag: string;
  ContentLength: number;
  ContentType: string;
  LastModified: Date;
  Metadata: Record<string, string>;
  AcceptRanges?: string;
  ContentRange?: string;
  ContentEncoding?: string;
  ContentDisposition?: string;
  ContentLanguage?: string;
  CacheControl?: string;
}

export interface GetObjectOutput extends HeadObjectOutput {
  Body: Buffer;
}

export interface ListedObject {
  Key: string;
  Size: number;
  ETag: string;
  LastModified: Date;
  Owner?: { ID: string; DisplayName?: string };
}

/** botocore leaves out Contents and CommonPrefixes when the page has none. */
interface ListOutput extends Boto3Response {
  IsTruncated: boolean;
  Prefix?: string;
  Delimiter?: string;
  Contents?: ListedObject[];
  CommonPrefixes?: { Prefix: string }[];
}

export interface ListObjectsOutput extends ListOutput {
  Marker?: string;
  NextMarker?: string;
}

export interface ListObjectsV2Output extends ListOutput {
  KeyCount: number;
  NextContinuationToken?: string;
}

/**
 * The fields of botocore's parsed responses (S3 API Reference names) the suites read, by boto3 client method.
 * s3_ops.py turns bytes into Buffers and datetimes into Dates on the way.
 */
export interface Boto3Outputs {
  list_buckets: Boto3Response & { Buckets: { Name: string; CreationDate: Date }[] };
  head_bucket: Boto3Response;
  // us-east-1 is the empty <LocationConstraint/>, which botocore reads as None.
  get_bucket_location: Boto3Response & { LocationConstraint: string | null };
  put_object: Boto3Response & { ETag: string };
  head_object: HeadObjectOutput;
  get_object: GetObjectOutput;
  copy_object: Boto3Response & { CopyObjectResult: { ETag: string; LastModified: Date } };
  list_objects: ListObjectsOutput;
  list_objects_v2: ListObjectsV2Output;
  delete_object: Boto3Response;
  delete_objects: Boto3Response & {
    Deleted?: { Key: string }[];
    Errors?: { Key: string; Code: string; Message: string }[];
  };
}

/** The response an op answers on success: botocore's parsed one, `{ url }` for a presign, else the raw HTTP answer. */
export type ResponseOf<O> = O extends { call: infer C }
  ? C extends keyof Boto3Outputs
    ? Boto3Outputs[C]
    : Boto3Response
  : O extends { presign: string }
    ? { url: string }
    : RawResponse;

export interface OpResult<R = unknown> {
  ok: boolean;
  response?: R;
  error?: { code: string; message: string; status?: number; headers?: Record<string, string> };
  /** What botocore put on the wire (the last entry is the final attempt). */
  sent?: SentRequest[];
}

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 's3_ops.py');

/** The results of `ops`, one per op in order, each typed by its op. */
export type OpResults<O extends readonly Op[]> = { -readonly [K in keyof O]: OpResult<ResponseOf<O[K]>> };

/** Runs the ops in one Python process (importing boto3 costs ~1 s) against the service, in order. */
export async function boto3<const O extends readonly Op[]>(service: RunningService, ops: O): Promise<OpResults<O>> {
  const input = JSON.stringify(
    {
      endpoint: service.url,
      accessKeyId: service.accessKeyId,
      secretAccessKey: service.secretAccessKey,
      region: service.region,
      caFile: service.cert?.certFile,
      ops,
    },
    // `this[key]` is the value before Buffer#toJSON turned it into an array of numbers.
    function (this: Record<string, unknown>, key: string, value: unknown) {
      const original = this[key];
      return Buffer.isBuffer(original) ? { $b64: original.toString('base64') } : value;
    },
  );
  const { code, stdout, stderr } = await runPython(input);
  if (code !== 0) throw new Error(`s3_ops.py failed (${code}):\n${stderr}`);
  // s3_ops.py answers one result per op, in order, with botocore's shapes (the one unchecked step).
  return JSON.parse(stdout, (_key, value: unknown) => revive(value)) as OpResults<O>;
}

/** One op; `ok` results only (anything else throws with the S3 error, for a readable test failure). */
export async function boto3Ok<const O extends Op>(service: RunningService, op: O): Promise<ResponseOf<O>> {
  const [result] = await boto3(service, [op]);
  return okResponse(result);
}

export function okResponse<R>(result: OpResult<R>): R {
  if (!result.ok || result.response === undefined)
    throw new Error(`expected success, got ${JSON.stringify(result.error)} (sent ${JSON.stringify(result.sent)})`);
  return result.response;
}

function runPython(input: string): Promise<ProcessOutput> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  return runCommand(toolPaths().python, [SCRIPT], {
    input,
    env: {
      ...env,
      // Only what the test passes counts: no profile, credentials file or instance metadata of this machine.
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_EC2_METADATA_DISABLED: 'true',
      PYTHONDONTWRITEBYTECODE: '1',
    },
  });
}

function revive(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === '$b64') return Buffer.from((value as { $b64: string }).$b64, 'base64');
  if (keys.length === 1 && keys[0] === '$date') return new Date((value as { $date: string }).$date);
  return value;
}
