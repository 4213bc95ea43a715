import { Transform, TransformCallback } from 'node:stream';
import type { AuthContext } from '../auth/sigv4.types.js';
import type { BodyPlan } from './body-plan.js';
import { BodyVerifier } from './body-verifier.js';

/**
 * Wire body in, object bytes out, every check run by a BodyVerifier. A failed check fails the stream in _transform
 * or _flush, i.e. before 'end', so a storage layer that renames only after a clean end never makes a bad object
 * visible.
 */
export class VerifyingBodyStream extends Transform {
  private readonly verifier: BodyVerifier;
  private verified: Record<string, string> = {};

  constructor(plan: BodyPlan, auth: AuthContext, maxSize: number) {
    super();
    this.verifier = new BodyVerifier(plan, auth, maxSize);
  }

  /** The checksums that were sent and matched, e.g. `{ crc32: 'base64' }`; complete once the stream has ended. */
  verifiedChecksums(): Record<string, string> {
    return { ...this.verified };
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      for (const piece of this.verifier.feed(chunk)) this.push(piece);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    this.verifier.finish().then((verified) => {
      this.verified = verified;
      callback();
    }, callback);
  }
}
