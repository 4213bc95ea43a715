import { setImmediate as nextTurn } from 'node:timers/promises';
import { compareCodePoints } from './code-point.order.js';
import { DvcFormatError } from './dvc-format.error.js';
import { isObjectId, md5Hex, md5HexYielding } from './md5.util.js';
import { pythonJsonString } from './python-json.encoder.js';

/** One file of a directory output, as listed in its `.dir` object. */
export interface DirEntry {
  /** POSIX path relative to the output directory. */
  relpath: string;
  md5: string;
}

export interface DirFile extends DirEntry {
  size: number;
}

/** A directory output: the `.dir` object to push and what the `.dvc` file records about it. */
export interface DirObject {
  /** `<md5 of content>.dir` */
  hash: string;
  content: Buffer;
  /** Sum of the file sizes (the `.dvc` `size`). */
  size: number;
  nfiles: number;
}

/**
 * Paths DVC never puts in a `.dir`: dvc/ignore.py `DvcIgnoreFilter` always ignores `.git` (file or folder,
 * at any depth), `.hg/` and `.dvc/`; and a `.dvcignore` inside the output would hide other files from
 * `dvc data status`. A `.dir` listing one of them never matches the workspace after `dvc pull`, so the
 * dataset builder must leave such files out.
 */
export function isIgnoredByDvc(relpath: string): boolean {
  return IGNORED.test(relpath);
}
/** A `.git` or `.dvcignore` segment anywhere, or a `.hg`/`.dvc` folder (a segment followed by more). */
const IGNORED = /(^|\/)(\.git|\.dvcignore)(\/|$)|(^|\/)\.(hg|dvc)\//;

/** Entries checked and encoded between two pauses of `DirListing.steps`. */
const ENTRIES_PER_STEP = 5000;
/**
 * Bytes `withChangesYielding` copies between two pauses: ~0.1 ms into a new buffer (page faults included), as a
 * slice of `md5HexYielding`; it looks after each range of at most ENTRIES_PER_COPY entries (~80 bytes each).
 */
const BYTES_PER_PAUSE = 128 * 1024;
const ENTRIES_PER_COPY = 1024;
/** Changes placed and encoded between two pauses of `withChangesYielding`. */
const CHANGES_PER_STEP = 500;

/** A change of one file of a listing: put (added or replaced) or deleted. */
export type DirChange = DirFile | { relpath: string; deleted: true };

/**
 * A directory's `.dir` listing, kept as the object itself: its bytes, where each entry starts in them, and the
 * relpaths (code-point order) and sizes. Built once from every file, it takes a flush's few changes in
 * O(changes · log n) plus a copy of the bytes around them (`withChanges`), where building it again costs a sort and
 * the encoding of every entry; the bytes are the same either way. The entries are ASCII (every other character is
 * escaped), so a character is a byte. Immutable: a flush that fails leaves the listing of the last push as it was.
 */
export class DirListing {
  private constructor(
    /** Code-point order, no duplicates. */
    private readonly relpaths: readonly string[],
    /** A typed array, not 100,000 JS numbers: copied per flush without garbage, and nothing for the GC to mark. */
    private readonly sizes: Float64Array,
    /** The `.dir` object: `[` entries joined by `, ` `]`. Never changed (`ObjectSource.hashed`). */
    readonly content: Buffer,
    /** Where entry i starts in `content`. */
    private readonly starts: Uint32Array,
    /** Sum of the sizes (the `.dvc` `size`). */
    readonly size: number,
  ) {}

  /**
   * The listing of these files: dvc-data `Tree.as_bytes()` = `json.dumps(sorted(entries, key=relpath),
   * sort_keys=True)`, encoded as UTF-8 (ASCII, as it is all escaped).
   */
  static of(files: readonly DirFile[]): DirListing {
    const steps = DirListing.steps(files);
    for (let step = steps.next(); ; step = steps.next()) if (step.done) return step.value;
  }

  /**
   * The same, built a slice of entries per turn of the event loop: for 100,000 files the listing takes long
   * enough to delay PUTs if built in one go (invariant 7).
   */
  static ofYielding(files: readonly DirFile[]): Promise<DirListing> {
    return yielding(DirListing.steps(files));
  }

  get nfiles(): number {
    return this.relpaths.length;
  }

  /**
   * This listing with `changes` applied, in order (a later change of a relpath overrides an earlier one), its bytes
   * copied a slice per turn of the event loop: at 100,000 files the copy into a new buffer is ~7 ms, in one go a
   * pause for the PUTs and for the file-system calls of the uploads that run meanwhile (`uploadAhead`).
   */
  withChangesYielding(changes: readonly DirChange[]): Promise<DirListing> {
    return yielding(this.changeSteps(changes));
  }

