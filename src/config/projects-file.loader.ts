import { projectDataDir } from './data-dir.layout.js';
import { InvalidConfigurationError, type EnvironmentVariables } from './env.schema.js';
import { parseProjectsFile } from './projects-file.parser.js';
import {
  dvcOptionName,
  dvcOptionProblems,
  schemaProblems,
  splitDvcOptions,
  toProjectEntry,
} from './projects-file.schema.js';
import { projectConflicts, type ProjectIdentity } from './project-conflicts.check.js';
import { singleProjectFromEnvironment, type ProjectSettings } from './project.settings.js';
import { formatPath, type SettingPath, type SettingProblem } from './setting-path.format.js';
import { substituteVariables } from './variables.substitution.js';

export interface ProjectsFileInput {
  /** PROJECTS_FILE. */
  file: string;
  /** DATA_DIR, resolved: each project's folder is `projectDataDir(dataDir, bucket)`. */
  dataDir: string;
  /** The validated environment: what a project inherits when neither it nor `defaults` says. */
  environment: EnvironmentVariables;
  /** DVC_REMOTE_<OPTION> of the environment (`collectDvcRemoteOptions`), inherited option by option. */
  remoteOptions: Record<string, string>;
  /** Where `${NAME}` is looked up: the process environment (and `.env`). */
  variables: Record<string, string | undefined>;
}

type Plain = Record<string, unknown>;
const isMapping = (value: unknown): value is Plain =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `defaults` under `project`, mapping by mapping: the project's value wins, a list or value is replaced whole. */
function deepMerge(base: Plain, over: Plain): Plain {
  const merged: Plain = { ...base };
  for (const [key, value] of Object.entries(over)) {
    merged[key] = isMapping(value) && isMapping(base[key]) ? deepMerge(base[key], value) : value;
  }
  return merged;
}

/** `path` is `prefix` or lies inside it: `projects[1].git.url` inside `projects[1]`. */
function isUnder(path: SettingPath, prefix: SettingPath): boolean {
  return prefix.length <= path.length && prefix.every((segment, index) => path[index] === segment);
}

/** A problem at or under a value already said (an unset variable, no value) only adds noise about that value. */
function notUnder(said: SettingProblem[]) {
  return (problem: SettingProblem) => !said.some((earlier) => isUnder(problem.path, earlier.path));
}

/** A copy of the file's tree with each `dvc:` mapping split into its section and its DVC options. */
function withDvcSplit(tree: unknown): { tree: unknown; options: { path: SettingPath; options: Plain }[] } {
  const options: { path: SettingPath; options: Plain }[] = [];
  if (!isMapping(tree)) return { tree, options };
  const split = (entry: unknown, path: SettingPath): unknown => {
    if (!isMapping(entry) || !('dvc' in entry)) return entry;
    const { section, options: found } = splitDvcOptions(entry.dvc);
    options.push({ path: [...path, 'dvc'], options: found });
    return { ...entry, dvc: section };
  };
  const projects = Array.isArray(tree.projects)
    ? tree.projects.map((entry, index) => split(entry, ['projects', index]))
    : tree.projects;
  return { tree: { ...tree, defaults: split(tree.defaults, ['defaults']), projects }, options };
}

/**
 * PROJECTS_FILE → the projects, each complete. Precedence, field by field: the project's own value, then
 * `defaults`, then the environment setting of the same meaning, then that setting's default. The identity of a
 * project (bucket, git.url, dataset, dvc.url) comes from the file only (env.schema.ts refuses S3_BUCKET,
 * GIT_REPO_URL, DVC_DATASET_PATH and DVC_REMOTE_URL beside PROJECTS_FILE). Any problem — of the file, of one
 * project, or between projects — ends in ONE InvalidConfigurationError that lists them all, each with its path
 * and line, never with a value.
 */
