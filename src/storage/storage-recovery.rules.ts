/**
 * What the startup recovery does with a put intent the previous run left pending (storage-recovery.ts), from what
 * it finds on the disk. Pure: the I/O that observes the state and carries out the action is the caller's.
 *
 * Why no acknowledged put is ever undone (invariant 1; docs/architecture.md, "One PUT"; docs/reliability.md). A put
 * is acknowledged in one of two ways:
 * - A small body (durable-fs.ts SMALL_BODY) is journaled with its row, in the intent: the put is answered once the
 *   database's WAL is durable and its file renamed, before that file's fsync (local-storage.backend.ts `commit`).
 *   Whatever a cut leaves of the files, the intent holds the bytes: recovery writes them anew (`rewrite`) unless
 *   one of the two names holds them already.
 * - A larger one is answered once its row is durable, its temp file's bytes AND name are durable (the name: an
 *   fsync of tmp/ after the file was created, temp-files.ts), and the rename onto the key's path is done, but the
 *   fsync of that folder may still be running, so a power cut can lose the rename. Whatever the cut leaves, one of
 *   the two names holds the journaled bytes: the temp file (the rename lost: roll forward) or the key's path (the
 *   rename kept: done). "Neither" is only reachable by a put that was never acknowledged: its temp file's bytes or
 *   name were not durable yet, and no rename happened. A rename is one atomic change of the filesystem's metadata
 *   journal (ext4, XFS, btrfs): the file is under one of its two names, never none.
 */
export interface PutFound {
  /** The key's row is still the one this put journaled (a later put or delete of the key owns it otherwise). */
  ownsRow: boolean;
  /** The temp file is there and holds the journaled bytes (md5 and size). */
  tempHoldsBytes: boolean;
  /** The key's path holds the journaled bytes (md5 and size). */
  destHoldsBytes: boolean;
  /** The intent carries the bytes themselves (a small body). */
  bodyJournaled: boolean;
}

/**
 * - `leave`: a later change of the key owns the row and decides what the key holds; this one's temp file, if any,
 *   goes with the rest of tmp/.
 * - `roll-forward`: rename the temp file onto the key's path and fsync that folder.
 * - `keep`: the key's path holds the journaled bytes already.
 * - `rewrite`: write the intent's bytes to a new file, fsync it, rename it onto the key's path and fsync that folder.
 * - `undo`: the row, journal entry and intent return to what they were before the put (never acknowledged).
 */
export type PutRecovery = 'leave' | 'roll-forward' | 'keep' | 'rewrite' | 'undo';

export function putRecovery(found: PutFound): PutRecovery {
  if (!found.ownsRow) return 'leave';
  // Whatever the key's path holds: the temp file holding the bytes means the rename did not survive, or not whole.
  if (found.tempHoldsBytes) return 'roll-forward';
  if (found.destHoldsBytes) return 'keep';
  return found.bodyJournaled ? 'rewrite' : 'undo';
}
