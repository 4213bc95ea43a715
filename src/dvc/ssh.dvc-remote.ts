import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { Client, type FileEntryWithStats, type SFTPWrapper } from 'ssh2';
import { DvcRemote, type ObjectSource, type RemoteHealth } from './dvc.remote.js';
import { DvcRemoteError } from './dvc-remote.error.js';
import { hostKeyVerdict, keyFingerprint } from './known-hosts.parser.js';
import { objectRelPath } from './object-path.util.js';
import {
  expectedMd5,
  hashMismatch,
  idsByFolder,
  inParallel,
  RemoteTimeoutError,
  withRetries,
  withTimeout,
} from './remote-io.util.js';
import type { SshRemoteSpec } from './remote-spec.types.js';
import { isOrphanTemp, tempPathFor } from './temp-name.rules.js';
import { isObjectId } from './md5.util.js';

/** A folder group this small is checked with one `stat` per object; a bigger one with one `readdir`. */
const STAT_AT_MOST = 3;
/** Bytes per SFTP write request: OpenSSH's sftp-server takes up to 256 KiB; ssh2 splits what exceeds its limit. */
const WRITE_CHUNK = 64 * 1024;
/** SFTP status codes (draft-ietf-secsh-filexfer-02 §7). */
const NO_SUCH_FILE = 2;
const NO_CONNECTION = 6;
const CONNECTION_LOST = 7;

interface Session {
  client: Client;
  sftp: SFTPWrapper;
  /** Rejects when the connection is gone: ssh2 leaves the requests in flight on a dead connection unanswered. */
  lost: Promise<never>;
}

/**
 * A DVC remote on an SSH server, over SFTP (dvc-ssh): objects at `<path>/files/md5/xx/yyyy…`, mode 0644 as dvc-ssh
 * leaves them. Unlike dvc-ssh, an object is written under a temporary name, fsynced (fsync@openssh.com) and then
 * renamed over its final name (posix-rename@openssh.com), so `dvc pull` never sees half an object. The server's host
 * key must be in the known_hosts file: an unknown or changed key is refused before any credential is sent.
 * One connection, several requests in flight on it (SFTP pipelines them); a broken connection is opened again.
 */
export class SshDvcRemote extends DvcRemote {
  private session?: Promise<Session>;
  /** Folders known to exist (created or seen): no mkdir round trip for every object. */
  private readonly folders = new Set<string>();
  /**
   * Temp files that failed uploads may have left on the server: removing one failed, or its open lost its answer (the
   * connection was lost; its SFTP server process is gone with it, so nothing writes them any more). Removed at the end
   * of the next push (`syncUploads`); one that never was created answers "no such file" and is forgotten.
   */
  private readonly abandoned = new Set<string>();

  constructor(private readonly spec: SshRemoteSpec) {
    super();
  }

  override uploadParallelism(): number {
    return this.spec.parallelism;
  }

  describe(): string {
    const port = this.spec.port === 22 ? '' : `:${this.spec.port}`;
    const where = `ssh://${this.spec.user}@${this.spec.host}${port}${this.spec.path}`;
    return this.spec.name ? `${where} (remote '${this.spec.name}')` : where;
  }

  async missing(ids: readonly string[]): Promise<Set<string>> {
    const groups = idsByFolder(ids);
    const result = new Set<string>();
    await this.run('cannot list', async () => {
      await inParallel([...groups.entries()], this.spec.parallelism, async ([folder, group]) => {
        const present = group.length <= STAT_AT_MOST ? await this.statEach(group) : await this.listFolder(folder);
        for (const id of group) if (!present.has(id)) result.add(id);
      });
    });
    return result;
  }

