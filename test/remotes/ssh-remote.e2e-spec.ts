import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { DvcRemoteError } from '../../src/dvc/dvc-remote.error.js';
import { md5Hex } from '../../src/dvc/md5.util.js';
import type { SshRemoteSpec } from '../../src/dvc/remote-spec.types.js';
import { SshDvcRemote } from '../../src/dvc/ssh.dvc-remote.js';
import { removeTempRoots, tempRoot } from '../dvc/dvc-repo.harness.js';
import { contentsInOneFolder, describeDvcRemoteContract } from '../dvc/dvc-remote.contract.js';
import { startGitHttpServer } from '../support/git-http-server.js';
import { startService, withLogs } from '../support/service.js';
import { startSshServer, type SshServer } from '../support/sshd-server.js';
import { flush } from '../sync/harness/admin-client.js';
import { S3Objects } from '../sync/harness/s3-objects.js';
import { createDvcRepo, dvcConfigText } from '../sync/harness/team-repo.js';
import { describeRemoteKindEndToEnd } from './remote-kind.scenarios.js';

/**
 * The SSH/SFTP remote against Debian's OpenSSH (internal-sftp), started here with its own host key: the remote
 * contract, what lands on the server's disk, the host key check, and the service end to end with dvc-ssh.
 */
let sshd: SshServer;
const opened: SshDvcRemote[] = [];
beforeAll(async () => {
  sshd = await startSshServer();
});
afterAll(async () => {
  opened.forEach((remote) => remote.close());
  await sshd?.stop();
  removeTempRoots();
});

function sshRemote(path: string, changes: Partial<SshRemoteSpec> = {}): SshDvcRemote {
  const remote = new SshDvcRemote({
    kind: 'ssh',
    name: 'storage',
    host: '127.0.0.1',
    port: sshd.port,
    user: sshd.user,
    path,
    keyFile: sshd.keyFile,
    knownHosts: sshd.knownHostsFor(),
    parallelism: 8,
    timeoutMs: 20_000,
    attempts: 2,
    ...changes,
  });
  opened.push(remote);
  return remote;
}

describeDvcRemoteContract('SSH/SFTP (OpenSSH sshd)', () => sshRemote(sshd.storeDir('contract')));

