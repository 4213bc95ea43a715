/** The DVC_REMOTE* settings (config namespace `dvcConfig`): they win over the repository's `.dvc/config`. */
export interface RemoteOverrides {
  /** DVC_REMOTE: which remote of `.dvc/config` (default: `core.remote`). */
  remoteName?: string;
  /** DVC_REMOTE_URL: use this remote instead of any in `.dvc/config` (`s3://bucket/prefix` or an absolute folder). */
  remoteUrl?: string;
  endpointUrl?: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
}

export interface LocalRemoteSpec {
  kind: 'local';
  /** Remote name in `.dvc/config`, or undefined for DVC_REMOTE_URL. */
  name?: string;
  /** Absolute folder: objects go to `<path>/files/md5/…`. */
  path: string;
}

export interface S3RemoteSpec {
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

export type RemoteSpec = LocalRemoteSpec | S3RemoteSpec;
