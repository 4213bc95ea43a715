import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the client put it on the wire (bodies over plain http, as Label Studio sends them). */
export interface RecordedRequest {
  method: string;
  /** Raw request target, e.g. `/annotations/exports//17` or `/annotations?list-type=2&prefix=…`. */
  path: string;
  bucket: string;
  /** Percent-decoded object key ('' for bucket requests). */
  key: string;
  query: string;
  /** Header name (lower case) → value. */
  headers: Record<string, string>;
  body: Buffer;
  /** What the upstream answered. */
  status: number;
}

export interface S3Recorder {
  /** Point the client here (path-style endpoint). */
  url: string;
  readonly requests: readonly RecordedRequest[];
  /** Key → body of the last successful PUT of each key not deleted since: exactly what the client sent. */
  lastPutBodies(bucket: string): Map<string, Buffer>;
  stop(): Promise<void>;
}

/**
 * A loopback reverse proxy that forwards every request unchanged (Host included, so SigV4 signatures stay valid)
 * to `upstream` and records it: the proof of what Label Studio sent, byte for byte.
 */
export async function startS3Recorder(upstream: string): Promise<S3Recorder> {
  const target = new URL(upstream);
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const headers: Record<string, string> = {};
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i];
        if (!/^(expect|connection|keep-alive)$/i.test(name)) headers[name] = req.rawHeaders[i + 1];
      }
      const upstreamRequest = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
        (upstreamResponse) => {
          void readBody(upstreamResponse).then((answer) => {
            requests.push(record(req, body, upstreamResponse.statusCode ?? 0));
            const out = { ...upstreamResponse.headers };
            delete out.connection;
            delete out['transfer-encoding'];
            res.writeHead(upstreamResponse.statusCode ?? 502, { ...out, 'content-length': String(answer.length) });
            res.end(answer);
          });
        },
      );
      upstreamRequest.on('error', (error) => {
        requests.push(record(req, body, 502));
        res.writeHead(502).end(String(error));
      });
      upstreamRequest.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    lastPutBodies(bucket) {
      const bodies = new Map<string, Buffer>();
      for (const r of requests) {
        if (r.bucket !== bucket || !r.key || r.status >= 300) continue;
        if (r.method === 'PUT') bodies.set(r.key, r.body);
        if (r.method === 'DELETE') bodies.delete(r.key);
      }
      return bodies;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // boto3 keeps connections alive
      }),
  };
}

function record(req: IncomingMessage, body: Buffer, status: number): RecordedRequest {
  const raw = req.url ?? '/';
  const [path, query = ''] = raw.split(/\?(.*)/s, 2);
  const [, bucket = '', ...rest] = path.split('/');
  const headers: Record<string, string> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers[req.rawHeaders[i].toLowerCase()] = req.rawHeaders[i + 1];
  return {
    method: req.method ?? '',
    path: raw,
    bucket: decodeURIComponent(bucket),
    key: decodeURIComponent(rest.join('/')),
    query,
    headers,
    body,
    status,
  };
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}
