import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP forwarder on 127.0.0.1 to another local port that can be unplugged: while down, every connection
 * (including kept-alive ones) is reset, as when a remote's network is gone. Plugged back in, it forwards again.
 */
export interface SwitchableForwarder {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  down(): void;
  up(): void;
  /** Goes down once this many more bytes went from clients to the target (a remote lost in the middle of a push). */
  downAfter(bytes: number): void;
  stop(): Promise<void>;
}

export async function startSwitchableForwarder(targetPort: number): Promise<SwitchableForwarder> {
  let isUp = true;
  let budget = Infinity;
  const open = new Set<Socket>();
  const track = (socket: Socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => undefined);
  };
  const server = createServer((client) => {
    track(client);
    if (!isUp) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    track(upstream);
    client.on('data', (chunk: Buffer) => {
      budget -= chunk.length;
      if (budget < 0) down();
    });
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  function down() {
    isUp = false;
    budget = Infinity;
    for (const socket of open) socket.resetAndDestroy();
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    down,
    up: () => {
      isUp = true;
    },
    downAfter: (bytes) => {
      budget = bytes;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
