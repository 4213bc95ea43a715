/** Some objects could not be uploaded; the `.dir` object was then not uploaded either. */
export class DvcPushError extends Error {
  constructor(
    message: string,
    readonly failed: { hash: string; error: Error }[],
  ) {
    super(message, { cause: failed[0]?.error });
    this.name = 'DvcPushError';
  }
}
