/**
 * The line DVC puts in the `.gitignore` next to an output (scmrepo `Git._get_gitignore` + pathspec
 * `GitWildMatchPattern.escape`): `/` + the name with `\[]!*#?` backslash-escaped, so it matches only that
 * entry of this folder. A trailing space is escaped too: git strips unescaped trailing spaces, and the
 * line would then ignore another name.
 */
export function gitignoreEntry(name: string): string {
  const escaped = name
    .replace(/[\\[\]!*#?]/g, (ch) => `\\${ch}`)
    .replace(/ +$/, (spaces) => spaces.replace(/ /g, '\\ '));
  return `/${escaped}`;
}

/**
 * `.gitignore` content that ignores the output `name` (a file or folder of this `.gitignore`'s folder).
 * Returned unchanged when a line already ignores exactly that entry and no later line re-includes it;
 * else the entry is appended like DVC does: the rest of the file, its comments and its final newline
 * (or lack of one) are kept.
 */
export function addGitignoreEntry(existing: string | undefined, name: string, isDirectory: boolean): string {
  const text = existing ?? '';
  if (isIgnored(text, name, isDirectory)) return text;
  const prefix = text === '' || text.endsWith('\n') ? '' : '\n';
  return `${text}${prefix}${gitignoreEntry(name)}\n`;
}

/** Lines that git reads as "ignore this very entry": with or without the leading `/` (the name has no `/`), `dir/` forms for a folder. */
function isIgnored(text: string, name: string, isDirectory: boolean): boolean {
  const escaped = gitignoreEntry(name).slice(1);
  const same = new Set([escaped, `/${escaped}`, ...(isDirectory ? [`${escaped}/`, `/${escaped}/`] : [])]);
  let ignored = false;
  for (const raw of text.split('\n')) {
    const line = trimPattern(raw);
    if (line.startsWith('!') && same.has(line.slice(1))) ignored = false;
    else if (same.has(line)) ignored = true;
  }
  return ignored;
}

/** git: a line's trailing spaces are dropped unless backslash-escaped (and a CRLF file's `\r` with them). */
function trimPattern(line: string): string {
  const withoutCr = line.endsWith('\r') ? line.slice(0, -1) : line;
  return withoutCr.replace(/(?<!\\) +$/, '');
}
