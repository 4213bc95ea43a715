import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { boundedHttpClient } from './bounded-http.client.js';

/** A loopback server whose answer each test scripts: a silent one, one that stalls mid-body, a normal one. */
let server: Server | undefined;
const open = new Set<ServerResponse>();
async function serve(handler: (res: ServerResponse, path: string) => void): Promise<string> {
  server = createServer((req, res) => {
    open.add(res);
    req.resume();
    req.on('end', () => handler(res, req.url ?? '/'));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
afterEach(async () => {
  for (const res of open) res.destroy();
  open.clear();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function collect(body: AsyncIterableIterator<Uint8Array> | undefined): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body ?? []) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

describe('boundedHttpClient', () => {
  it('a server that never answers fails the request after the idle limit, naming the setting, no query or credentials', async () => {
    const base = await serve(() => undefined);
    const client = boundedHttpClient(200);
    await expect(
      client.request({ url: `${base}/team/repo.git/info/refs?service=git-upload-pack`, method: 'GET', headers: {} }),
    ).rejects.toThrow(
      /sent nothing for 0\.2s \(http:\/\/127\.0\.0\.1:\d+\/team\/repo\.git\/info\/refs\).*GIT_HTTP_TIMEOUT_SECONDS/,
    );
  });

  it('an answer that stalls after its first bytes fails while it is read', async () => {
    const base = await serve((res) => {
      res.writeHead(200);
      res.write('0008NAK\n'); // then nothing more
    });
    const response = await boundedHttpClient(200).request({
      url: `${base}/repo.git/git-upload-pack`,
      method: 'POST',
      headers: {},
    });
    await expect(collect(response.body)).rejects.toThrow(/sent nothing for 0\.2s/);
  });

  it('an answer that keeps arriving is never cut, however long it takes in all', async () => {
    const base = await serve((res) => {
      res.writeHead(200);
      let n = 0;
      const timer = setInterval(() => {
        res.write(`chunk ${n} `);
        if (++n === 20) {
          clearInterval(timer);
          res.end();
        }
      }, 100);
    });
    // 2 s in all, never 1.5 s silent. The margin is wide: server and client share this process, and on a loaded
    // machine (CI: both cores busy) a stall of 600 ms once made a 0.6 s limit fire before the next chunk was read.
    const response = await boundedHttpClient(1500).request({
      url: `${base}/repo.git/git-upload-pack`,
      method: 'POST',
      headers: {},
    });
    expect(await collect(response.body)).toBe(Array.from({ length: 20 }, (_, i) => `chunk ${i} `).join(''));
  });

  it('a push body that keeps moving is never cut, however long the upload takes in all', async () => {
    const base = await serve((res) => res.end('ok'));
    async function* slowPack(): AsyncIterableIterator<Uint8Array> {
      for (let i = 0; i < 20; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100)); // 2 s in all, never 1.5 s silent (margin: above)
        yield Buffer.from(`part ${i} `);
      }
    }
    const response = await boundedHttpClient(1500).request({
      url: `${base}/repo.git/git-upload-pack`,
      method: 'POST',
      headers: {},
      body: slowPack(),
    });
    expect([response.statusCode, await collect(response.body)]).toEqual([200, 'ok']);
  });

  it('runs onPushAnswered once the whole answer to a push is in, before the caller reads it; not for other requests', async () => {
    const base = await serve((res, path) => {
      res.writeHead(200);
      res.end(path.endsWith('git-receive-pack') ? 'report: ok' : 'refs');
    });
    const events: string[] = [];
    const client = boundedHttpClient(1000, () => events.push('push answered'));
    const refs = await client.request({ url: `${base}/repo.git/info/refs`, method: 'GET', headers: {} });
    events.push(`read ${await collect(refs.body)}`);
    const push = await client.request({ url: `${base}/repo.git/git-receive-pack`, method: 'POST', headers: {} });
    events.push(`read ${await collect(push.body)}`);
    expect(events).toEqual(['read refs', 'push answered', 'read report: ok']);
  });
});
