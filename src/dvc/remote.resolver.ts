import { isAbsolute, posix, resolve } from 'node:path';
import { DvcConfigError } from './dvc-config.error.js';
import type { DvcRepoConfig } from './dvc-config.parser.js';
import { withoutUserInfo } from '../git/remote-url.util.js';
import { homedir, userInfo } from 'node:os';
import { OPTION_ALIASES, REMOTE_OPTIONS, unknownOptions, type RemoteKind } from './remote-options.table.js';
import type {
  AzureCredentials,
  AzureRemoteSpec,
  GcsRemoteSpec,
  NetworkLimits,
  RemoteOverrides,
  RemoteSpec,
  S3RemoteSpec,
  SdkEnvironment,
  SshRemoteSpec,
} from './remote-spec.types.js';

export interface ResolveRemoteInput {
  config: DvcRepoConfig;
  /** The dataset output's own `remote:` in its `.dvc` file. */
  outRemote?: string;
  overrides?: RemoteOverrides;
  /** Absolute path standing for the repository's `.dvc/` folder: a relative local url is relative to it. */
  dvcDir?: string;
}

/** Schemes DVC knows that this service cannot write (yet): refused with what to do instead. */
const UNSUPPORTED = new Set(['gdrive', 'hdfs', 'webhdfs', 'http', 'https', 'webdav', 'webdavs', 'oss']);
/** DVC's scheme → our kind (dvc-gs also registers gcs://, dvc-azure az://, dvc-ssh sftp:// is not DVC's). */
const KINDS: Readonly<Record<string, Exclude<RemoteKind, 'local'>>> = {
  s3: 's3',
  gs: 'gs',
  gcs: 'gs',
  azure: 'azure',
  az: 'azure',
  ssh: 'ssh',
};
/** Per-request timeout and tries when the remote's options do not say. */
const DEFAULT_TIMEOUT_S = 60;
const DEFAULT_ATTEMPTS = 4;

/**
 * Which remote to push to, following DVC (dvc/data_cloud.py `get_remote`, dvc/repo/index.py
 * `_load_storage_from_out`): the output's own `remote:`, else `core.remote`; `remote://name/sub` expanded
 * (dvc/fs `_resolve_remote_refs`). DVC_REMOTE_URL replaces the remote; DVC_REMOTE picks another one by
 * name; the other DVC_REMOTE_* settings override that remote's options.
 */
export function resolveRemote(input: ResolveRemoteInput): RemoteSpec {
  const overrides = input.overrides ?? {};
  if (overrides.remoteUrl) {
    if (!/^\w+:\/\//.test(overrides.remoteUrl) && !isAbsolute(overrides.remoteUrl)) {
      throw new DvcConfigError(
        `DVC_REMOTE_URL must be a remote url (s3://, gs://, azure://, ssh://) or an absolute folder, got '${overrides.remoteUrl}'`,
      );
    }
    return toSpec(undefined, { url: overrides.remoteUrl }, overrides, undefined, 'DVC_REMOTE_URL');
  }
  const { name, from } = chooseName(input.config, input.outRemote, overrides.remoteName);
  const options = expandRefs(input.config, name, from, input.dvcDir, []);
  return toSpec(name, options, overrides, input.dvcDir, `remote '${name}'`);
}

function chooseName(
  config: DvcRepoConfig,
  outRemote: string | undefined,
  envRemote: string | undefined,
): { name: string; from: string } {
  // `dvc pull` reads an output that names its remote from that remote only; pushing elsewhere would lose the data for the team.
  if (outRemote && envRemote && outRemote.toLowerCase() !== envRemote.toLowerCase()) {
    throw new DvcConfigError(
      `the dataset's .dvc file sets 'remote: ${outRemote}' but DVC_REMOTE=${envRemote}: teammates' 'dvc pull' would look in '${outRemote}'. Unset DVC_REMOTE or change the output's remote.`,
    );
  }
  if (outRemote) return { name: outRemote.toLowerCase(), from: "the output's 'remote:' in its .dvc file" };
  if (envRemote) return { name: envRemote.toLowerCase(), from: 'DVC_REMOTE' };
  if (config.core.remote) return { name: config.core.remote.toLowerCase(), from: 'core.remote in .dvc/config' };
  const known = Object.keys(config.remotes);
  throw new DvcConfigError(
    known.length > 0
      ? `no default DVC remote: .dvc/config defines ${known.map((n) => `'${n}'`).join(', ')} but no core.remote. Run 'dvc remote default <name>' in the repository, or set DVC_REMOTE.`
      : "no DVC remote: .dvc/config has none. Run 'dvc remote add -d storage <url>' in the repository, or set DVC_REMOTE_URL.",
  );
}

