import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Actions around the next push (`POST …/git-receive-pack`, the request that carries the new commit). */
export interface PushHooks {
  /** Before the push reaches the server: a teammate's push made here lands between the service's fetch and its push. */
  before?: () => Promise<void>;
  /** After the server took the push, before the service hears the answer (e.g. kill -9 the service). */
  after?: () => Promise<void>;
}

/**
 * A loopback HTTP proxy in front of the test's git server that runs test actions at a precise point of the
 * service's next push, every time: no timing involved.
 */
export interface GitPushInterceptor {
  /** Same shape as GitHttpServer.url: http://127.0.0.1:<port>/<repoName>. */
  url(repoName: string): string;
  /** Arms `hooks` for the next push; settles when that push was handled (rejects with a hook's error). */
  interceptNextPush(hooks: PushHooks): Promise<void>;
  /** True while hooks wait for a push that has not come. */
  readonly armed: boolean;
  stop(): Promise<void>;
}

interface Armed extends PushHooks {
  done: () => void;
  failed: (error: unknown) => void;
}

interface UpstreamAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export async function startGitPushInterceptor(upstream: (repoName: string) => string): Promise<GitPushInterceptor> {
  const target = new URL(upstream('x'));
  let armed: Armed | undefined;

  const ask = (req: IncomingMessage, body: Buffer) =>
    new Promise<UpstreamAnswer>((resolve) => {
      const upstreamRequest = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
        },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () =>
            resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) }),
          );
        },
      );
      upstreamRequest.on('error', (error) => resolve({ status: 502, headers: {}, body: Buffer.from(String(error)) }));
      upstreamRequest.end(body);
    });

  const relay = (res: ServerResponse, answer: UpstreamAnswer) => {
    const { 'transfer-encoding': _chunked, ...headers } = answer.headers;
    res.writeHead(answer.status, { ...headers, 'content-length': String(answer.body.length) });
    res.end(answer.body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const hooks = req.method === 'POST' && req.url?.endsWith('/git-receive-pack') ? armed : undefined;
    if (!hooks) return relay(res, await ask(req, body));
    armed = undefined;
    try {
      await hooks.before?.();
      const answer = await ask(req, body);
      await hooks.after?.();
      if (!res.destroyed) relay(res, answer);
      hooks.done();
    } catch (error) {
      if (!res.destroyed) res.writeHead(500).end(`the test's push hook failed: ${String(error)}`);
      hooks.failed(error);
    }
  };

  const server = createServer((req, res) => {
    res.on('error', () => undefined); // the client may be gone (killed on purpose)
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => void handle(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (repoName) => `http://127.0.0.1:${port}/${repoName}`,
    get armed() {
      return armed !== undefined;
    },
    interceptNextPush: (hooks) =>
      new Promise<void>((done, failed) => {
        armed = { ...hooks, done, failed };
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
