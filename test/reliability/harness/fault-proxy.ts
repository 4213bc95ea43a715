import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the proxy does to the requests a fault matches (all of them unless `match` says otherwise). */
export type Fault =
  | { kind: 'none' }
  /** Answer `status` instead of the server, with these headers and body (e.g. an S3 error document). */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** Stay silent for `ms`, then forward: a server that is overloaded or a network that stalls. */
  | { kind: 'slow'; ms: number }
  /** Forward the answer's head and first `bytes` bytes, then cut the connection: a pack that never ends. */
  | { kind: 'drop-response'; bytes: number }
  /** Cut the connection as soon as the request body starts arriving: a push lost on the way. */
  | { kind: 'drop-request' }
  /** Never answer, for as long as this rule holds; the next `set` cuts the held connections (the server died). */
  | { kind: 'hang' };

export interface FaultRule {
  fault: Fault;
  /** Which requests (default: all). */
  match?: (req: IncomingMessage) => boolean;
  /** Of the matching requests, fault only every `every`-th (1, the default: all; 2: one in two…). */
  every?: number;
}

/**
 * A loopback HTTP proxy in front of a real server (git http-backend, moto_server) that injects faults into
 * chosen requests: answers an error status, stalls, or cuts the connection mid-request or mid-answer. Rules
 * change at any time; `none` forwards untouched.
 */
export interface FaultProxy {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  set(rule: FaultRule): void;
  /** Requests seen, and how many of them got the fault, since the last `set`. */
  readonly counts: { requests: number; faulted: number };
  stop(): Promise<void>;
}

export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  let rule: FaultRule = { fault: { kind: 'none' } };
  let counts = { requests: 0, faulted: 0 };
  let matching = 0;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const held = new Set<ServerResponse>();

  const forward = (req: IncomingMessage, res: ServerResponse, onAnswer?: (answer: IncomingMessage) => void) => {
    const upstream = request(
      { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        if (onAnswer) return onAnswer(answer);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  };

  const server = createServer((req, res) => {
    counts.requests++;
    const applies = (rule.match ?? (() => true))(req) && ++matching % (rule.every ?? 1) === 0;
    const fault: Fault = applies ? rule.fault : { kind: 'none' };
    if (fault.kind !== 'none') counts.faulted++;
    switch (fault.kind) {
      case 'none':
        return forward(req, res);
      case 'status':
        req.resume();
        req.on('end', () => {
          res.writeHead(fault.status, { 'content-type': 'application/xml', ...fault.headers });
          res.end(fault.body ?? '');
        });
        return;
      case 'slow': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) forward(req, res);
        }, fault.ms);
        timers.add(timer);
        return;
      }
      case 'hang':
        req.resume();
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      case 'drop-request':
        req.once('data', () => req.socket.destroy());
        req.once('end', () => req.socket.destroy());
        return;
      case 'drop-response':
        return forward(req, res, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          let sent = 0;
          answer.on('data', (chunk: Buffer) => {
            if (sent >= fault.bytes) return;
            res.write(chunk.subarray(0, fault.bytes - sent));
            sent += chunk.length;
            if (sent >= fault.bytes) setImmediate(() => res.socket?.destroy());
          });
        });
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    set: (next) => {
      for (const res of held) res.socket?.destroy();
      held.clear();
      rule = next;
      counts = { requests: 0, faulted: 0 };
      matching = 0;
    },
    get counts() {
      return { ...counts };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** An S3 error answer, as S3 writes it (ErrorResponse document). */
export function s3ErrorBody(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}
