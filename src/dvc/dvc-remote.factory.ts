import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { dvcConfig } from '../config/configuration.js';
import { DvcRemote } from './dvc.remote.js';
import { parseDvcConfig } from './dvc-config.parser.js';
import { DvcRemotes, type RepoDvcSettings } from './dvc-remotes.port.js';
import { LocalDvcRemote } from './local.dvc-remote.js';
import type { RemoteSpec } from './remote-spec.types.js';
import { resolveRemote } from './remote.resolver.js';
import { S3DvcRemote } from './s3.dvc-remote.js';

/** The remote a resolved spec names: the one place that knows the remote kinds. */
export function createDvcRemote(spec: RemoteSpec, options: { timeoutMs?: number } = {}): DvcRemote {
  return spec.kind === 'local' ? new LocalDvcRemote(spec.path, spec.name) : new S3DvcRemote(spec, options.timeoutMs);
}

/**
 * Builds the DVC remote to push to from the repository's settings and the DVC_REMOTE* overrides. Reuses the
 * remote (and its connections) while the resolved settings stay the same.
 */
@Injectable()
export class DvcRemoteFactory extends DvcRemotes implements OnModuleDestroy {
  private current?: { key: string; remote: DvcRemote };

  constructor(@Inject(dvcConfig.KEY) private readonly settings: ConfigType<typeof dvcConfig>) {
    super();
  }

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

  forRepository(repo: RepoDvcSettings): DvcRemote {
    const spec = this.resolve(repo);
    const key = JSON.stringify(spec);
    if (this.current?.key === key) return this.current.remote;
    this.onModuleDestroy();
    const remote = createDvcRemote(spec, { timeoutMs: this.settings.timeoutMs });
    this.current = { key, remote };
    return remote;
  }

  onModuleDestroy(): void {
    this.current?.remote.close();
    this.current = undefined;
  }
}
