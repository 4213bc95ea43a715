import type { DvcRemote } from '../../src/dvc/dvc.remote.js';
import { DvcRemotes } from '../../src/dvc/dvc-remotes.port.js';

/** The DvcRemotes port for tests of other modules: every repository pushes to the one remote given. */
export class FixedDvcRemotes extends DvcRemotes {
  constructor(private readonly remote: DvcRemote) {
    super();
  }

  forRepository(): DvcRemote {
    return this.remote;
  }
}