  async upload(id: string, source: ObjectSource, _size?: number): Promise<void> {
    const target = this.pathOf(id);
    await this.run(`object ${id}: upload failed`, async () => {
      const session = await this.connect();
      const { sftp } = session;
      await this.ensureFolder(session, posix.dirname(target));
      // A temporary name (temp-name.rules.ts): DVC skips it when it lists a remote.
      const tmp = tempPathFor(target);
      const create = () => this.call<Buffer>(session, 'open', (done) => sftp.open(tmp, 'w', { mode: 0o644 }, done));
      const handle = await create()
        .catch(async (error: unknown) => {
          if (sftpCode(error) !== NO_SUCH_FILE) throw error;
          // The folder went away since we made it (someone cleaned the remote): make it again, and what holds it.
          for (let dir = posix.dirname(target); dir !== '/' && dir.startsWith(this.spec.path); dir = posix.dirname(dir))
            this.folders.delete(dir);
          await this.ensureFolder(session, posix.dirname(target));
          return create();
        })
        .catch((error: unknown) => {
          // No SFTP status: the connection went before the server's answer, which may have created the file.
          if (sftpCode(error) === undefined) this.abandoned.add(tmp);
          throw error;
        });
      let open = true;
      try {
        const hash = createHash('md5');
        let offset = 0;
        const opened = source();
        for await (const data of Buffer.isBuffer(opened) ? [opened] : opened) {
          const chunk = typeof data === 'string' ? Buffer.from(data) : (data as Buffer);
          hash.update(chunk);
          for (let at = 0; at < chunk.length; at += WRITE_CHUNK) {
            const part = chunk.subarray(at, at + WRITE_CHUNK);
            await this.call(session, 'write', (done) => sftp.write(handle, part, 0, part.length, offset, done));
            offset += part.length;
          }
        }
        const md5 = hash.digest('hex');
        if (md5 !== expectedMd5(id)) throw hashMismatch(id, md5, this.describe());
        // The bytes reach the server's disk before the name makes them visible (a commit may name them next).
        // A server without the OpenSSH extension gives no way to ask for that: its own write-back decides.
        await this.call(session, 'fsync', (done) => sftp.ext_openssh_fsync(handle, (error) => done(error))).catch(
          unlessUnsupported,
        );
        open = false;
        await this.call(session, 'close', (done) => sftp.close(handle, done));
        await this.publish(session, tmp, target);
      } catch (error) {
        if (open) await this.call(session, 'close', (done) => sftp.close(handle, done)).catch(() => undefined);
        await this.call(session, 'remove', (done) => sftp.unlink(tmp, done)).catch((removal: unknown) => {
          if (sftpCode(removal) !== NO_SUCH_FILE) this.abandoned.add(tmp);
        });
        throw error;
      }
    });
  }

  /**
   * Gives the temporary file its final name. posix-rename@openssh.com replaces an existing object atomically; plain
   * SFTP rename (servers without the extension) refuses an existing target, which then already holds these very
   * bytes (the name is their hash): the temporary file is dropped.
   */
  private async publish(session: Session, tmp: string, target: string): Promise<void> {
    const { sftp } = session;
    try {
      await this.call(session, 'rename', (done) => sftp.ext_openssh_rename(tmp, target, done));
      return;
    } catch (error) {
      unlessUnsupported(error);
    }
    try {
      await this.call(session, 'rename', (done) => sftp.rename(tmp, target, done));
    } catch (error) {
      const exists = await this.call(session, 'stat', (done) => sftp.stat(target, (e) => done(e))).then(
        () => true,
        () => false,
      );
      if (!exists) throw error;
      await this.call(session, 'remove', (done) => sftp.unlink(tmp, done));
    }
  }

  /**
   * Uploads are durable once answered (fsync@openssh.com); what is left to do at the end of a push is housekeeping:
   * removing the temp files that a lost connection kept an earlier upload from removing, so that a network cut
   * leaves nothing in the team's remote for good (DVC never removes them). A removal that fails again is tried at
   * the end of the next push; it never fails this one.
   */
  override async syncUploads(): Promise<void> {
    if (this.abandoned.size === 0) return;
    const session = await this.connect().catch(() => undefined);
    if (!session) return;
    await inParallel([...this.abandoned], this.spec.parallelism, async (tmp) => {
      await this.call(session, 'remove', (done) => session.sftp.unlink(tmp, done)).then(
        () => this.abandoned.delete(tmp),
        (error: unknown) => sftpCode(error) === NO_SUCH_FILE && this.abandoned.delete(tmp),
      );
    });
  }

  async read(id: string): Promise<Buffer | undefined> {
    const path = this.pathOf(id);
    return this.run(`object ${id}: cannot read`, async () => {
      const session = await this.connect();
      const { sftp } = session;
      try {
        return await this.call<Buffer>(session, 'read', (done) => sftp.readFile(path, done));
      } catch (error) {
        if (sftpCode(error) === NO_SUCH_FILE) return undefined;
        throw error;
      }
    });
  }

