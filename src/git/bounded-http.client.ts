import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import http from 'isomorphic-git/http/node';

/**
 * isomorphic-git's Node HTTP client, with an idle limit on every request: a Git server that accepts the
 * connection and then sends nothing (overloaded, a proxy holding the line, a half-dead network) fails the
 * request after `idleMs` instead of holding the flush forever. The limit is on silence, not on duration,
 * so a large pack that keeps moving either way is never cut: the socket's own idle timeout (simple-get's
 * `timeout`) covers connecting and sending, and a guard on each chunk of the answer covers reading it. Either
 * way the error says the server was silent, and for how long.
 *
 * `onPushAnswered` runs once the whole answer to a push (`git-receive-pack`: the server's report, written
 * after it updated the branch) has arrived, before isomorphic-git reads it: the crash tests' `push-sent`.
 */
export function boundedHttpClient(idleMs: number, onPushAnswered: () => void = () => undefined): HttpClient {
  return {
    async request(request: GitHttpRequest): Promise<GitHttpResponse> {
      const fetchOptions = { ...(request.fetchOptions as object | undefined), timeout: idleMs };
      let response: GitHttpResponse;
      try {
        response = await http.request({ ...request, fetchOptions });
      } catch (error) {
        if ((error as Error)?.message === SIMPLE_GET_TIMEOUT) throw timeoutError(request.url, idleMs);
        throw error;
      }
      if (!response.body) return response;
      const body = idleBounded(response.body, idleMs, request.url);
      if (!request.url.endsWith('/git-receive-pack')) return { ...response, body };
      const chunks: Uint8Array[] = [];
      for await (const chunk of body) chunks.push(chunk);
      onPushAnswered();
      return { ...response, body: replay(chunks) };
    },
  };
}

/** What simple-get (under isomorphic-git's Node client) rejects with when the socket's idle timeout fires. */
const SIMPLE_GET_TIMEOUT = 'Request timed out';

function timeoutError(url: string, idleMs: number): Error {
  return new Error(
    `the Git server sent nothing for ${idleMs / 1000}s (${stripQuery(url)}): the flush retries; ` +
      'raise GIT_HTTP_TIMEOUT_SECONDS if the server is only slow',
  );
}

function stripQuery(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`; // no credentials, no query
  } catch {
    return '(invalid url)';
  }
}

async function withinIdle<T>(promise: Promise<T>, idleMs: number, url: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(timeoutError(url, idleMs)), idleMs))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function replay(chunks: Uint8Array[]): AsyncIterableIterator<Uint8Array> {
  const iterator = chunks[Symbol.iterator]();
  return {
    next: () => Promise.resolve(iterator.next()),
    [Symbol.asyncIterator]() {
      return this;
    },
  } as AsyncIterableIterator<Uint8Array>;
}

async function* idleBounded(
  body: AsyncIterableIterator<Uint8Array>,
  idleMs: number,
  url: string,
): AsyncIterableIterator<Uint8Array> {
  const iterator = body[Symbol.asyncIterator]();
  try {
    for (;;) {
      const waiting = Date.now();
      let next: IteratorResult<Uint8Array>;
      try {
        next = await withinIdle(iterator.next(), idleMs, url);
      } catch (error) {
        // The socket's idle timeout may end the answer a moment before this guard does ("aborted"): same cause.
        if (Date.now() - waiting >= idleMs * 0.9) throw timeoutError(url, idleMs);
        throw error;
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await iterator.return?.();
  }
}
