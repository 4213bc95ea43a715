import { isDeepStrictEqual } from 'node:util';
import { isScalar, Scalar, YAMLMap, YAMLSeq, type Document } from 'yaml';
import { DvcFormatError } from './dvc-format.error.js';
import { outMaps, parseDvcYaml, readDvcFile, sameOutPath, scalarAt } from './dvc-file.reader.js';
import { formatYamlString } from './yaml-scalar.format.js';

/** What `dvc add`/`dvc commit` records for an output: `nfiles` only for a directory (`<md5>.dir`). */
export interface DvcOutHash {
  md5: string;
  size: number;
  nfiles?: number;
}

/** DVC's key order for an output (dvc/output.py `Output.dumpd`): md5, size, nfiles, [isexec], hash, path. */
const MANAGED = ['md5', 'size', 'nfiles', 'hash'] as const;
type Managed = (typeof MANAGED)[number];

/**
 * The `.dvc` file after recording `hash` for the output `path`.
 * - No file yet: exactly what `dvc add` writes (docs/dvc-format.md), byte for byte.
 * - Existing file: only md5/size/nfiles/hash of that output change, each in place; every other key, comment,
 *   quoting and indentation is kept, like DVC's own `modify_yaml` round trip. `hash: md5` is added to a
 *   DVC 2 output, since without it DVC reads the md5 as a legacy hash and looks in the wrong place.
 */
export function writeDvcFile(existing: string | undefined, path: string, hash: DvcOutHash): string {
  const values = managedValues(hash);
  if (existing === undefined || existing.trim() === '') return newDvcFile(path, values);
  readDvcFile(existing); // validates every output first
  const doc = parseDvcYaml(existing);
  const target = outMaps(doc).find((map) => sameOutPath(scalarAt(map, 'path') ?? '', path));
  const spliced = target && spliceValues(existing, target, values);
  if (spliced !== undefined && isExactUpdate(existing, spliced, path, values)) return spliced;
  return rewriteDocument(doc, target, path, values);
}

function managedValues(hash: DvcOutHash): Record<Managed, string | undefined> {
  const isDir = hash.md5.endsWith('.dir');
  if (isDir !== (hash.nfiles !== undefined))
    throw new DvcFormatError(`nfiles goes with a directory (.dir) md5, got md5 ${hash.md5}, nfiles ${hash.nfiles}`);
  return { md5: hash.md5, size: String(hash.size), nfiles: isDir ? String(hash.nfiles) : undefined, hash: 'md5' };
}

function newDvcFile(path: string, values: Record<Managed, string | undefined>): string {
  const lines = MANAGED.filter((key) => values[key] !== undefined).map(
    (key) => `${key}: ${yamlText(key, values[key]!)}`,
  );
  lines.push(`path: ${formatYamlString(path)}`);
  return `outs:\n- ${lines.join('\n  ')}\n`;
}

/** size and nfiles are integers (plain); md5 and hash are strings, quoted when they would read as a number. */
const COUNTS = new Set<Managed>(['size', 'nfiles']);
const yamlText = (key: Managed, value: string) => (COUNTS.has(key) ? value : formatYamlString(value));

interface Edit {
  start: number;
  end: number;
  text: string;
}

/** Text edits on the original source; undefined when the output's shape needs a structural rewrite. */
function spliceValues(source: string, map: YAMLMap, values: Record<Managed, string | undefined>): string | undefined {
  if (map.flow) return undefined;
  const pairs = map.items;
  const indexOf = (key: string) => pairs.findIndex((p) => isScalar(p.key) && p.key.value === key);
  const edits: Edit[] = [];
  for (const [i, key] of MANAGED.entries()) {
    const at = indexOf(key);
    const value = values[key];
    if (at >= 0) {
      const node = pairs[at].value;
      const keyNode = pairs[at].key as Scalar;
      if (value === undefined) {
        // Remove `key: value` up to the next key, which then takes its place (also right after `- `).
        const next = pairs[at + 1]?.key as Scalar | undefined;
        if (!next?.range) return undefined;
        edits.push({ start: keyNode.range![0], end: next.range[0], text: '' });
      } else {
        if (!isScalar(node) || !node.range || node.range[0] === node.range[1]) return undefined;
        if (node.value === value) continue;
        edits.push({ start: node.range[0], end: node.range[1], text: yamlText(key, value) });
      }
    } else if (value !== undefined) {
      // Insert before the next managed key present, else before `path`, at that key's column.
      const following = [...MANAGED.slice(i + 1), 'path'].map(indexOf).find((j) => j >= 0);
      const before = following === undefined ? undefined : (pairs[following].key as Scalar).range;
      if (!before) return undefined;
      const column = before[0] - source.lastIndexOf('\n', before[0] - 1) - 1;
      edits.push({ start: before[0], end: before[0], text: `${key}: ${yamlText(key, value)}\n${' '.repeat(column)}` });
    }
  }
  let text = source;
  // From the end backwards; at one insertion point the last planned goes in first, so keys keep DVC's order.
  const ordered = edits.map((edit, i) => ({ ...edit, i })).sort((a, b) => b.start - a.start || b.i - a.i);
  for (const edit of ordered) text = text.slice(0, edit.start) + edit.text + text.slice(edit.end);
  return text;
}

/** The splice is kept only when the whole document reads back as the old one with just the new values. */
function isExactUpdate(
  before: string,
  after: string,
  path: string,
  values: Record<Managed, string | undefined>,
): boolean {
  try {
    const expected = parseDvcYaml(before).toJS() as { outs: Record<string, unknown>[] };
    for (const out of expected.outs) {
      if (!sameOutPath(String(out.path), path)) continue;
      for (const key of MANAGED) {
        if (values[key] === undefined) delete out[key];
        else out[key] = values[key];
      }
    }
    return (
      isDeepStrictEqual(parseDvcYaml(after).toJS(), expected) && readDvcFile(after).length === expected.outs.length
    );
  } catch {
    return false;
  }
}

/** Structural change (flow style, a missing output, an odd value): edit the document tree and print it again. */
function rewriteDocument(
  doc: Document.Parsed,
  target: YAMLMap | undefined,
  path: string,
  values: Record<Managed, string | undefined>,
): string {
  if (doc.contents === null) doc.contents = new YAMLMap() as Document.Parsed['contents'];
  const root = doc.contents as unknown as YAMLMap;
  let map = target;
  if (!map) {
    let outs: unknown = root.get('outs', true);
    if (!(outs instanceof YAMLSeq)) {
      outs = new YAMLSeq();
      root.set('outs', outs);
    }
    map = new YAMLMap();
    (outs as YAMLSeq).items.push(map);
  }
  for (const key of MANAGED) {
    if (values[key] === undefined) map.delete(key);
    else map.set(key, scalarNode(values[key], COUNTS.has(key)));
  }
  if (!target) map.set('path', scalarNode(path));
  return doc.toString({ indentSeq: false, lineWidth: 0 });
}

/**
 * A scalar node quoted as formatYamlString decides (the document is failsafe, so the yaml printer adds no
 * quoting of its own; a count stays a plain integer).
 */
function scalarNode(value: string, isCount = false): Scalar {
  const node = new Scalar(value);
  const text = isCount ? value : formatYamlString(value);
  node.type = text.startsWith("'") ? 'QUOTE_SINGLE' : text.startsWith('"') ? 'QUOTE_DOUBLE' : 'PLAIN';
  return node;
}
