import { posix } from 'node:path';

/** Where DVC keeps the files that describe an output, all relative to the repository root. */
export interface DvcOutputPaths {
  /** `data/annotations.json.dvc`: `dvc add <path>` writes `<path>.dvc` next to the output. */
  dvcFile: string;
  /** The output's `path:` inside that `.dvc` file: the basename, relative to the `.dvc` file's folder. */
  outPath: string;
  /** The `.gitignore` in the output's folder, which gets `/<basename>` (scmrepo `Git.ignore`). */
  gitignoreFile: string;
}

export function dvcOutputPaths(datasetPath: string): DvcOutputPaths {
  const clean = posix.normalize(datasetPath).replace(/\/+$/, '');
  const folder = posix.dirname(clean);
  const prefix = folder === '.' ? '' : `${folder}/`;
  return { dvcFile: `${clean}.dvc`, outPath: posix.basename(clean), gitignoreFile: `${prefix}.gitignore` };
}
