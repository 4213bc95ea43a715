/** The remote kinds this service pushes to (the URL scheme decides, as in DVC's config schema `ByUrl`). */
export type RemoteKind = 'local' | 's3' | 'gs' | 'azure' | 'ssh';

// dvc/config_schema.py REMOTE_COMMON: options every remote accepts.
const COMMON = ['url', 'checksum_jobs', 'jobs', 'worktree', 'no_traverse', 'version_aware'];

/**
 * The options DVC 3 accepts in a `['remote "name"']` section, per kind (dvc/config_schema.py `SCHEMA["remote"]`),
 * plus `known_hosts` for ssh, which is ours: dvc-ssh does not check host keys, this service does. An option
 * outside its kind's list, given as DVC_REMOTE_<OPTION>, is refused at startup with this list.
 */
export const REMOTE_OPTIONS: Readonly<Record<RemoteKind, readonly string[]>> = {
  local: [...COMMON, 'type', 'protected', 'shared', 'slow_link_warning', 'verify'],
  s3: [
    ...COMMON,
    'region',
    'profile',
    'credentialpath',
    'configpath',
    'endpointurl',
    'access_key_id',
    'secret_access_key',
    'session_token',
    'listobjects',
    'use_ssl',
    'allow_anonymous_login',
    'ssl_verify',
    'sse',
    'sse_kms_key_id',
    'sse_customer_algorithm',
    'sse_customer_key',
    'acl',
    'grant_read',
    'grant_read_acp',
    'grant_write_acp',
    'grant_full_control',
    'cache_regions',
    'read_timeout',
    'connect_timeout',
    'verify',
  ],
  gs: [...COMMON, 'projectname', 'credentialpath', 'endpointurl', 'verify', 'allow_anonymous_login'],
  azure: [
    ...COMMON,
    'connection_string',
    'sas_token',
    'account_name',
    'account_key',
    'tenant_id',
    'client_id',
    'client_secret',
    'allow_anonymous_login',
    'exclude_environment_credential',
    'exclude_visual_studio_code_credential',
    'exclude_shared_token_cache_credential',
    'exclude_managed_identity_credential',
    'verify',
    'timeout',
    'read_timeout',
    'connection_timeout',
  ],
  ssh: [
    ...COMMON,
    'type',
    'port',
    'user',
    'password',
    'ask_password',
    'passphrase',
    'ask_passphrase',
    'keyfile',
    'timeout',
    'gss_auth',
    'allow_agent',
    'max_sessions',
    'verify',
    'known_hosts',
  ],
};

/**
 * Environment spellings kept for compatibility: DVC_REMOTE_ENDPOINT_URL was documented before the generic
 * DVC_REMOTE_<OPTION> (DVC's own option is `endpointurl`).
 */
export const OPTION_ALIASES: Readonly<Record<string, string>> = { endpoint_url: 'endpointurl' };

/** The options of `kind` that `given` names but the kind does not have (after aliases), sorted. */
export function unknownOptions(kind: RemoteKind, given: readonly string[]): string[] {
  const valid = new Set(REMOTE_OPTIONS[kind]);
  return given.filter((option) => !valid.has(OPTION_ALIASES[option] ?? option)).sort();
}
