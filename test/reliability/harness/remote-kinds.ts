import { tempRoot } from '../../dvc/dvc-repo.harness.js';
import { startAzurite } from '../../support/azurite-server.js';
import { startGcsEmulator } from '../../support/gcs-emulator.js';
import { startMotoServer } from '../../support/moto-server.js';
import { startSshServer } from '../../support/sshd-server.js';
import { s3ConfigLocal } from '../../sync/harness/pulled-dataset.js';
import { dvcConfigText } from '../../sync/harness/team-repo.js';

/** One DVC remote location for one repository: what its `.dvc/config` says, and what each side needs to reach it. */
export interface RemoteLocation {
  /** `.dvc/config` to commit (`dvc remote add -d storage <url>` + options). */
  dvcConfig: string;
  /** Settings the service needs for it (keys), beyond the repository's `.dvc/config`. */
  serviceEnv: Record<string, string>;
  /** A data scientist's `.dvc/config.local` (keys kept out of git), if the kind needs one. */
  configLocal?: string;
}

export interface RunningRemoteKind {
  /** A fresh, empty location (a folder, a bucket prefix…) named after `label`. */
  location(label: string): RemoteLocation;
  stop(): Promise<void>;
}

/** A DVC remote kind the suites run against: started on loopback by the test, on real software. */
export interface RemoteKind {
  name: string;
  start(): Promise<RunningRemoteKind>;
}

/**
 * Every DVC remote kind the service supports, one line each: a reliability suite written as
 * `describe.each(REMOTE_KINDS)` covers a new kind (GCS, Azure, SSH…) by adding it here.
 */
export const REMOTE_KINDS: RemoteKind[] = [
  {
    name: 'local folder',
    start: () =>
      Promise.resolve({
        location: (label) => ({ dvcConfig: dvcConfigText(tempRoot(`remote-${label}`)), serviceEnv: {} }),
        stop: () => Promise.resolve(),
      }),
  },
  {
    name: 'S3 (moto_server)',
    start: async () => {
      const moto = await startMotoServer();
      return {
        location: (label) => ({
          dvcConfig: dvcConfigText(`s3://${moto.bucket}/${label}`, { endpointurl: moto.endpoint }),
          serviceEnv: {
            DVC_REMOTE_ACCESS_KEY_ID: moto.accessKeyId,
            DVC_REMOTE_SECRET_ACCESS_KEY: moto.secretAccessKey,
          },
          configLocal: s3ConfigLocal('storage', moto),
        }),
        stop: () => moto.stop(),
      };
    },
  },
  {
    name: 'SSH/SFTP (OpenSSH sshd)',
    start: async () => {
      const sshd = await startSshServer();
      return {
        location: (label) => ({
          dvcConfig: dvcConfigText(`ssh://${sshd.user}@127.0.0.1:${sshd.port}${sshd.storeDir(label)}`),
          serviceEnv: { DVC_REMOTE_KEYFILE: sshd.keyFile, DVC_REMOTE_KNOWN_HOSTS: sshd.knownHostsFor() },
          configLocal: `['remote "storage"']\n    keyfile = ${sshd.keyFile}\n`,
        }),
        stop: () => sshd.stop(),
      };
    },
  },
  {
    name: 'Azure Blob (Azurite)',
    start: async () => {
      const azurite = await startAzurite();
      return {
        location: (label) => ({
          dvcConfig: dvcConfigText(`azure://${azurite.container}/${label}`),
          serviceEnv: { DVC_REMOTE_CONNECTION_STRING: azurite.connectionString() },
          configLocal: `['remote "storage"']\n    connection_string = '${azurite.connectionString()}'\n`,
        }),
        stop: () => azurite.stop(),
      };
    },
  },
  {
    name: 'Google Cloud Storage (emulator)',
    start: async () => {
      const gcs = await startGcsEmulator();
      return {
        location: (label) => ({
          dvcConfig: dvcConfigText(`gs://${gcs.bucket}/${label}`, { endpointurl: gcs.endpoint }),
          serviceEnv: {},
          configLocal: `['remote "storage"']\n    allow_anonymous_login = true\n`,
        }),
        stop: () => gcs.stop(),
      };
    },
  },
];
