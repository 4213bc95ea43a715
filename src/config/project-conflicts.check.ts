import type { SettingProblem } from './setting-path.format.js';

/** What makes a project of the file someone else's business: its bucket, its key, and where it commits. */
export interface ProjectIdentity {
  /** Its place in `projects:`. */
  index: number;
  /** How messages name it: `projects[2] (bucket ner)`. */
  label: string;
  bucket: string;
  accessKeyId?: string;
  /** undefined: an embedded repository of its own, shared with nobody. */
  repoUrl?: string;
  branch: string;
  dataset: string;
}

/**
 * The repository a URL names, however it is written: the host's case, a default port, a user name, a trailing `/`
 * or `.git` make no difference to the Git server (nor does http vs https on the same host).
 */
export function repositoryKey(url: string): string {
  let host: string;
  let path: string;
  try {
    const parsed = new URL(url);
    host = parsed.host;
    path = parsed.pathname;
  } catch {
    [host, path] = [
      url
        .replace(/^\w+:\/\//, '')
        .split('/')[0]
        .toLowerCase(),
      url.replace(/^\w+:\/\/[^/]*/, ''),
    ];
  }
  return `${host.replace(/^.*@/, '')}${path.replace(/(\/|\.git)+$/, '').replace(/\/+$/, '')}`;
}

/** The same path, or one inside the other (`data/a` and `data/a/b`): one project's commit would rewrite the other's. */
function overlapping(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

/**
 * What projects may not share: a bucket, an access key id (with each other or with the global S3_ACCESS_KEY_ID),
 * or a dataset in one repository on one branch (the same path, or one inside the other). Each problem is reported
 * once, on the later project, naming the earlier one; values are never shown.
 */
export function projectConflicts(projects: readonly ProjectIdentity[], globalAccessKeyId?: string): SettingProblem[] {
  const problems: SettingProblem[] = [];
  projects.forEach((project, position) => {
    const earlier = projects.slice(0, position);
    const sameBucket = earlier.find((other) => other.bucket === project.bucket);
    if (sameBucket) {
      problems.push({
        path: ['projects', project.index, 'bucket'],
        message: `the same bucket as ${sameBucket.label}: each project needs a bucket of its own`,
      });
    }
    if (project.accessKeyId !== undefined) {
      const sameKey = earlier.find((other) => other.accessKeyId === project.accessKeyId);
      if (project.accessKeyId === globalAccessKeyId) {
        problems.push({
          path: ['projects', project.index, 's3', 'accessKeyId'],
          message:
            'is S3_ACCESS_KEY_ID, the pair of the projects without their own: a key pair given to a project is for its bucket only',
        });
      } else if (sameKey) {
        problems.push({
          path: ['projects', project.index, 's3', 'accessKeyId'],
          message: `the same access key id as ${sameKey.label}: a key pair is for one project's bucket only`,
        });
      }
    }
    if (project.repoUrl !== undefined) {
      const repository = repositoryKey(project.repoUrl);
      const sameDataset = earlier.find(
        (other) =>
          other.repoUrl !== undefined &&
          repositoryKey(other.repoUrl) === repository &&
          other.branch === project.branch &&
          overlapping(other.dataset, project.dataset),
      );
      if (sameDataset) {
        const how =
          sameDataset.dataset === project.dataset ? 'the same dataset path' : 'a dataset path inside the other';
        problems.push({
          path: ['projects', project.index],
          message: `commits to the same repository and branch as ${sameDataset.label}, with ${how}: each would overwrite the other's dataset; give one another branch (git.branch) or a dataset path apart`,
        });
      }
    }
  });
  return problems;
}
