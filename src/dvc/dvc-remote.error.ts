/** A DVC remote refused or failed an operation. The message names the remote (never its secrets) and the object. */
export class DvcRemoteError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DvcRemoteError';
  }
}