  private *changeSteps(changes: readonly DirChange[]): Generator<void, DirListing> {
    const last = new Map<string, DirChange>();
    for (const change of changes) last.set(change.relpath, change);
    const ordered = [...last.values()].sort((a, b) => compareCodePoints(a.relpath, b.relpath));
    // The new listing as pieces: ranges of this one's entries, kept as they are, and the new entries between them.
    const pieces: Array<{ from: number; to: number } | { relpath: string; entry: string; size: number }> = [];
    let size = this.size;
    let from = 0; // the next entry of this listing not yet in a piece
    for (const [i, change] of ordered.entries()) {
      if (i % CHANGES_PER_STEP === CHANGES_PER_STEP - 1) yield; // a flush of 6,000 objects: ~3 µs each
      const at = this.indexOf(change.relpath, from);
      if (at.index > from) pieces.push({ from, to: at.index });
      from = at.index;
      if (at.found) {
        size -= this.sizes[at.index];
        from++; // replaced or deleted: not kept
      }
      if ('deleted' in change) continue;
      pieces.push({ relpath: change.relpath, entry: encodeEntry(change), size: change.size });
      size += change.size;
    }
    if (this.relpaths.length > from) pieces.push({ from, to: this.relpaths.length });
    return yield* this.assembled(pieces, size);
  }

  /** The `.dir` object: its bytes, id and what the `.dvc` records. */
  toDirObject(): DirObject {
    const content = this.content;
    return { hash: `${md5Hex(content)}.dir`, content, size: this.size, nfiles: this.relpaths.length };
  }

  /** The same, its md5 computed a slice per turn of the event loop (`md5HexYielding`): PUTs go on meanwhile. */
  async toDirObjectYielding(): Promise<DirObject> {
    const content = this.content;
    return { hash: `${await md5HexYielding(content)}.dir`, content, size: this.size, nfiles: this.relpaths.length };
  }

  private *assembled(
    pieces: ReadonlyArray<{ from: number; to: number } | { relpath: string; entry: string; size: number }>,
    size: number,
  ): Generator<void, DirListing> {
    const count = pieces.reduce((sum, piece) => sum + ('entry' in piece ? 1 : piece.to - piece.from), 0);
    const bytes = pieces.reduce(
      (sum, piece) =>
        sum + ('entry' in piece ? piece.entry.length : this.endOf(piece.to - 1) - this.starts[piece.from]),
      0,
    );
    // A range's bytes hold the `, ` between its own entries; one more between two pieces, and the brackets.
    const content = Buffer.allocUnsafe(bytes + 2 * Math.max(pieces.length - 1, 0) + 2);
    const starts = new Uint32Array(count);
    // One concat of the pieces: `new Array(n)` with n ≥ 100,000 gets dictionary elements in V8 (a hash table, ~7 MB
    // of heap at 100,000 entries and slow to fill), and `push` grows the array by copies.
    const relpaths = ([] as string[]).concat(
      ...pieces.map((piece) => ('entry' in piece ? piece.relpath : this.relpaths.slice(piece.from, piece.to))),
    );
    const sizes = new Float64Array(count);
    let at = content.write('[', 0, 'latin1');
    let paused = at; // where the copy last paused
    let k = 0;
    // Plain indexed copies: at 100,000 entries a destructuring assignment per entry (a temporary array each) was
    // ~20 ms of an incremental flush and most of its garbage (bench/results/incr-ratio.md).
    for (const piece of pieces) {
      if (k > 0) at += content.write(', ', at, 'latin1');
      if ('entry' in piece) {
        starts[k] = at;
        sizes[k] = piece.size;
        at += content.write(piece.entry, at, 'latin1');
        k++;
        continue;
      }
      // A range a slice at a time; a slice that the range goes on after takes the `, ` that follows it along.
      for (let from = piece.from; from < piece.to; from += ENTRIES_PER_COPY) {
        const to = Math.min(from + ENTRIES_PER_COPY, piece.to);
        const shift = at - this.starts[from];
        sizes.set(this.sizes.subarray(from, to), k);
        for (let i = from; i < to; i++, k++) starts[k] = this.starts[i] + shift;
        at += this.content.copy(content, at, this.starts[from], to < piece.to ? this.starts[to] : this.endOf(to - 1));
        if (at - paused >= BYTES_PER_PAUSE) {
          yield;
          paused = at;
        }
      }
    }
    content.write(']', at, 'latin1');
    return new DirListing(relpaths, sizes, content, starts, size);
  }

