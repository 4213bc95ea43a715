import { readFileSync } from 'node:fs';
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { InvalidConfigurationError } from './env.schema.js';
import type { SettingPath } from './setting-path.format.js';

/** The projects file as read: its plain value, and how to find where a field was written. */
export interface ParsedProjectsFile {
  tree: unknown;
  /** The line of the key (or list item) at `path`, or of the nearest enclosing one written in the file. */
  lineOf(path: SettingPath): number | undefined;
}

/**
 * Reads and parses the projects file. YAML 1.2, of which JSON is a subset: a `.json` file is read the same way.
 * Unreadable or not YAML: an InvalidConfigurationError naming the file. A syntax error is reported with its line
 * and column but without the excerpt of the file that the parser prints by default (`prettyErrors`): the line may
 * hold a secret written in the file itself.
 */
export function parseProjectsFile(file: string): ParsedProjectsFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    const why =
      code === 'ENOENT'
        ? 'there is no such file'
        : code === 'EACCES'
          ? 'this user may not read it'
          : code === 'EISDIR'
            ? 'it is a folder'
            : (error as Error).message;
    throw new InvalidConfigurationError([`PROJECTS_FILE=${file} cannot be read: ${why}`]);
  }
  const lineCounter = new LineCounter();
  // uniqueKeys (the default): a key written twice is an error, not "the last one wins" silently.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((error) => {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      const what =
        error.code === 'MULTIPLE_DOCS'
          ? 'a second YAML document (---): declare every project in one document'
          : error.message;
      return `line ${line}, column ${col}: ${what}`;
    });
    throw new InvalidConfigurationError(lines, `The projects file ${file} (PROJECTS_FILE) is not valid YAML (or JSON)`);
  }
  return { tree: doc.toJS(), lineOf: (path) => lineOf(doc, lineCounter, path) };
}

/** The line of the key (or list item) at `path`, else of the nearest enclosing one written in the file. */
function lineOf(doc: Document, lineCounter: LineCounter, path: SettingPath): number | undefined {
  let node: unknown = doc.contents;
  let line: number | undefined;
  for (const segment of path) {
    let where: Node | undefined;
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      where = isNode(pair?.key) ? pair.key : undefined;
      node = pair?.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      where = isNode(node) ? node : undefined;
    } else {
      break;
    }
    if (!where?.range) break;
    line = lineCounter.linePos(where.range[0]).line;
  }
  return line;
}
