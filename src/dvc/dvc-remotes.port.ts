import type { DvcRemote } from './dvc.remote.js';

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
 * Where a repository's data goes (DI token): the remote its DVC settings name, with the service's credentials.
 * Throws DvcConfigError (naming the setting to change) when the settings cannot work. Tests of other modules
 * provide `FixedDvcRemotes` (test/fakes) instead.
 */
export abstract class DvcRemotes {
  abstract forRepository(repo: RepoDvcSettings): DvcRemote;
}
