import { setImmediate as nextTurn } from 'node:timers/promises';
import { compareCodePoints } from './code-point.order.js';
import { DvcFormatError } from './dvc-format.error.js';
import { isObjectId, md5Hex } from './md5.util.js';
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

/**
 * The `.dir` object DVC 3 would write for these files: dvc-data `Tree.as_bytes()` =
 * `json.dumps(sorted(entries, key=relpath), sort_keys=True)`, encoded as UTF-8 (ASCII, as it is all escaped).
 */
export function buildDirObject(files: readonly DirFile[]): DirObject {
  const steps = dirObjectSteps(files);
  for (let step = steps.next(); ; step = steps.next()) if (step.done) return step.value;
}

/**
 * The same `.dir`, built a slice of entries per turn of the event loop: for 100,000 files the listing takes long
 * enough to delay PUTs if built in one go (invariant 7).
 */
export async function buildDirObjectYielding(files: readonly DirFile[]): Promise<DirObject> {
  const steps = dirObjectSteps(files);
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done) return step.value;
    await nextTurn();
  }
}

/** Entries checked and encoded between two pauses of `dirObjectSteps`. */
const ENTRIES_PER_STEP = 5000;

/** The one encoding of a `.dir`, pausing (`yield`) every ENTRIES_PER_STEP entries. */
function* dirObjectSteps(files: readonly DirFile[]): Generator<void, DirObject> {
  const sorted = [...files].sort((a, b) => compareCodePoints(a.relpath, b.relpath));
  yield;
  // sort_keys=True puts "md5" before "relpath"; separators are Python's defaults ", " and ": ".
  const items: string[] = new Array<string>(sorted.length);
  let size = 0;
  for (let i = 0; i < sorted.length; i++) {
    const file = sorted[i];
    assertRelpath(file.relpath);
    if (!isObjectId(file.md5) || file.md5.endsWith('.dir'))
      throw new DvcFormatError(`'${file.relpath}': md5 '${file.md5}' is not 32 lowercase hex digits`);
    if (i > 0 && sorted[i - 1].relpath === file.relpath) throw new DvcFormatError(`'${file.relpath}' is listed twice`);
    items[i] = `{"md5": ${pythonJsonString(file.md5)}, "relpath": ${pythonJsonString(file.relpath)}}`;
    size += file.size;
    if (i % ENTRIES_PER_STEP === ENTRIES_PER_STEP - 1) yield;
  }
  const content = Buffer.from(`[${items.join(', ')}]`, 'utf8');
  return { hash: `${md5Hex(content)}.dir`, content, size, nfiles: sorted.length };
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
