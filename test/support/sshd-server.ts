import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { tempRoot } from '../dvc/dvc-repo.harness.js';
import { freePort } from './free-port.js';
import { listening, startLoopbackProcess, type LoopbackProcess } from './loopback-server.js';
import { toolPaths } from './tools.js';

/** Debian's OpenSSH sshd on 127.0.0.1 with its own host key, accepting one client key for the test's user. */
export interface SshServer {
  port: number;
  user: string;
  /** The client's private key (OpenSSH format, no passphrase). */
  keyFile: string;
  /** `ssh-ed25519 AAAA…`: the server's public host key. */
  hostKey: string;
  /** A known_hosts file trusting this server as reached on `port` (default: its own port). */
  knownHostsFor(port?: number): string;
  /** A fresh absolute folder on the server for one remote. */
  storeDir(label: string): string;
  /** The test's own sshd log so far. */
  output(): string;
  stop(): Promise<void>;
}

export async function startSshServer(): Promise<SshServer> {
  const { sshd } = toolPaths();
  const dir = tempRoot('sshd');
  const keygen = (file: string) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
  keygen(join(dir, 'host_ed25519'));
  keygen(join(dir, 'client_ed25519'));
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_ed25519.pub')));
  const port = await freePort();
  const user = userInfo().username;
  // StrictModes no: the key files live under /tmp. UsePAM no: nothing of the machine's login setup is involved.
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_ed25519')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'Subsystem sftp internal-sftp',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  mkdirSync('/run/sshd', { recursive: true }); // sshd's privilege separation folder (the package makes it at boot)
  const server: LoopbackProcess = await startLoopbackProcess(
    'sshd',
    sshd,
    ['-D', '-e', '-f', join(dir, 'sshd_config')],
    () => listening(port),
  );
  const hostKey = readFileSync(join(dir, 'host_ed25519.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
  let stores = 0;
  return {
    port,
    user,
    keyFile: join(dir, 'client_ed25519'),
    hostKey,
    knownHostsFor: (via = port) => {
      const file = join(dir, `known_hosts_${via}`);
      writeFileSync(file, `[127.0.0.1]:${via} ${hostKey}\n`);
      return file;
    },
    storeDir: (label) => join(tempRoot(`sftp-${label}`), `store-${++stores}`),
    output: () => server.output(),
    stop: () => server.stop(),
  };
}
