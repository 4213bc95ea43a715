import type { ProjectDvcSettings } from '../config/project.settings.js';
import { DvcRemote } from './dvc.remote.js';
import { parseDvcConfig } from './dvc-config.parser.js';
import { DvcRemotes, type RepoDvcSettings } from './dvc-remotes.port.js';
import { LocalDvcRemote } from './local.dvc-remote.js';
import type { RemoteSpec } from './remote-spec.types.js';
import { resolveRemote } from './remote.resolver.js';
import { S3DvcRemote } from './s3.dvc-remote.js';
import { AzureDvcRemote } from './azure.dvc-remote.js';
import { GcsDvcRemote } from './gcs.dvc-remote.js';
import { SshDvcRemote } from './ssh.dvc-remote.js';

/** The remote a resolved spec names: the one place that knows the remote kinds. */
export function createDvcRemote(spec: RemoteSpec): DvcRemote {
  switch (spec.kind) {
    case 'local':
      return new LocalDvcRemote(spec.path, spec.name);
    case 's3':
      return new S3DvcRemote(spec);
    case 'gs':
      return new GcsDvcRemote(spec);
    case 'azure':
      return new AzureDvcRemote(spec);
    case 'ssh':
      return new SshDvcRemote(spec);
  }
}

/**
 * Builds the DVC remote to push to from the repository's settings and the project's DVC_REMOTE* overrides (one
 * factory per project). Reuses the
 * remote (and its connections) while the resolved settings stay the same.
 */
export class DvcRemoteFactory extends DvcRemotes {
  private current?: { key: string; remote: DvcRemote };

  constructor(private readonly settings: Omit<ProjectDvcSettings, 'datasetPath'>) {
    super();
  }

  /** Which remote and options; throws DvcConfigError (naming the setting to change) when unusable. */
  resolve(repo: RepoDvcSettings): RemoteSpec {
    const { remoteName, remoteUrl, remoteOptions, sdkEnvironment } = this.settings;
    return resolveRemote({
      config: parseDvcConfig({ config: repo.config, configLocal: repo.configLocal }),
      outRemote: repo.outRemote,
      overrides: { remoteName, remoteUrl, options: remoteOptions, sdkEnvironment },
      dvcDir: repo.dvcDir,
    });
  }

  forRepository(repo: RepoDvcSettings): DvcRemote {
    const spec = this.resolve(repo);
    const key = JSON.stringify(spec);
    if (this.current?.key === key) return this.current.remote;
    this.close();
    const remote = createDvcRemote(spec);
    this.current = { key, remote };
    return remote;
  }

  close(): void {
    this.current?.remote.close();
    this.current = undefined;
  }
}
