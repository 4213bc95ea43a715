/**
 * `auth`: credentials missing or refused. `not-found`: no repository (or branch) there. `unreachable`:
 * network. `protocol`: the server answered something that is not git. `invalid`: a bad request from us
 * (a path that cannot be in a git tree, a commit we do not have).
 */
export type GitRemoteErrorKind = 'auth' | 'not-found' | 'unreachable' | 'protocol' | 'invalid';

/** A git failure explained for an operator; the message never contains a credential. */
export class GitRemoteError extends Error {
  constructor(
    readonly kind: GitRemoteErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'GitRemoteError';
  }
}
