import { Module } from '@nestjs/common';
import { DvcRemoteFactory } from './dvc-remote.factory.js';
import { DvcRemotes } from './dvc-remotes.port.js';

/**
 * Native DVC 3 (no Python): the formats and the push order are pure functions imported directly (dir-object.codec,
 * dvc-file.reader/writer, gitignore.updater, dataset.pusher); this module provides the remote port, which depends
 * on the branch's `.dvc/config` and the DVC_REMOTE* settings (global `dvcConfig` namespace).
 */
@Module({
  providers: [{ provide: DvcRemotes, useClass: DvcRemoteFactory }],
  exports: [DvcRemotes],
})
export class DvcModule {}
