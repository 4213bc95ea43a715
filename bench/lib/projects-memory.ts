import { DIRECTORY_DATASET, datasetBody, datasetKey, putObjects } from './flush-measure.js';
import { memorySample, type MemorySample } from './memory-sample.js';
import { httpCall, startService } from './processes.js';
import { projectsFile } from './projects-file.js';
import { int, log } from './report.js';
import { S3Putter } from './s3-put.js';

export interface ProjectsMemory {
  projects: number;
  objectsEach: number;
  /** PUTs of every object through S3, all projects (untimed by the targets, shown for scale). */
  fillMs: number;
  /** `POST /_admin/sync`: the first sync of every project (`SYNC_CONCURRENCY` at a time). */
  firstSyncMs: number;
  /** Idle `settleMs` after the first syncs. */
  idle: MemorySample;
  /** SIGKILL, then a new process on the same DATA_DIR: spawn to the first 200 of /_admin/health. */
  restartMs: number;
  /** Idle `settleMs` after the restart. */
  afterRestart: MemorySample;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The memory target's second case (bench/README.md): one service with `projects` projects in a PROJECTS_FILE,
 * each holding `objectsEach` objects of its directory dataset after its first sync. Memory idle after the syncs,
 * restart time to healthy, and memory idle after the restart.
 */
export async function measureProjectsMemory(options: {
  projects: number;
  objectsEach: number;
  settleMs: number;
  /** Another build's dist/main.js (an A/B); this tree's by default. */
  main?: string;
}): Promise<ProjectsMemory> {
  const { projects: count, objectsEach, settleMs, main } = options;
  const { file, projects } = projectsFile(count, DIRECTORY_DATASET);
  let service = await startService({ PROJECTS_FILE: file }, { main });
  try {
    const filling = performance.now();
    for (const project of projects) {
      const putter = new S3Putter({ ...project, url: service.url, region: 'us-east-1' }, 16, 'presigned');
      try {
        await putObjects(service, putter, objectsEach, (i) => ({ key: datasetKey(i), body: datasetBody(i, 0) }));
      } finally {
        putter.close();
      }
    }
    const fillMs = performance.now() - filling;
    log(`${count} projects × ${int(objectsEach)} objects PUT in ${int(fillMs)} ms; first syncs…`);
    const syncing = performance.now();
    const answer = await httpCall('POST', `${service.url}/_admin/sync`);
    const firstSyncMs = performance.now() - syncing;
    if (answer.status !== 200) throw new Error(`POST /_admin/sync answered ${answer.status}: ${answer.text}`);
    const statuses = (
      JSON.parse(answer.text) as {
        projects: Array<{ bucket: string; lastError: string | null; lastFlush: { added: number } | null }>;
      }
    ).projects;
    const wrong = statuses.filter((s) => s.lastError || s.lastFlush?.added !== objectsEach);
    if (statuses.length !== count || wrong.length > 0)
      throw new Error(`first syncs of ${count} projects: ${JSON.stringify(wrong.length ? wrong : statuses)}`);
    log(`first syncs of ${count} projects: ${int(firstSyncMs)} ms`);
    await delay(settleMs);
    const idle = await memorySample(service.url, service.pid);
    await service.kill();
    service = await startService({ PROJECTS_FILE: file }, { previous: service, main });
    const restartMs = service.readyMs;
    await delay(settleMs);
    const afterRestart = await memorySample(service.url, service.pid);
    return { projects: count, objectsEach, fillMs, firstSyncMs, idle, restartMs, afterRestart };
  } finally {
    await service.kill();
  }
}
