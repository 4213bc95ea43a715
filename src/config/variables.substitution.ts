import { formatPath, type SettingPath, type SettingProblem } from './setting-path.format.js';

/** `$${` is a literal `${`; `${NAME}` a variable; a `${` that opens anything else is a mistake, not text. */
const REFERENCE = /\$\$\{|\$\{([^}]*)(\}?)/g;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface Substituted {
  /** The tree with every `${NAME}` replaced (a string whose reference failed is left as it was, and reported). */
  value: unknown;
  problems: SettingProblem[];
  /** `formatPath` of every value that took something from the environment: never to be shown. */
  substitutedPaths: Set<string>;
}

/**
 * Replaces `${NAME}` in every string value of `tree` (not in keys) by the variable NAME of `variables`, so that
 * secrets stay out of the file. An unset or empty variable is a problem naming the path and the variable, never a
 * silent empty string (an empty token would fail later and far from its cause). A value with no value at all
 * (`url:` alone, `null`) is reported too: most often a line whose value was forgotten.
 */
export function substituteVariables(tree: unknown, variables: Record<string, string | undefined>): Substituted {
  const problems: SettingProblem[] = [];
  const substitutedPaths = new Set<string>();

  const substituteText = (text: string, path: SettingPath): string => {
    let failed = false;
    let used = false;
    const replaced = text.replace(REFERENCE, (match: string, name: string | undefined, closing: string) => {
      if (match === '$${') return '${';
      if (!closing) {
        problems.push({ path, message: 'has a ${ that is never closed by } (write $${ for a literal ${)' });
      } else if (!VARIABLE_NAME.test(name!)) {
        problems.push({
          path,
          message: `\${${name}} is not a variable reference: a name is letters, digits and _ (write $\${ for a literal \${)`,
        });
      } else if ((variables[name!] ?? '').trim() === '') {
        problems.push({ path, message: `\${${name}}: the environment variable ${name} is not set (or is empty)` });
      } else {
        used = true;
        return variables[name!]!;
      }
      failed = true;
      return match;
    });
    if (used) substitutedPaths.add(formatPath(path));
    return failed ? text : replaced;
  };

  const walk = (value: unknown, path: SettingPath): unknown => {
    if (value === null) {
      // An empty file is not a missing value: the schema says what the file must hold.
      if (path.length > 0) problems.push({ path, message: 'has no value: give one, or remove the line' });
      return value;
    }
    if (typeof value === 'string') return substituteText(value, path);
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index]));
    if (typeof value === 'object') {
      // fromEntries defines own properties: a key `__proto__` in the file stays a key (and is refused as unknown).
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, [...path, key])]));
    }
    return value;
  };

  return { value: walk(tree, []), problems, substitutedPaths };
}