export function loadProjectsFile(input: ProjectsFileInput): ProjectSettings[] {
  const parsed = parseProjectsFile(input.file);
  const substituted = substituteVariables(parsed.tree, input.variables);
  const { tree, options } = withDvcSplit(substituted.value);
  const problems = [...substituted.problems];
  problems.push(...schemaProblems(tree).filter(notUnder(problems)));
  for (const found of options)
    problems.push(...dvcOptionProblems(found.options, found.path).filter(notUnder(problems)));

  const projects: ProjectSettings[] = [];
  const identities: ProjectIdentity[] = [];
  const file = substituted.value as { defaults?: Plain; projects: Plain[] };
  const shapeIsSound = !problems.some((problem) => problem.path.length < 2 || problem.path[0] === 'defaults');
  if (shapeIsSound) {
    // Every project that is sound by itself is completed and checked against the others, so that one error
    // lists the problems of all projects, not only those of the first one that has some.
    file.projects.forEach((project, index) => {
      if (problems.some((problem) => isUnder(problem.path, ['projects', index]))) return;
      const entry = deepMerge(file.defaults ?? {}, project);
      if (entry.dataset === undefined) {
        problems.push({
          path: ['projects', index, 'dataset'],
          message:
            'is required (here or in defaults): the path of the dataset in the repository, e.g. data/annotations.json',
        });
        return;
      }
      const settings = toSettings(entry, input);
      projects.push(settings);
      const bucketShown = !substituted.substitutedPaths.has(formatPath(['projects', index, 'bucket']));
      identities.push({
        index,
        label: `projects[${index}]${bucketShown ? ` (bucket ${settings.bucket})` : ''}`,
        bucket: settings.bucket,
        accessKeyId: settings.keys?.accessKeyId,
        repoUrl: settings.git.repoUrl,
        branch: settings.git.branch,
        dataset: settings.dvc.datasetPath,
      });
    });
    problems.push(...projectConflicts(identities, input.environment.S3_ACCESS_KEY_ID));
  }
  if (problems.length > 0) {
    const located = problems.map((problem) => ({ ...problem, line: parsed.lineOf(problem.path) }));
    // In the order of the file (stable: problems of one line keep theirs), to be fixed top to bottom.
    located.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    throw new InvalidConfigurationError(
      located.map(({ path, message, line }) => {
        const where = path.length > 0 ? `${formatPath(path)}: ` : '';
        return `${where}${message}${line !== undefined ? ` (line ${line})` : ''}`;
      }),
      `Invalid projects file ${input.file} (PROJECTS_FILE): fix these entries`,
    );
  }
  return projects;
}

/** One project of the file, defaults merged in, as the settings the service runs it with. */
function toSettings(plain: Plain, input: ProjectsFileInput): ProjectSettings {
  const { section, options } = splitDvcOptions(plain.dvc);
  const entry = toProjectEntry({ ...plain, dvc: section });
  const git = entry.git ?? {};
  const dvc = entry.dvc ?? {};
  const sync = entry.sync ?? {};
  // The environment's project, in this project's folder: the base every field of the file overrides.
  const base = singleProjectFromEnvironment(
    input.environment,
    projectDataDir(input.dataDir, entry.bucket),
    input.remoteOptions,
  );
  return {
    bucket: entry.bucket,
    keys: entry.s3 ? { accessKeyId: entry.s3.accessKeyId, secretAccessKey: entry.s3.secretAccessKey } : undefined,
    dataDir: base.dataDir,
    git: {
      repoUrl: git.url,
      branch: git.branch ?? base.git.branch,
      baseBranch: git.baseBranch ?? base.git.baseBranch,
      // Never the environment's GIT_USERNAME/GIT_TOKEN: each project may name another Git server, and a token is
      // sent only where the file says so (`token: "${GIT_TOKEN}"`, in the project or in `defaults`).
      username: git.username,
      token: git.token,
      authorName: git.authorName ?? base.git.authorName,
      authorEmail: git.authorEmail ?? base.git.authorEmail,
      httpTimeoutMs: git.httpTimeoutSeconds !== undefined ? git.httpTimeoutSeconds * 1000 : base.git.httpTimeoutMs,
    },
    dvc: {
      datasetPath: entry.dataset!,
      remoteName: dvc.remote ?? base.dvc.remoteName,
      remoteUrl: dvc.url,
      remoteOptions: {
        ...base.dvc.remoteOptions,
        ...Object.fromEntries(Object.entries(options).map(([name, value]) => [dvcOptionName(name), String(value)])),
      },
      sdkEnvironment: base.dvc.sdkEnvironment,
    },
    sync: {
      intervalSeconds: sync.intervalSeconds ?? base.sync.intervalSeconds,
      maxPending: sync.maxPending ?? base.sync.maxPending,
    },
  };
}
