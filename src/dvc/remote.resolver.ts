import { isAbsolute, posix, resolve } from 'node:path';
import { DvcConfigError } from './dvc-config.error.js';
import type { DvcRepoConfig } from './dvc-config.parser.js';
import type { RemoteOverrides, RemoteSpec, S3RemoteSpec } from './remote-spec.types.js';

export interface ResolveRemoteInput {
  config: DvcRepoConfig;
  /** The dataset output's own `remote:` in its `.dvc` file. */
  outRemote?: string;
  overrides?: RemoteOverrides;
  /** Absolute path standing for the repository's `.dvc/` folder: a relative local url is relative to it. */
  dvcDir?: string;
}

const UNSUPPORTED = new Set([
  'gs',
  'gcs',
  'azure',
  'az',
  'gdrive',
  'ssh',
  'sftp',
  'hdfs',
  'webhdfs',
  'http',
  'https',
  'webdav',
  'webdavs',
  'oss',
]);

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
        `DVC_REMOTE_URL must be an s3:// url or an absolute folder, got '${overrides.remoteUrl}'`,
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
  options: Record<string, string>,
  overrides: RemoteOverrides,
  dvcDir: string | undefined,
  what: string,
): RemoteSpec {
  for (const key of ['version_aware', 'worktree']) {
    if (options[key]?.toLowerCase() === 'true') {
      throw new DvcConfigError(
        `${what} sets '${key} = true': cloud-versioned remotes use another layout that this service does not write. Use a remote without ${key}, or set DVC_REMOTE_URL.`,
      );
    }
  }
  const url = resolveLocalUrl(options.url, dvcDir, what);
  const scheme = /^(\w+):\/\/([^/]*)/.exec(url);
  // dvc config_schema `ByUrl`: no host part (a path, file:///x) means the local filesystem.
  if (!scheme || scheme[2] === '')
    return { kind: 'local', name, path: resolve(scheme ? url.slice(scheme[1].length + 3) || '/' : url) };
  const protocol = scheme[1].toLowerCase();
  if (protocol === 's3') return s3Spec(name, url, options, overrides, what);
  if (UNSUPPORTED.has(protocol)) {
    throw new DvcConfigError(
      `${what} uses ${protocol}://, which this service cannot push to (supported: s3:// and local folders). Add an S3 or local remote and select it with DVC_REMOTE, or set DVC_REMOTE_URL.`,
    );
  }
  throw new DvcConfigError(`${what} has a url with the unknown scheme ${protocol}://`);
}

function s3Spec(
  name: string | undefined,
  url: string,
  options: Record<string, string>,
  overrides: RemoteOverrides,
  what: string,
): S3RemoteSpec {
  const [bucket, ...rest] = url.slice('s3://'.length).split('/');
  const prefix = posix
    .normalize(rest.join('/') || '.')
    .replace(/^\.$/, '')
    .replace(/^\/+|\/+$/g, '');
  const accessKeyId = overrides.accessKeyId ?? options.access_key_id;
  const secretAccessKey = overrides.secretAccessKey ?? options.secret_access_key;
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
  };
  const endpoint = overrides.endpointUrl ?? options.endpointurl;
  if (endpoint) spec.endpoint = endpoint;
  const region = overrides.region ?? options.region;
  if (region) spec.region = region;
  if (accessKeyId && secretAccessKey) {
    spec.credentials = { accessKeyId, secretAccessKey };
    // A session token belongs to the keys it came with: not mixed with keys from DVC_REMOTE_*.
    if (options.session_token && !overrides.accessKeyId) spec.credentials.sessionToken = options.session_token;
  }
  if (options.profile) spec.profile = options.profile;
  if (options.sse) spec.sse = options.sse;
  if (options.sse_kms_key_id) spec.sseKmsKeyId = options.sse_kms_key_id;
  if (options.acl) spec.acl = options.acl;
  return spec;
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
