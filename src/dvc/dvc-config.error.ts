/**
 * The repository's DVC configuration (or the DVC_REMOTE* settings) cannot be used: the message names the
 * setting and what to do. It never contains a secret value.
 */
export class DvcConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DvcConfigError';
  }
}