  async check(): Promise<RemoteHealth> {
    try {
      await this.run('cannot reach', async () => {
        // DVC creates a missing remote folder on push; so do we.
        await this.ensureFolder(await this.connect(), this.spec.path);
      });
      return { ok: true };
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  }

  override close(): void {
    void this.session?.then(({ client }) => client.end()).catch(() => undefined);
    this.session = undefined;
  }

  private pathOf(id: string): string {
    return posix.join(this.spec.path, objectRelPath(id));
  }

  /** Retries transient failures, then names the remote in the error (never a credential). */
  private async run<T>(what: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await withRetries(
        {
          attempts: this.spec.attempts,
          isTransient: (error) => !(error instanceof DvcRemoteError) && isTransient(error),
          beforeRetry: () => this.close(),
        },
        operation,
      );
    } catch (error) {
      if (error instanceof DvcRemoteError) throw error;
      throw new DvcRemoteError(`${what} ${this.describe()}: ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * One SFTP request, failed when the connection is lost and bounded by the timeout; a request that hangs closes the
   * connection (the next try opens another).
   */
  private call<T = void>(
    session: Session,
    what: string,
    start: (done: (error: Error | undefined | null, value?: T) => void) => void,
  ) {
    const request = new Promise<T>((resolve, reject) =>
      start((error, value) => (error ? reject(error) : resolve(value as T))),
    );
    return withTimeout(Promise.race([request, session.lost]), this.spec.timeoutMs, `sftp ${what}`, () => this.close());
  }

  private connect(): Promise<Session> {
    if (!this.session) {
      const session = this.open();
      this.session = session;
      session.catch(() => {
        if (this.session === session) this.session = undefined;
      });
    }
    return this.session;
  }

  private open(): Promise<Session> {
    const { host, port, user, password, keyFile, passphrase, timeoutMs } = this.spec;
    return new Promise<Session>((resolve, reject) => {
      const client = new Client();
      let settled = false;
      // A host key problem needs the operator (retries cannot help); known_hosts is read again on the next connection.
      let hostKeyProblem: DvcRemoteError | undefined;
      let markLost: (error: Error) => void = () => undefined;
      const lost = new Promise<never>((_, rejectLost) => (markLost = rejectLost));
      lost.catch(() => undefined);
      const fail = (error: Error) => {
        markLost(Object.assign(new Error(`connection closed (${error.message})`), { code: 'ECONNRESET' }));
        if (settled) return;
        settled = true;
        client.end();
        reject(hostKeyProblem ?? error);
      };
      client.on('ready', () =>
        client.sftp((error, sftp) => {
          if (error) return fail(error);
          settled = true;
          resolve({ client, sftp, lost });
        }),
      );
      client.on('error', fail);
      client.on('close', () => {
        fail(new Error('connection closed'));
        void this.session?.then(
          (s) => {
            if (s.client === client) this.session = undefined;
          },
          () => undefined,
        );
      });
      let privateKey: Buffer | undefined;
      try {
        privateKey = keyFile ? readFileSync(keyFile) : undefined;
      } catch (error) {
        return reject(new DvcRemoteError(`cannot read the key file ${keyFile}: ${(error as Error).message}`));
      }
      client.connect({
        host,
        port,
        username: user,
        password,
        privateKey,
        passphrase,
        readyTimeout: timeoutMs,
        keepaliveInterval: 15_000,
        keepaliveCountMax: 4,
        hostVerifier: (key: Buffer) => {
          hostKeyProblem = this.hostKeyProblem(key);
          return hostKeyProblem === undefined;
        },
      });
    });
  }

  /** Before any credential is sent: the key the server shows must be the one known_hosts lists for it. */
  private hostKeyProblem(key: Buffer): DvcRemoteError | undefined {
    const { host, port, knownHosts } = this.spec;
    const name = port === 22 ? host : `[${host}]:${port}`;
    let text = '';
    try {
      text = readFileSync(knownHosts, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        return new DvcRemoteError(`${this.describe()}: cannot read ${knownHosts}: ${(error as Error).message}`);
    }
    const verdict = hostKeyVerdict(text, host, port, key);
    if (verdict.status === 'trusted') return undefined;
    const offered = keyFingerprint(key);
    const keyscan = `ssh-keyscan${port === 22 ? '' : ` -p ${port}`} ${host} >> ${knownHosts}`;
    const messages = {
      unknown: `the host key of ${name} (${offered}) is not in ${knownHosts}, so the server cannot be trusted. If this is your server's key (compare with 'ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub' on it), add it: ${keyscan} (or point DVC_REMOTE_KNOWN_HOSTS at a known_hosts file that has it)`,
      mismatch: `the host key of ${name} (${offered}) is NOT the one ${knownHosts} lists for it (line ${verdict.status === 'mismatch' ? verdict.lines.join(', ') : ''}): someone may be intercepting the connection, or the server's key changed. Nothing was sent. If the change is expected, remove the old line ('ssh-keygen -R ${name} -f ${knownHosts}') and add the new key: ${keyscan}`,
      revoked: `the host key of ${name} (${offered}) is marked @revoked in ${knownHosts}: refused`,
    };
    return new DvcRemoteError(`${this.describe()}: ${messages[verdict.status]}`);
  }

  /** `mkdir -p`, remembering what exists; `parentMade`: the parent was just made, so a missing one is an error. */
  private async ensureFolder(session: Session, folder: string, parentMade = false): Promise<void> {
    const { sftp } = session;
    if (this.folders.has(folder) || folder === '/') return;
    try {
      await this.call(session, 'mkdir', (done) => sftp.mkdir(folder, { mode: 0o755 }, done));
    } catch (error) {
      if (sftpCode(error) === NO_SUCH_FILE && !parentMade) {
        const parent = posix.dirname(folder);
        this.folders.delete(parent); // it was removed since we saw it
        await this.ensureFolder(session, parent);
        return this.ensureFolder(session, folder, true);
      }
      // OpenSSH answers a bare FAILURE for "exists": find out what is there.
      const stats = await this.call<{ isDirectory(): boolean }>(session, 'stat', (done) =>
        sftp.stat(folder, done),
      ).catch(() => undefined);
      if (!stats?.isDirectory()) throw error;
    }
    this.folders.add(folder);
  }

  private async statEach(ids: string[]): Promise<Set<string>> {
    const session = await this.connect();
    const { sftp } = session;
    const present = new Set<string>();
    for (const id of ids) {
      try {
        await this.call(session, 'stat', (done) => sftp.stat(this.pathOf(id), (error) => done(error)));
        present.add(id);
      } catch (error) {
        if (sftpCode(error) !== NO_SUCH_FILE) throw error;
      }
    }
    return present;
  }

  private async listFolder(folder: string): Promise<Set<string>> {
    const session = await this.connect();
    const { sftp } = session;
    const path = posix.join(this.spec.path, 'files', 'md5', folder);
    try {
      const entries = await this.call<FileEntryWithStats[]>(session, 'readdir', (done) => sftp.readdir(path, done));
      // Temporary names (`<object>.<uuid>.tmp`) of an upload in flight, or cut off, are not objects. One a day old
      // was left by a process that died in the middle of an upload (temp-name.rules.ts): removed while we are here
      // (the server's clock dates it: a day's margin absorbs any skew). Best effort, never failing the listing.
      const now = Date.now();
      for (const { filename, attrs } of entries) {
        if (attrs.isFile() && isOrphanTemp(filename, attrs.mtime * 1000, now))
          await this.call(session, 'remove', (done) => sftp.unlink(posix.join(path, filename), done)).catch(() => {});
      }
      return new Set(entries.map((entry) => folder + entry.filename).filter(isObjectId));
    } catch (error) {
      if (sftpCode(error) === NO_SUCH_FILE) return new Set();
      throw error;
    }
  }
}

/** Swallows ssh2's refusal to send an OpenSSH extension the server did not announce; rethrows anything else. */
function unlessUnsupported(error: unknown): void {
  if (!/does not support this extended request/i.test((error as Error)?.message ?? '')) throw error;
}

function sftpCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Network trouble and timeouts are worth another try; a refusal by the server (auth, permissions, status) is not. */
function isTransient(error: unknown): boolean {
  if (error instanceof RemoteTimeoutError) return true;
  const e = error as { code?: unknown; level?: string; message?: string };
  if (e?.code === NO_CONNECTION || e?.code === CONNECTION_LOST) return true;
  if (
    typeof e?.code === 'string' &&
    /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)$/.test(e.code)
  )
    return true;
  if (e?.level === 'client-timeout' || e?.level === 'client-socket') return true;
  return /connection closed|not connected|no response from server|channel/i.test(e?.message ?? '');
}
