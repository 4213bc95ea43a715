import { createHash, createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';

/**
 * A deliberately thin S3 PUT client: node:http with keep-alive and a hand-written SigV4 signature, either in the
 * headers (AWS S3 API reference, "Signature Calculations for the Authorization Header: Transferring Payload in a
 * Single Chunk") or as a presigned URL ("Authenticating Requests: Using Query Parameters", `UNSIGNED-PAYLOAD`; the
 * rules are in docs/s3-protocol.md). The AWS SDK costs far more CPU per request than this, and on a 2-core machine
 * the client's CPU is taken from the server under test. The same client drives the baseline servers, so its cost is
 * visible: the "null" target (answers without touching the disk) is this client's ceiling.
 */
export interface S3Target {
  /** http://127.0.0.1:<port>, no trailing slash. */
  url: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  bucket: string;
}

export interface PutResult {
  status: number;
  /** Response body (only kept for errors: S3 answers XML). */
  body: string;
}

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** Key characters used by the benchmarks need no escaping: refuse anything else rather than sign it wrongly. */
const SAFE_KEY = /^[A-Za-z0-9._~\-/]+$/;

/** How a PUT is signed: SigV4 in the Authorization header (signed payload hash), or a presigned URL. */
export type SigningMode = 'header' | 'presigned';

/** Presigned URLs live 15 minutes: longer than any benchmark round. */
const PRESIGNED_EXPIRES_SECONDS = 900;

export class S3Putter {
  readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;
  private signingDay = '';
  private signingKey = Buffer.alloc(0);

  constructor(
    private readonly target: S3Target,
    maxSockets: number,
    readonly signing: SigningMode = 'header',
  ) {
    const url = new URL(target.url);
    this.host = url.host;
    this.port = Number(url.port);
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  /** The day's signing key (derived once a day, as SDKs cache it) and the credential scope. */
  private scope(amzDate: string): string {
    const day = amzDate.slice(0, 8);
    const { region, secretAccessKey } = this.target;
    if (day !== this.signingDay) {
      const kDate = hmac(`AWS4${secretAccessKey}`, day);
      this.signingKey = hmac(hmac(hmac(kDate, region), 's3'), 'aws4_request');
      this.signingDay = day;
    }
    return `${day}/${region}/s3/aws4_request`;
  }

  /** The request headers for a PUT of `body` (hash precomputed or not): SigV4, signed payload hash. */
  signPut(path: string, payloadHash: string, length: number, now = new Date()): Record<string, string> {
    const amzDate = now.toISOString().replace(/[-:]|\.\d{3}/g, '');
    const { accessKeyId } = this.target;
    const scope = this.scope(amzDate);
    const signedHeaders = 'host;x-amz-content-sha256;x-amz-date';
    const canonical = `PUT\n${path}\n\nhost:${this.host}\nx-amz-content-sha256:${payloadHash}\nx-amz-date:${amzDate}\n\n${signedHeaders}\n${payloadHash}`;
    const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
    const signature = createHmac('sha256', this.signingKey).update(toSign).digest('hex');
    return {
      host: this.host,
      'content-length': String(length),
      'content-type': 'application/json',
      'x-amz-content-sha256': payloadHash,
      'x-amz-date': amzDate,
      authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    };
  }

  /**
   * A presigned PUT URL's path and query (signed: the host header only; payload `UNSIGNED-PAYLOAD`). The query
   * parameters are already in canonical order (sorted by name) and need no escaping but the credential's `/`.
   */
  presignPut(path: string, now = new Date()): string {
    const amzDate = now.toISOString().replace(/[-:]|\.\d{3}/g, '');
    const scope = this.scope(amzDate);
    const query =
      `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${encodeURIComponent(`${this.target.accessKeyId}/${scope}`)}` +
      `&X-Amz-Date=${amzDate}&X-Amz-Expires=${PRESIGNED_EXPIRES_SECONDS}&X-Amz-SignedHeaders=host`;
    const canonical = `PUT\n${path}\n${query}\nhost:${this.host}\n\nhost\nUNSIGNED-PAYLOAD`;
    const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
    const signature = createHmac('sha256', this.signingKey).update(toSign).digest('hex');
    return `${path}?${query}&X-Amz-Signature=${signature}`;
  }

  /**
   * PUT /<bucket>/<key> (path style), signed as `signing` says (a presigned URL ignores `payloadHash`). Resolves
   * with the status; never throws for an HTTP error status.
   */
  put(key: string, body: Buffer, payloadHash?: string): Promise<PutResult> {
    if (!SAFE_KEY.test(key)) throw new Error(`benchmark keys must be plain ASCII: ${key}`);
    const objectPath = `/${this.target.bucket}/${key}`;
    const path = this.signing === 'presigned' ? this.presignPut(objectPath) : objectPath;
    const headers =
      this.signing === 'presigned'
        ? { host: this.host, 'content-length': String(body.length), 'content-type': 'application/json' }
        : this.signPut(objectPath, payloadHash ?? sha256Hex(body), body.length);
    return new Promise<PutResult>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: this.port, method: 'PUT', path, headers, agent: this.agent },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status === 200) {
            res.resume();
            res.on('end', () => resolve({ status, body: '' }));
          } else {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => resolve({ status, body: text }));
          }
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export { sha256Hex };
