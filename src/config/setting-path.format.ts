/** Where a value sits in the projects file: `['projects', 2, 'git', 'url']`. */
export type SettingPath = readonly (string | number)[];

/** `['projects', 2, 'git', 'url']` → `projects[2].git.url`, the way the README and the errors name a field. */
export function formatPath(path: SettingPath): string {
  return path
    .map((segment, index) => (typeof segment === 'number' ? `[${segment}]` : index === 0 ? segment : `.${segment}`))
    .join('');
}

/** One thing to fix in the projects file: where, and what (never the value: it may be a secret). */
export interface SettingProblem {
  path: SettingPath;
  message: string;
}