  /** Where entry i ends in `content` (before the `, ` or `]` that follows it). */
  private endOf(i: number): number {
    return i + 1 < this.relpaths.length ? this.starts[i + 1] - 2 : this.content.length - 1;
  }

  /** The listing of every file, pausing (`yield`) every ENTRIES_PER_STEP entries. */
  private static *steps(files: readonly DirFile[]): Generator<void, DirListing> {
    const sorted = [...files].sort((a, b) => compareCodePoints(a.relpath, b.relpath));
    yield;
    const entries = new Array<string>(sorted.length);
    const starts = new Uint32Array(sorted.length);
    let size = 0;
    for (let i = 0, at = 1; i < sorted.length; i++) {
      const file = sorted[i];
      entries[i] = encodeEntry(file);
      if (i > 0 && sorted[i - 1].relpath === file.relpath)
        throw new DvcFormatError(`'${file.relpath}' is listed twice`);
      starts[i] = at;
      at += entries[i].length + 2; // ASCII: a character is a byte; then ", "
      size += file.size;
      if (i % ENTRIES_PER_STEP === ENTRIES_PER_STEP - 1) yield;
    }
    const content = Buffer.from(`[${entries.join(', ')}]`, 'latin1');
    const relpaths = sorted.map((file) => file.relpath);
    const sizes = Float64Array.from(sorted, (file) => file.size);
    return new DirListing(relpaths, sizes, content, starts, size);
  }

  /** Where `relpath` is, or would be inserted, searching from `from` on (binary search). */
  private indexOf(relpath: string, from: number): { index: number; found: boolean } {
    let [low, high] = [from, this.relpaths.length];
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (compareCodePoints(this.relpaths[mid], relpath) < 0) low = mid + 1;
      else high = mid;
    }
    return { index: low, found: low < this.relpaths.length && this.relpaths[low] === relpath };
  }
}

/** One entry of a `.dir`, checked: sort_keys=True puts "md5" before "relpath"; separators are Python's ", " and ": ". */
function encodeEntry(file: DirEntry): string {
  assertRelpath(file.relpath);
  if (!isObjectId(file.md5) || file.md5.endsWith('.dir'))
    throw new DvcFormatError(`'${file.relpath}': md5 '${file.md5}' is not 32 lowercase hex digits`);
  return `{"md5": ${pythonJsonString(file.md5)}, "relpath": ${pythonJsonString(file.relpath)}}`;
}

/** Reads a `.dir` object (ours or one written by DVC, possibly with extra keys per entry). */
export function parseDirObject(content: Buffer | string, expectedHash?: string): DirEntry[] {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  // DVC deletes a .dir whose bytes do not match its name (docs/dvc-format.md): never trust one either.
  if (expectedHash !== undefined && `${md5Hex(bytes)}.dir` !== expectedHash) {
    throw new DvcFormatError(`.dir object ${expectedHash} does not match its content (md5 ${md5Hex(bytes)})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (cause) {
    throw new DvcFormatError('.dir object is not JSON', { cause });
  }
  if (!Array.isArray(raw)) throw new DvcFormatError('.dir object is not a JSON list');
  return raw.map((item: unknown) => {
    const entry = item as Record<string, unknown>;
    if (typeof entry?.relpath !== 'string' || typeof entry.md5 !== 'string' || !isObjectId(entry.md5)) {
      throw new DvcFormatError(`.dir object has an invalid entry: ${JSON.stringify(item)}`);
    }
    return { relpath: entry.relpath, md5: entry.md5 };
  });
}

/** An empty, `.` or `..` segment (a leading or trailing `/` makes an empty one), or a NUL. */
const NOT_A_FILE_PATH = /(^|\/)\.{0,2}(\/|$)|\0/;

/** What DVC can check out: a relative POSIX path of non-empty, non-dot segments. */
function assertRelpath(relpath: string): void {
  if (relpath === '' || NOT_A_FILE_PATH.test(relpath)) {
    throw new DvcFormatError(`'${relpath}' is not a relative file path inside the output`);
  }
  if (isIgnoredByDvc(relpath))
    throw new DvcFormatError(`'${relpath}' is inside a directory DVC always ignores (.git, .hg, .dvc, .dvcignore)`);
}

/** Runs `steps` to its end, a turn of the event loop between two steps. */
async function yielding<T>(steps: Generator<void, T>): Promise<T> {
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done) return step.value;
    await nextTurn();
  }
}
