import { DvcConfigError } from './dvc-config.error.js';

/** `.dvc/config` merged with `.dvc/config.local`, keys and remote names lowercased as DVC does. */
export interface DvcRepoConfig {
  core: Record<string, string>;
  remotes: Record<string, Record<string, string>>;
}

export interface DvcConfigFiles {
  /** `.dvc/config` (committed). */
  config?: string;
  /** `.dvc/config.local` (git-ignored, usually credentials): overrides `config` key by key. */
  configLocal?: string;
}

/** dvc/config.py `Config.load_file`: ConfigObj, `_lower_keys`, `_parse_named`, then `merge` level over level. */
export function parseDvcConfig(files: DvcConfigFiles): DvcRepoConfig {
  const result: DvcRepoConfig = { core: {}, remotes: {} };
  for (const [label, text] of [
    ['.dvc/config', files.config],
    ['.dvc/config.local', files.configLocal],
  ] as const) {
    if (text === undefined) continue;
    for (const [section, values] of Object.entries(parseConfigObj(text, label))) {
      const named = /^\s*remote\s*"(.*)"\s*$/.exec(section);
      if (named) result.remotes[named[1]] = { ...result.remotes[named[1]], ...values };
      else if (section === 'core') Object.assign(result.core, values);
    }
  }
  return result;
}

// configobj.py `_sectionmarker` and `_keyword`.
const SECTION = /^(\s*)((?:\[\s*)+)((?:"\s*\S.*?\s*")|(?:'\s*\S.*?\s*')|(?:[^'"\s].*?))((?:\s*\])+)\s*(#.*)?$/;
const KEYWORD = /^(\s*)((?:".*?")|(?:'.*?')|(?:[^'"=].*?))\s*=\s*(.*)$/;

/**
 * The subset of ConfigObj that DVC config files use: `[section]` (quoted or not), `key = value`, `#`
 * comments (whole line or after a value), single- or double-quoted values. Section names and keys are
 * lowercased (`_lower_keys`); values are kept as written.
 */
export function parseConfigObj(text: string, label: string): Record<string, Record<string, string>> {
  const sections: Record<string, Record<string, string>> = {};
  let current: Record<string, string> | undefined;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    const where = `${label} line ${index + 1}`;
    if (line === '' || line.startsWith('#')) return;
    const section = SECTION.exec(raw);
    if (section) {
      const depth = (section[2].match(/\[/g) ?? []).length;
      if (depth !== 1 || (section[4].match(/\]/g) ?? []).length !== 1)
        throw new DvcConfigError(`${where}: nested sections are not used by DVC`);
      const name = unquote(section[3]).toLowerCase();
      if (sections[name]) throw new DvcConfigError(`${where}: section [${name}] appears twice`);
      current = sections[name] = {};
      return;
    }
    const keyword = KEYWORD.exec(raw);
    if (!keyword) throw new DvcConfigError(`${where}: expected '[section]' or 'key = value'`);
    const key = unquote(keyword[2]).toLowerCase();
    if (current === undefined) return; // a key outside any section: not a DVC setting
    if (key in current) throw new DvcConfigError(`${where}: '${key}' is set twice in the same section`);
    current[key] = parseValue(keyword[3], where);
  });
  return sections;
}

/** configobj.py `_handle_value` for a single value: quotes stripped, else up to an inline `#` comment. */
function parseValue(raw: string, where: string): string {
  const text = raw.trim();
  if (text.startsWith("'''") || text.startsWith('"""'))
    throw new DvcConfigError(`${where}: multi-line values are not supported`);
  const quoted = /^("([^"]*)"|'([^']*)')\s*(#.*)?$/.exec(text);
  if (quoted) return quoted[2] ?? quoted[3];
  if (text.startsWith('"') || text.startsWith("'"))
    throw new DvcConfigError(`${where}: unbalanced quotes in the value`);
  // A comma makes a ConfigObj list (e.g. cache `type = reflink,copy`): kept as written, DVC never lists a remote setting.
  const hash = text.indexOf('#');
  return (hash >= 0 ? text.slice(0, hash) : text).trim();
}

function unquote(value: string): string {
  const v = value.trim();
  return v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0] ? v.slice(1, -1) : v;
}
