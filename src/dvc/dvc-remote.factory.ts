import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { dvcConfig } from '../config/configuration.js';
import { DvcRemote } from './dvc.remote.js';
import { parseDvcConfig } from './dvc-config.parser.js';
import { LocalDvcRemote } from './local.dvc-remote.js';
import type { RemoteSpec } from './remote-spec.types.js';
import { resolveRemote } from './remote.resolver.js';
import { S3DvcRemote } from './s3.dvc-remote.js';

/** The repository's DVC settings as read from the branch (not from a work tree: the service has none). */
export interface RepoDvcSettings {
  /** `.dvc/config` at the branch tip; undefined when the file is absent. */
  config?: string;
  /** `.dvc/config.local` if the operator provides one (it is git-ignored, so never on the branch). */
  configLocal?: string;
  /** The dataset output's own `remote:` from its `.dvc` file. */
  outRemote?: string;
  /** Absolute folder standing for `.dvc/`, for a remote with a relative local url. */
  dvcDir?: string;
}

/**
 * Builds the DVC remote to push to from the repository's settings and the DVC_REMOTE* overrides. Reuses the
 * remote (and its HTTP connections) while the resolved settings stay the same.
 * Tests of other modules replace it with `{ provide: DvcRemoteFactory, useValue: { create: () => new InMemoryDvcRemote() } }`.
 */
@Injectable()
export class DvcRemoteFactory implements OnModuleDestroy {
  private current?: { key: string; remote: DvcRemote };

  constructor(@Inject(dvcConfig.KEY) private readonly settings: ConfigType<typeof dvcConfig>) {}

  /** Which remote and options; throws DvcConfigError (naming the setting to change) when unusable. */
  resolve(repo: RepoDvcSettings): RemoteSpec {
    const { remoteName, remoteUrl, endpointUrl, region, accessKeyId, secretAccessKey } = this.settings;
    return resolveRemote({
      config: parseDvcConfig({ config: repo.config, configLocal: repo.configLocal }),
      outRemote: repo.outRemote,
      overrides: { remoteName, remoteUrl, endpointUrl, region, accessKeyId, secretAccessKey },
      dvcDir: repo.dvcDir,
    });
  }

  create(repo: RepoDvcSettings): DvcRemote {
    const spec = this.resolve(repo);
    const key = JSON.stringify(spec);
    if (this.current?.key === key) return this.current.remote;
    this.onModuleDestroy();
    const remote = DvcRemoteFactory.fromSpec(spec);
    this.current = { key, remote };
    return remote;
  }

  static fromSpec(spec: RemoteSpec): DvcRemote {
    return spec.kind === 'local' ? new LocalDvcRemote(spec.path, spec.name) : new S3DvcRemote(spec);
  }

  onModuleDestroy(): void {
    if (this.current?.remote instanceof S3DvcRemote) this.current.remote.destroy();
    this.current = undefined;
  }
}
