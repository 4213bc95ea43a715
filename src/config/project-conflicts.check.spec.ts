import { describe, expect, it } from '@jest/globals';
import { projectConflicts, repositoryKey, type ProjectIdentity } from './project-conflicts.check.js';

describe('repositoryKey: one repository, however its URL is written', () => {
  it.each([
    ['https://git.example.com/team/a.git', 'https://git.example.com/team/a'],
    ['https://GIT.Example.COM/team/a.git', 'https://git.example.com/team/a/'],
    ['https://git.example.com/team/a.git/', 'https://git.example.com/team/a'],
    ['https://git.example.com:443/team/a', 'https://git.example.com/team/a'],
    ['https://bot@git.example.com/team/a', 'https://git.example.com/team/a'],
    ['http://git.example.com/team/a', 'https://git.example.com/team/a.git'],
  ])('%s = %s', (a, b) => {
    expect(repositoryKey(a)).toBe(repositoryKey(b));
  });

  it.each([
    ['https://git.example.com/team/a', 'https://git.example.com/team/b'],
    ['https://git.example.com/team/a', 'https://git.example.com/Team/a'],
    ['https://git.example.com/team/a', 'https://git.example.org/team/a'],
    ['https://git.example.com:8443/team/a', 'https://git.example.com/team/a'],
  ])('%s ≠ %s', (a, b) => {
    expect(repositoryKey(a)).not.toBe(repositoryKey(b));
  });
});

const project = (index: number, fields: Partial<ProjectIdentity>): ProjectIdentity => ({
  index,
  label: `projects[${index}] (bucket b${index})`,
  bucket: `b${index}`,
  branch: 'main',
  dataset: `data/d${index}`,
  ...fields,
});
const REPO = 'https://git.example.com/team/shared.git';

describe('projectConflicts: what two projects may not share', () => {
  it.each<[string, ProjectIdentity[], string | undefined, { path: (string | number)[]; message: string }[]]>([
    [
      'distinct projects in one repository: other branch, or paths apart',
      [
        project(0, { repoUrl: REPO, dataset: 'data/a' }),
        project(1, { repoUrl: REPO, dataset: 'data/a', branch: 'other' }),
        project(2, { repoUrl: REPO, dataset: 'data/ab' }),
        project(3, { dataset: 'data/a' }), // embedded: a repository of its own
        project(4, { dataset: 'data/a' }),
      ],
      undefined,
      [],
    ],
    [
      'the same bucket',
      [project(0, {}), project(1, {}), project(2, { bucket: 'b0' })],
      undefined,
      [
        {
          path: ['projects', 2, 'bucket'],
          message: 'the same bucket as projects[0] (bucket b0): each project needs a bucket of its own',
        },
      ],
    ],
    [
      'an access key id of another project',
      [project(0, { accessKeyId: 'AKIA1' }), project(1, { accessKeyId: 'AKIA1' })],
      undefined,
      [
        {
          path: ['projects', 1, 's3', 'accessKeyId'],
          message: "the same access key id as projects[0] (bucket b0): a key pair is for one project's bucket only",
        },
      ],
    ],
    [
      'the global S3_ACCESS_KEY_ID',
      [project(0, { accessKeyId: 'GLOBAL' })],
      'GLOBAL',
      [
        {
          path: ['projects', 0, 's3', 'accessKeyId'],
          message:
            'is S3_ACCESS_KEY_ID, the pair of the projects without their own: a key pair given to a project is for its bucket only',
        },
      ],
    ],
    [
      'one dataset path in one repository and branch (URLs written differently)',
      [
        project(0, { repoUrl: REPO, dataset: 'data/a' }),
        project(1, { repoUrl: 'https://GIT.example.com/team/shared/', dataset: 'data/a' }),
      ],
      undefined,
      [
        {
          path: ['projects', 1],
          message:
            "commits to the same repository and branch as projects[0] (bucket b0), with the same dataset path: each would overwrite the other's dataset; give one another branch (git.branch) or a dataset path apart",
        },
      ],
    ],
    [
      'nested dataset paths, either way round',
      [
        project(0, { repoUrl: REPO, dataset: 'data/a/b' }),
        project(1, { repoUrl: REPO, dataset: 'data/a', branch: 'x' }),
        project(2, { repoUrl: REPO, dataset: 'data/a' }),
        project(3, { repoUrl: REPO, dataset: 'data/a/b/c.json', branch: 'x' }),
      ],
      undefined,
      [
        {
          path: ['projects', 2],
          message:
            "commits to the same repository and branch as projects[0] (bucket b0), with a dataset path inside the other: each would overwrite the other's dataset; give one another branch (git.branch) or a dataset path apart",
        },
        {
          path: ['projects', 3],
          message:
            "commits to the same repository and branch as projects[1] (bucket b1), with a dataset path inside the other: each would overwrite the other's dataset; give one another branch (git.branch) or a dataset path apart",
        },
      ],
    ],
  ])('%s', (_name, projects, globalKey, problems) => {
    expect(projectConflicts(projects, globalKey)).toEqual(problems);
  });
});
