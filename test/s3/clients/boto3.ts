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

export interface OpResult {
  ok: boolean;
  // boto3's parsed response (bytes → Buffer, datetimes → Date), a RawResponse, or { url } for a presign.
  response?: any;
  error?: { code: string; message: string; status?: number; headers?: Record<string, string> };
  /** What botocore put on the wire (the last entry is the final attempt). */
  sent?: SentRequest[];
}

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 's3_ops.py');

/** Runs the ops in one Python process (importing boto3 costs ~1 s) against the service, in order. */
export async function boto3(service: RunningService, ops: Op[]): Promise<OpResult[]> {
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
  return JSON.parse(stdout, (_key, value: unknown) => revive(value)) as OpResult[];
}

/** One op; `ok` results only (anything else throws with the S3 error, for a readable test failure). */
export async function boto3Ok(service: RunningService, op: Op) {
  const [result] = await boto3(service, [op]);
  return okResponse(result);
}

export function okResponse(result: OpResult): any {
  if (!result.ok)
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
