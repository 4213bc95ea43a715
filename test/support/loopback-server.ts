import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const READY_WITHIN_MS = 60_000;

/** A server process a test started on 127.0.0.1; `stop()` ends it (and is safe to call twice). */
export interface LoopbackProcess {
  /** Its stderr/stdout so far (the last 8000 characters), for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `command` and waits until `ready()` holds; a server that exits first or never gets ready is a loud
 * failure (with what it printed), and is stopped.
 */
export async function startLoopbackProcess(
  name: string,
  command: string,
  args: string[],
  ready: () => Promise<boolean>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoopbackProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const server: LoopbackProcess = { output: () => output, stop: () => stop(child) };
  const deadline = Date.now() + READY_WITHIN_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output}`);
    if (await ready().catch(() => false)) return server;
    await sleep(200);
  }
  await stop(child);
  throw new Error(`${name} was not ready within ${READY_WITHIN_MS / 1000}s:\n${output}`);
}

/** True once something accepts TCP connections on 127.0.0.1:port. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}
