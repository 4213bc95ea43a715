import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** Requests whose client still waits for `100 Continue` before it sends the body. */
const waiting = new WeakSet<IncomingMessage>();

/**
 * Node answers `Expect: 100-continue` with `100 Continue` at once unless the server has a 'checkContinue'
 * listener (node:http docs). With this listener the interim answer is sent only when the body is actually
 * read (`sendContinue`), so a request refused on its headers (bad signature, bad key, unsupported
 * operation) is answered before the client uploads anything — Label Studio sends `Expect: 100-continue`
 * on every PUT (docs/label-studio.md). Paths for which `immediate(url)` is true keep Node's default behaviour.
 */
export function installExpectContinue(server: Server, immediate: (url: string) => boolean): void {
  if (server.listenerCount('checkContinue') > 0) return;
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (immediate(req.url ?? '')) res.writeContinue();
    else waiting.add(req);
    server.emit('request', req, res);
  });
  // Any other Expect value: Node answers a bare 417 unless 'checkExpectation' has a listener (node:http docs).
  // RFC 9110 §10.1.1 lets a server ignore expectations it does not know, and S3 does: serve the request as is.
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => server.emit('request', req, res));
}

/** True while the client waits for `100 Continue` and has therefore not sent any of the body. */
export function isWaitingForContinue(req: IncomingMessage): boolean {
  return waiting.has(req);
}

/** Lets a waiting client send its body (once). */
export function sendContinue(req: IncomingMessage, res: ServerResponse): void {
  if (!waiting.delete(req)) return;
  if (!res.headersSent && !res.writableEnded) res.writeContinue();
}
