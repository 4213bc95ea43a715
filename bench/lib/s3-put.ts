import { createHash, createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';

/**
 * A deliberately thin S3 PUT client: node:http with keep-alive and a hand-written SigV4 header signature
 * (AWS S3 API reference, "Signature Calculations for the Authorization Header: Transferring Payload in a Single
 * Chunk"). The AWS SDK costs far more CPU per request than this, and on a 2-core machine the client's CPU is taken
 * from the server under test. The same client drives the baseline servers, so its cost is visible: the "null"
 * target (answers without touching the disk) is this client's ceiling.
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

export class S3Putter {
  readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;
  private signingDay = '';
  private signingKey = Buffer.alloc(0);

  constructor(
    private readonly target: S3Target,
    maxSockets: number,
  ) {
    const url = new URL(target.url);
    this.host = url.host;
    this.port = Number(url.port);
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  /** The request headers for a PUT of `body` (hash precomputed or not): SigV4, signed payload hash. */
  signPut(path: string, payloadHash: string, length: number, now = new Date()): Record<string, string> {
    const amzDate = now.toISOString().replace(/[-:]|\.\d{3}/g, '');
    const day = amzDate.slice(0, 8);
    const { region, accessKeyId, secretAccessKey } = this.target;
    if (day !== this.signingDay) {
      const kDate = hmac(`AWS4${secretAccessKey}`, day);
      this.signingKey = hmac(hmac(hmac(kDate, region), 's3'), 'aws4_request');
      this.signingDay = day;
    }
    const scope = `${day}/${region}/s3/aws4_request`;
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

  /** PUT /<bucket>/<key> (path style). Resolves with the status; never throws for an HTTP error status. */
  put(key: string, body: Buffer, payloadHash = sha256Hex(body)): Promise<PutResult> {
    if (!SAFE_KEY.test(key)) throw new Error(`benchmark keys must be plain ASCII: ${key}`);
    const path = `/${this.target.bucket}/${key}`;
    const headers = this.signPut(path, payloadHash, body.length);
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