describe('SSH remote, on the server', () => {
  it('lays objects out as dvc-ssh does (files/md5/xx/rest, 0644), no temporary file left, even after a refusal', async () => {
    const root = sshd.storeDir('layout');
    const remote = sshRemote(root);
    await remote.upload('d751713988987e9331980363e24189ce.dir', () => Buffer.from('[]'));
    await remote.upload(md5Hex('foo'), () => Readable.from([Buffer.from('f'), Buffer.from('oo')]));
    await expect(remote.upload(md5Hex('x'), () => Readable.from([Buffer.from('not x')]))).rejects.toThrow(
      DvcRemoteError,
    );
    expect(readdirSync(join(root, 'files', 'md5')).sort()).toEqual(['9d', 'ac', 'd7']);
    expect(readdirSync(join(root, 'files', 'md5', '9d'))).toEqual([]); // the refused object's temp file is gone
    expect(readdirSync(join(root, 'files', 'md5', 'ac'))).toEqual(['bd18db4cc2f85cedef654fccc4a4d8']);
    expect(statSync(join(root, 'files', 'md5', 'ac', 'bd18db4cc2f85cedef654fccc4a4d8')).mode & 0o777).toBe(0o644);
    expect(statSync(join(root, 'files', 'md5', 'd7', '51713988987e9331980363e24189ce.dir')).size).toBe(2);
  });

  it("removes a day-old temp file of a process that died mid-upload when it lists that folder; DVC's are kept", async () => {
    const root = sshd.storeDir('orphans');
    const remote = sshRemote(root);
    const contents = contentsInOneFolder(4); // four objects of one folder: missing() lists it
    const ids = contents.map((c) => md5Hex(c));
    await remote.upload(ids[0], () => contents[0]);
    const folder = join(root, 'files', 'md5', ids[0].slice(0, 2));
    const dayAgo = new Date(Date.now() - 24 * 60 * 60 * 1000 - 60_000);
    const temp = (id: string, suffix: string, mtime?: Date) => {
      const path = join(folder, `${id.slice(2)}.${suffix}.tmp`);
      writeFileSync(path, 'cut off');
      if (mtime) utimesSync(path, mtime, mtime);
      return basename(path);
    };
    temp(ids[1], randomUUID(), dayAgo); // the orphan
    const young = temp(ids[2], randomUUID()); // maybe another process's upload in flight
    const dvcs = temp(ids[3], 'Zm9vYmFyYmF6cXV4cXV1eA', dayAgo); // dvc-objects' own temp name
    expect(await remote.missing(ids)).toEqual(new Set(ids.slice(1)));
    expect(readdirSync(folder).sort()).toEqual([ids[0].slice(2), young, dvcs].sort());
  });

  it('makes a folder again when someone removed it from the server since', async () => {
    const root = sshd.storeDir('cleaned');
    const remote = sshRemote(root);
    const [first, second] = contentsInOneFolder(2);
    await remote.upload(md5Hex(first), () => first);
    rmSync(join(root, 'files'), { recursive: true });
    await remote.upload(md5Hex(second), () => second);
    expect((await remote.read(md5Hex(second)))?.equals(second)).toBe(true);
    expect(await remote.missing([md5Hex(first), md5Hex(second)])).toEqual(new Set([md5Hex(first)]));
  });

  it('refuses a server whose host key is not in known_hosts, saying how to trust it; nothing is written', async () => {
    const root = sshd.storeDir('unknown-host');
    const knownHosts = join(tempRoot('known-hosts'), 'known_hosts');
    writeFileSync(knownHosts, '# nothing trusted yet\n');
    const remote = sshRemote(root, { knownHosts });
    const health = await remote.check();
    expect(health.ok).toBe(false);
    expect(health.error).toContain(`the host key of [127.0.0.1]:${sshd.port} (ssh-ed25519 SHA256:`);
    expect(health.error).toContain(`ssh-keyscan -p ${sshd.port} 127.0.0.1 >> ${knownHosts}`);
    await expect(remote.upload(md5Hex('foo'), () => Buffer.from('foo'))).rejects.toThrow(/is not in/);
    expect(() => readdirSync(root)).toThrow(/ENOENT/);
  });

  it('refuses a server whose host key changed (another key listed for it)', async () => {
    const knownHosts = join(tempRoot('known-hosts'), 'known_hosts');
    const otherKey = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.alloc(36, 7)]);
    writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ssh-ed25519 ${otherKey.toString('base64')}\n`);
    const health = await sshRemote(sshd.storeDir('changed-host'), { knownHosts }).check();
    expect(health.error).toMatch(/is NOT the one .* lists for it \(line 1\): someone may be intercepting/);
  });

  it('says why it cannot sign in, without retrying forever', async () => {
    const keyFile = join(tempRoot('wrong-key'), 'id');
    writeFileSync(keyFile, 'not a key');
    const health = await sshRemote(sshd.storeDir('bad-key'), { keyFile }).check();
    expect(health.ok).toBe(false);
    expect(health.error).toMatch(/ssh:\/\/.*127\.0\.0\.1.*(key|authentication)/i);
  });
});

describe('SSH remote, in the service', () => {
  it('an unknown host key fails the flush with the line that trusts it; once run, the pending writes land', async () => {
    const gitRoot = tempRoot('ssh-git');
    const gitServer = await startGitHttpServer({ root: gitRoot, username: 'bot', password: 'tok-1' });
    const store = sshd.storeDir('untrusted');
    createDvcRepo(gitRoot, 'untrusted', dvcConfigText(`ssh://${sshd.user}@127.0.0.1:${sshd.port}${store}`));
    const knownHosts = join(tempRoot('known-hosts'), 'known_hosts');
    const service = await startService({
      env: {
        GIT_REPO_URL: gitServer.url('untrusted.git'),
        GIT_USERNAME: 'bot',
        GIT_TOKEN: 'tok-1',
        DVC_DATASET_PATH: 'data/annotations',
        DVC_REMOTE_KEYFILE: sshd.keyFile,
        DVC_REMOTE_KNOWN_HOSTS: knownHosts,
      },
    });
    const s3 = new S3Objects(service);
    try {
      await withLogs(service, async () => {
        await s3.put('a.json', '{"a": 1}\n');
        const status = await flush(service);
        expect(status.pending).toBe(1);
        const advice = `ssh-keyscan -p ${sshd.port} 127.0.0.1 >> ${knownHosts}`;
        expect(status.lastError).toContain(advice);
        expect(() => readdirSync(store)).toThrow(/ENOENT/);

        // The operator follows the advice (OpenSSH's own ssh-keyscan): the next flush trusts the server.
        execSync(advice, { stdio: 'ignore' });
        const trusted = await flush(service);
        expect({ pending: trusted.pending, lastError: trusted.lastError }).toEqual({ pending: 0, lastError: null });
        expect(readdirSync(join(store, 'files', 'md5'))).toHaveLength(2); // a.json and the .dir
      });
    } finally {
      s3.close();
      await service.stop();
      await gitServer.stop();
    }
  });
});

describeRemoteKindEndToEnd('SSH/SFTP', () => {
  return {
    targetPort: sshd.port,
    dvcRemote: (name) => {
      const store = sshd.storeDir(name);
      return {
        url: `ssh://${sshd.user}@127.0.0.1:${sshd.port}${store}`,
        committedOptions: {},
        configLocal: `keyfile = ${sshd.keyFile}\n`,
        serviceEnv: (viaPort) => ({
          DVC_REMOTE_KEYFILE: sshd.keyFile,
          DVC_REMOTE_KNOWN_HOSTS: sshd.knownHostsFor(viaPort),
          ...(viaPort ? { DVC_REMOTE_PORT: String(viaPort) } : {}),
        }),
        objectNames: () => listFiles(join(store, 'files', 'md5')),
        secrets: [],
      };
    },
  };
});

function listFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1));
  } catch {
    return [];
  }
}
