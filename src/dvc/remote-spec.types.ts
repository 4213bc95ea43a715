import type { SdkEnvironment } from '../config/project.settings.js';

/** The DVC_REMOTE* settings (config namespace `dvcConfig`): they win over the repository's `.dvc/config`. */
export interface RemoteOverrides {
  /** DVC_REMOTE: which remote of `.dvc/config` (default: `core.remote`). */
  remoteName?: string;
  /** DVC_REMOTE_URL: use this remote instead of any in `.dvc/config` (a remote url or an absolute folder). */
  remoteUrl?: string;
  /** DVC_REMOTE_<OPTION>: option (lower case, as in `.dvc/config`) → value; checked against the remote's kind. */
  options?: Record<string, string>;
  /** The SDKs' own variables, used only where the remote's options leave a gap (as DVC's plugins do). */
  sdkEnvironment?: SdkEnvironment;
}

/** The SDKs' own variables, as the settings read them. */
export type { SdkEnvironment };

/** Per-request limits of a network remote (DVC's `timeout` options are in seconds). */
export interface NetworkLimits {
  /** One request (or connection attempt) longer than this fails, and is retried. */
  timeoutMs: number;
  /** Tries per operation on a transient error (network, 5xx, throttling), with exponential backoff. */
  attempts: number;
}

export interface LocalRemoteSpec {
  kind: 'local';
  /** Remote name in `.dvc/config`, or undefined for DVC_REMOTE_URL. */
  name?: string;
  /** Absolute folder: objects go to `<path>/files/md5/…`. */
  path: string;
}

export interface S3RemoteSpec extends NetworkLimits {
  kind: 's3';
  name?: string;
  bucket: string;
  /** Key prefix without leading or trailing `/` (may be empty). */
  prefix: string;
  endpoint?: string;
  region?: string;
  /** Static keys; absent → the profile or the AWS default credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  profile?: string;
  /** `use_ssl = false` without an endpoint: plain http to AWS. */
  useSsl: boolean;
  /** `ssl_verify = false` accepts any certificate; a string is a CA bundle path. */
  sslVerify: boolean | string;
  sse?: string;
  sseKmsKeyId?: string;
  acl?: string;
}

export interface GcsRemoteSpec extends NetworkLimits {
  kind: 'gs';
  name?: string;
  bucket: string;
  /** Object name prefix without leading or trailing `/` (may be empty). */
  prefix: string;
  /** `endpointurl`: another server speaking the GCS JSON API (an emulator); no Google sign-in then. */
  endpoint?: string;
  projectId?: string;
  /** `credentialpath` or GOOGLE_APPLICATION_CREDENTIALS; absent → Application Default Credentials. */
  keyFilename?: string;
}

export type AzureCredentials =
  | { kind: 'connection_string'; connectionString: string }
  | { kind: 'account_key'; accountName: string; accountKey: string }
  | { kind: 'sas_token'; accountName: string; sasToken: string };

export interface AzureRemoteSpec extends NetworkLimits {
  kind: 'azure';
  name?: string;
  container: string;
  /** Blob name prefix without leading or trailing `/` (may be empty). */
  prefix: string;
  credentials: AzureCredentials;
}

export interface SshRemoteSpec extends NetworkLimits {
  kind: 'ssh';
  name?: string;
  host: string;
  port: number;
  user: string;
  /** Absolute path on the server: objects go to `<path>/files/md5/…`. */
  path: string;
  password?: string;
  /** Private key file (`keyfile`), with its `passphrase` if it has one. */
  keyFile?: string;
  passphrase?: string;
  /** OpenSSH known_hosts file the server's host key must be in. */
  knownHosts: string;
  /** Requests in flight at once on the connection (`max_sessions` bounds it, as in dvc-ssh). */
  parallelism: number;
}

export type RemoteSpec = LocalRemoteSpec | S3RemoteSpec | GcsRemoteSpec | AzureRemoteSpec | SshRemoteSpec;
