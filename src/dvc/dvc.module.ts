import { Module } from '@nestjs/common';
import { DvcRemoteFactory } from './dvc-remote.factory.js';

/**
 * Native DVC 3 (no Python): the formats are pure functions imported directly (dir-object.codec,
 * dvc-file.reader/writer, gitignore.updater, object.pusher); this module provides the remote, which
 * depends on the branch's `.dvc/config` and the DVC_REMOTE* settings (global `dvcConfig` namespace).
 */
@Module({
  providers: [DvcRemoteFactory],
  exports: [DvcRemoteFactory],
})
export class DvcModule {}