function expandRefs(
  config: DvcRepoConfig,
  name: string,
  from: string,
  dvcDir: string | undefined,
  seen: string[],
): Record<string, string> {
  if (seen.includes(name))
    throw new DvcConfigError(`remote '${name}' refers to itself through remote:// (${[...seen, name].join(' → ')})`);
  const options = config.remotes[name];
  if (!options)
    throw new DvcConfigError(`remote '${name}' (from ${from}) is not defined in .dvc/config or .dvc/config.local`);
  if (!options.url) throw new DvcConfigError(`remote '${name}' has no url in .dvc/config`);
  const ref = /^remote:\/\/([^/]*)(\/.*)?$/.exec(options.url);
  if (!ref) return { ...options, url: resolveLocalUrl(options.url, dvcDir, `remote '${name}'`) };
  const base = expandRefs(config, ref[1].toLowerCase(), `the url of remote '${name}'`, dvcDir, [...seen, name]);
  const sub = (ref[2] ?? '').replace(/^\/+/, '');
  return { ...base, ...options, url: sub ? `${base.url.replace(/\/+$/, '')}/${sub}` : base.url };
}

/** dvc/config.py `Config._resolve`: a url without a scheme is a path, relative to the `.dvc/` folder. */
function resolveLocalUrl(url: string, dvcDir: string | undefined, what: string): string {
  if (/^\w+:\/\//.test(url) || isAbsolute(url)) return url;
  if (url.startsWith('~'))
    throw new DvcConfigError(
      `${what}: a url under the home folder (${url}) is not supported; set DVC_REMOTE_URL to an absolute folder`,
    );
  if (!dvcDir) {
    throw new DvcConfigError(
      `${what}: the relative url '${url}' is relative to a checkout's .dvc folder, which this service does not have; set DVC_REMOTE_URL to an absolute folder or s3:// url`,
    );
  }
  return resolve(dvcDir, url);
}

function toSpec(
  name: string | undefined,
  configOptions: Record<string, string>,
  overrides: RemoteOverrides,
  dvcDir: string | undefined,
  what: string,
): RemoteSpec {
  const url = resolveLocalUrl(configOptions.url, dvcDir, what);
  const scheme = /^(\w+):\/\/([^/]*)/.exec(url);
  const protocol = scheme?.[1].toLowerCase();
  // dvc config_schema `ByUrl`: no host part (a path, file:///x) means the local filesystem.
  const kind: RemoteKind | undefined = !scheme || scheme[2] === '' ? 'local' : KINDS[protocol!];
  if (!kind) {
    if (UNSUPPORTED.has(protocol!)) {
      throw new DvcConfigError(
        `${what} uses ${protocol}://, which this service cannot push to (supported: s3://, gs://, azure://, ssh:// and local folders). Add a supported remote and select it with DVC_REMOTE, or set DVC_REMOTE_URL.`,
      );
    }
    throw new DvcConfigError(`${what} has a url with the unknown scheme ${protocol}://`);
  }
  const envOptions = overrides.options ?? {};
  const unknown = unknownOptions(kind, Object.keys(envOptions));
  if (unknown.length > 0) {
    throw new DvcConfigError(
      `${unknown.map((o) => `DVC_REMOTE_${o.toUpperCase()}`).join(', ')}: not an option of ${kind === 'local' ? 'a local' : `${/^[aes]/.test(kind) ? 'an' : 'a'} ${kind}://`} remote (${what}). Valid: ${REMOTE_OPTIONS[
        kind
      ]
        .filter((o) => o !== 'url')
        .map((o) => `DVC_REMOTE_${o.toUpperCase()}`)
        .join(', ')}`,
    );
  }
  const fromEnv = Object.fromEntries(Object.entries(envOptions).map(([k, v]) => [OPTION_ALIASES[k] ?? k, v]));
  const options: Record<string, string> = { ...configOptions, ...fromEnv, url };
  for (const key of ['version_aware', 'worktree']) {
    if (options[key]?.toLowerCase() === 'true') {
      throw new DvcConfigError(
        `${what} sets '${key} = true': cloud-versioned remotes use another layout that this service does not write. Use a remote without ${key}, or set DVC_REMOTE_URL.`,
      );
    }
  }
  const context: SpecContext = { name, url, options, fromEnv, what, sdk: overrides.sdkEnvironment ?? {} };
  switch (kind) {
    case 'local':
      return { kind: 'local', name, path: resolve(scheme ? url.slice(scheme[1].length + 3) || '/' : url) };
    case 's3':
      return s3Spec(context);
    case 'gs':
      return gcsSpec(context);
    case 'azure':
      return azureSpec(context);
    case 'ssh':
      return sshSpec(context);
  }
}

interface SpecContext {
  name: string | undefined;
  url: string;
  /** `.dvc/config` (+ config.local) with the DVC_REMOTE_<OPTION> values on top. */
  options: Record<string, string>;
  /** Just the DVC_REMOTE_<OPTION> values. */
  fromEnv: Record<string, string>;
  what: string;
  sdk: SdkEnvironment;
}

/** `scheme://host/a/b/` → host and the path without leading or trailing `/` (normalized, may be empty). */
function bucketAndPrefix(url: string): [string, string] {
  const [bucket, ...rest] = url.replace(/^\w+:\/\//, '').split('/');
  const prefix = posix
    .normalize(rest.join('/') || '.')
    .replace(/^\.$/, '')
    .replace(/^\/+|\/+$/g, '');
  return [bucket, prefix];
}

function s3Spec({ name, url, options, fromEnv, what }: SpecContext): S3RemoteSpec {
  const [bucket, prefix] = bucketAndPrefix(url);
  const accessKeyId = options.access_key_id;
  const secretAccessKey = options.secret_access_key;
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    throw new DvcConfigError(
      `${what}: an access key id needs its secret access key (DVC_REMOTE_ACCESS_KEY_ID / DVC_REMOTE_SECRET_ACCESS_KEY, or access_key_id / secret_access_key in .dvc/config.local)`,
    );
  }
  const spec: S3RemoteSpec = {
    kind: 's3',
    name,
    bucket,
    prefix,
    useSsl: bool(options.use_ssl, true, what, 'use_ssl'),
    sslVerify: sslVerify(options.ssl_verify, what),
    // dvc-s3's `read_timeout`: how long one request may stay silent.
    ...limits(options, 'read_timeout', what),
  };
  if (options.endpointurl) spec.endpoint = options.endpointurl;
  if (options.region) spec.region = options.region;
  if (accessKeyId && secretAccessKey) {
    spec.credentials = { accessKeyId, secretAccessKey };
    // A session token belongs to the keys it came with: not mixed with keys from DVC_REMOTE_*.
    if (options.session_token && (!fromEnv.access_key_id || fromEnv.session_token))
      spec.credentials.sessionToken = options.session_token;
  }
  if (options.profile) spec.profile = options.profile;
  if (options.sse) spec.sse = options.sse;
  if (options.sse_kms_key_id) spec.sseKmsKeyId = options.sse_kms_key_id;
  if (options.acl) spec.acl = options.acl;
  return spec;
}

/** dvc-gs `_prepare_credentials`: `credentialpath`, else Google's default chain (GOOGLE_APPLICATION_CREDENTIALS first). */
function gcsSpec({ name, url, options, what, sdk }: SpecContext): GcsRemoteSpec {
  const [bucket, prefix] = bucketAndPrefix(url);
  const endpoint = options.endpointurl;
  if (endpoint && !/^https?:\/\/[^\s/]+/.test(endpoint))
    throw new DvcConfigError(`${what}: 'endpointurl' must be an http(s) url, got '${endpoint}'`);
  if (bool(options.allow_anonymous_login, false, what, 'allow_anonymous_login') && !endpoint) {
    throw new DvcConfigError(
      `${what} sets 'allow_anonymous_login = true': an anonymous client cannot write to Google Cloud Storage. Give the service a service account key (DVC_REMOTE_CREDENTIALPATH or GOOGLE_APPLICATION_CREDENTIALS).`,
    );
  }
  const spec: GcsRemoteSpec = { kind: 'gs', name, bucket, prefix, ...limits(options, 'timeout', what) };
  if (endpoint) spec.endpoint = endpoint.replace(/\/+$/, '');
  if (options.projectname) spec.projectId = options.projectname;
  const keyFilename = options.credentialpath ?? sdk.googleApplicationCredentials;
  if (keyFilename) spec.keyFilename = keyFilename;
  return spec;
}

/**
 * dvc-azure `_prepare_credentials` + `_login_method`: the remote's options first, then the Azure CLI's `[storage]`
 * settings, which come from AZURE_STORAGE_CONNECTION_STRING / _ACCOUNT / _KEY / _SAS_TOKEN.
 */
function azureSpec({ name, url, options, what, sdk }: SpecContext): AzureRemoteSpec {
  const [container, prefix] = bucketAndPrefix(url);
  const connectionString = options.connection_string ?? sdk.azureStorageConnectionString;
  const accountName = options.account_name ?? sdk.azureStorageAccount;
  const accountKey = options.account_key ?? sdk.azureStorageKey;
  const sasToken = options.sas_token ?? sdk.azureStorageSasToken;
  let credentials: AzureCredentials;
  if (connectionString) credentials = { kind: 'connection_string', connectionString };
  else if (accountName && accountKey) credentials = { kind: 'account_key', accountName, accountKey };
  else if (accountName && sasToken)
    credentials = { kind: 'sas_token', accountName, sasToken: sasToken.replace(/^\?/, '') };
  else {
    const principal = options.tenant_id || options.client_id || options.client_secret;
    throw new DvcConfigError(
      `${what}: ${principal ? 'an Entra ID service principal (tenant_id/client_id/client_secret) is not supported by this service' : 'no credentials that can write'}: set DVC_REMOTE_CONNECTION_STRING (or AZURE_STORAGE_CONNECTION_STRING), or DVC_REMOTE_ACCOUNT_NAME with DVC_REMOTE_ACCOUNT_KEY or DVC_REMOTE_SAS_TOKEN`,
    );
  }
  // DVC's `timeout` is the connection's; one request is bounded by `read_timeout` when set.
  const timeoutKey = options.read_timeout ? 'read_timeout' : options.timeout ? 'timeout' : 'connection_timeout';
  return { kind: 'azure', name, container, prefix, credentials, ...limits(options, timeoutKey, what) };
}

/** dvc-ssh `_prepare_credentials`: user from the url or `user`, else the local user (as ssh does); port 22. */
function sshSpec({ name, url, options, what }: SpecContext): SshRemoteSpec {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DvcConfigError(
      `${what}: '${withoutUserInfo(url)}' is not a valid ssh:// url (ssh://[user@]host[:port]/absolute/path)`,
    );
  }
  if (parsed.password) throw new DvcConfigError(`${what}: put the password in DVC_REMOTE_PASSWORD, not in the url`);
  const path = posix.normalize(decodeURIComponent(parsed.pathname) || '/').replace(/(.)\/+$/, '$1');
  const port = integer(options.port ?? (parsed.port || '22'), what, 'port', 1, 65535);
  const user = options.user ?? (decodeURIComponent(parsed.username) || userInfo().username);
  if (!options.password && !options.keyfile) {
    throw new DvcConfigError(
      `${what}: no way to sign in to ${parsed.hostname}: set DVC_REMOTE_KEYFILE (a private key file) or DVC_REMOTE_PASSWORD`,
    );
  }
  const spec: SshRemoteSpec = {
    kind: 'ssh',
    name,
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    user,
    path,
    knownHosts: expandHome(options.known_hosts ?? '~/.ssh/known_hosts'),
    parallelism: options.max_sessions ? integer(options.max_sessions, what, 'max_sessions', 1, 64) : 8,
    ...limits(options, 'timeout', what),
  };
  if (options.password) spec.password = options.password;
  if (options.keyfile) spec.keyFile = expandHome(options.keyfile);
  if (options.passphrase) spec.passphrase = options.passphrase;
  return spec;
}

function limits(options: Record<string, string>, timeoutKey: string, what: string): NetworkLimits {
  const seconds = options[timeoutKey] ? integer(options[timeoutKey], what, timeoutKey, 1, 86_400) : DEFAULT_TIMEOUT_S;
  return { timeoutMs: seconds * 1000, attempts: DEFAULT_ATTEMPTS };
}

function integer(value: string, what: string, key: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max)
    throw new DvcConfigError(`${what}: '${key} = ${value}' must be a whole number from ${min} to ${max}`);
  return n;
}

/** dvc-ssh expands `~` in `keyfile` (os.path.expanduser); so do we, for the service's own home. */
function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path;
}

function bool(value: string | undefined, fallback: boolean, what: string, key: string): boolean {
  if (value === undefined) return fallback;
  if (/^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw new DvcConfigError(`${what}: '${key} = ${value}' must be true or false`);
}

function sslVerify(value: string | undefined, what: string): boolean | string {
  if (value === undefined || /^(true|false)$/i.test(value)) return bool(value, true, what, 'ssl_verify');
  return value; // a CA bundle path (dvc-s3: ssl_verify = <path>)
}
