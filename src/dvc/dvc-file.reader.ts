import { isMap, isScalar, isSeq, parseDocument, type Document, type YAMLMap } from 'yaml';
import { DvcFormatError } from './dvc-format.error.js';

/** What a `.dvc` file records about one output (other keys a user added are kept by the writer, not read here). */
export interface DvcOut {
  /** As written in the file, relative to the `.dvc` file's folder. */
  path: string;
  /** `<md5>` of a file, `<md5>.dir` of a directory; absent before the first `dvc add`/`dvc commit`. */
  md5?: string;
  size?: number;
  nfiles?: number;
  /** `md5` for DVC 3; absent on files written by DVC 2 (legacy CRLF-normalised hashes, other remote layout). */
  hash?: string;
  /** The output's own remote (overrides `core.remote`). */
  remote?: string;
}

/**
 * Parses with the failsafe schema: every scalar stays the exact string written, so a value such as `017`
 * or `2001-12-14` in a user's `meta` survives a rewrite unchanged (see dvc-file.writer.ts).
 */
export function parseDvcYaml(text: string): Document.Parsed {
  const doc = parseDocument(text, { schema: 'failsafe', prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) throw new DvcFormatError(`.dvc file is not valid YAML: ${doc.errors[0].message}`);
  if (doc.contents !== null && !isMap(doc.contents)) throw new DvcFormatError('.dvc file is not a YAML mapping');
  return doc;
}

export function readDvcFile(text: string): DvcOut[] {
  return outMaps(parseDvcYaml(text)).map(toOut);
}

/** The out whose path is `path` (`./x` and `x/` name the same output as `x`). */
export function findOut(outs: readonly DvcOut[], path: string): DvcOut | undefined {
  return outs.find((out) => sameOutPath(out.path, path));
}

export function sameOutPath(a: string, b: string): boolean {
  return normalizeOutPath(a) === normalizeOutPath(b);
}

function normalizeOutPath(path: string): string {
  return path.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

/** The `outs:` maps of a parsed `.dvc` document. */
export function outMaps(doc: Document.Parsed): YAMLMap[] {
  if (!isMap(doc.contents)) return [];
  const outs: unknown = doc.contents.get('outs', true);
  if (outs === undefined || (isScalar(outs) && (outs.value === '' || outs.value === null || outs.value === undefined)))
    return [];
  if (!isSeq(outs) || !outs.items.every((item) => isMap(item)))
    throw new DvcFormatError("'outs' in the .dvc file is not a list of mappings");
  return outs.items;
}

/** The string value of a scalar key of an out map (failsafe: always a string), or undefined. */
export function scalarAt(map: YAMLMap, key: string): string | undefined {
  const node = map.get(key, true);
  return isScalar(node) && typeof node.value === 'string' && node.value !== '' ? node.value : undefined;
}

function toOut(map: YAMLMap): DvcOut {
  const path = scalarAt(map, 'path');
  if (path === undefined) throw new DvcFormatError("an output of the .dvc file has no 'path'");
  const out: DvcOut = { path };
  const md5 = scalarAt(map, 'md5');
  if (md5 !== undefined) out.md5 = md5;
  const size = count(map, 'size');
  if (size !== undefined) out.size = size;
  const nfiles = count(map, 'nfiles');
  if (nfiles !== undefined) out.nfiles = nfiles;
  const hash = scalarAt(map, 'hash');
  if (hash !== undefined) out.hash = hash;
  const remote = scalarAt(map, 'remote');
  if (remote !== undefined) out.remote = remote;
  return out;
}

function count(map: YAMLMap, key: string): number | undefined {
  const text = scalarAt(map, key);
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text)) throw new DvcFormatError(`'${key}: ${text}' in the .dvc file is not a count`);
  return Number(text);
}
