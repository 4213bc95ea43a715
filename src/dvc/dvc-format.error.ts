/** A DVC file (`.dvc`, `.dir` object, `.gitignore` entry) that cannot be read or written as DVC 3 expects. */
export class DvcFormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DvcFormatError';
  }
}
