import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { dataDirLayout, projectDataDir } from '../../src/config/data-dir.layout.js';
import { keyToRelativePath } from '../../src/dataset/object-key.relpath.js';
import { readTree, removeTempRoots } from '../dvc/dvc-repo.harness.js';
import { boto3, okResponse, type OpResult } from '../s3/clients/boto3.js';
import { gitCloneAndDvcPull } from '../support/dvc-cli.js';
import { exportDifferences } from '../support/label-studio-export.js';
import {
  annotateMore,
  annotationKey,
  choice,
  labelingSession,
  type Session,
} from '../support/label-studio-scenario.js';
import { startLabelStudio, type RunningLabelStudio } from '../support/label-studio.js';
import { startS3Recorder, type S3Recorder } from '../support/s3-recorder.js';
import { startService, type RunningService } from '../support/service.js';
import { admin, flush, projectsStatus, waitForStatus } from '../sync/harness/admin-client.js';
import { branchTip, commitsBetween } from '../sync/harness/team-repo.js';
import {
  entryOf,
  flushAll,
  projectKeys,
  startTeamGit,
  TEAM_USER,
  writeProjectsFile,
  type TeamGit,
} from './projects.harness.js';

/**
 * Many projects, proven end to end: one service, three projects. `sentiment` and `ner` share the team's repository (a real
 * `git http-backend` over authenticated HTTP) on different branches and dataset paths, each written by its own
 * Label Studio project through Target storage with its own key; `media` has no `git.url` (an embedded repository
 * of its own) and is written with boto3. A data scientist's `git clone` + `dvc pull` (the real CLIs) must find
 * exactly each project's annotations on its branch; one key never works on another bucket; and when the Git
 * server breaks for `sentiment` alone (token refused, then a server that hangs and dies), its writes stay pending while the
 * other two commit, and it catches up with exactly one commit once repaired.
 */
const ADMIN_TOKEN = 'projects-e2e-admin-token';
const SENTIMENT = { bucket: 'sentiment', dataset: 'data/sentiment.json', branch: 'labels', prefix: 'exports' };
const NER = { bucket: 'ner', dataset: 'data/ner', branch: 'ner-labels', prefix: 'exports/' };
const MEDIA = { bucket: 'media', dataset: 'data/annotations', branch: 'main' };
const keys = {
  sentiment: projectKeys('AKIASENTIMENT01', 'SENTIMENT_SECRET'),
  ner: projectKeys('AKIANER00000001', 'NER_SECRET'),
  media: projectKeys('AKIAMEDIA000001', 'MEDIA_SECRET'),
};
/** Longer than the test: sentiment's hanging Git server ends when the test cuts it, not by the client's timeout. */
const GIT_TIMEOUT_SECONDS = 900;

let team: TeamGit;
let ls: RunningLabelStudio;
let service: RunningService;
let recorder: S3Recorder;
/** The two Label Studio projects, once labeled. */
const sessions: { sentiment?: Session; ner?: Session } = {};
/** What boto3 wrote to `media` and did not delete: key → body. */
const mediaObjects = new Map<string, string>();

function projectsFile(team: TeamGit): string {
  return `# A projects file as the README shows one, with this test's servers.
defaults:
  sync: { intervalSeconds: 86400, maxPending: 100000 }
projects:
  - bucket: ${SENTIMENT.bucket}
    s3: { accessKeyId: ${keys.sentiment.accessKeyId}, secretAccessKey: "\${${keys.sentiment.secretVariable}}" }
    git: { url: "${team.routedUrl}", branch: ${SENTIMENT.branch}, username: ${TEAM_USER}, token: "\${TEAM_GIT_TOKEN}" }
    dataset: ${SENTIMENT.dataset}
  - bucket: ${NER.bucket}
    s3: { accessKeyId: ${keys.ner.accessKeyId}, secretAccessKey: "\${${keys.ner.secretVariable}}" }
    git:
      url: "${team.directUrl}"
      branch: ${NER.branch}
      baseBranch: main
      username: ${TEAM_USER}
      token: "\${TEAM_GIT_TOKEN}"
    dataset: ${NER.dataset}
  - bucket: ${MEDIA.bucket}
    s3: { accessKeyId: ${keys.media.accessKeyId}, secretAccessKey: "\${${keys.media.secretVariable}}" }
    dataset: ${MEDIA.dataset}
`;
}

const secrets = () => [team.token, ...Object.values(keys).map((k) => k.secretAccessKey)];

/** boto3 signing with `bucket`'s own key (Label Studio's client, one attempt, path style). */
const as = (bucket: keyof typeof keys) => ({
  accessKeyId: keys[bucket].accessKeyId,
  secretAccessKey: keys[bucket].secretAccessKey,
});
const errorOf = (result: OpResult) => ({ code: result.error?.code, status: result.error?.status });

/** The Target storage connection of a Label Studio project to `bucket` (through the recorder). */
const target = (bucket: 'sentiment' | 'ner', prefix: string) => ({
  endpoint: recorder.url,
  bucket,
  prefix,
  region: 'us-east-1',
  ...as(bucket),
});

const clones: string[] = [];
afterEach(() => {
  for (const clone of clones.splice(0)) rmSync(dirname(clone), { recursive: true, force: true });
});
async function cloneAndPull(repository: string, branch: string, datasetPath: string): Promise<string> {
  const clone = await gitCloneAndDvcPull(repository, branch, datasetPath);
  clones.push(clone);
  return clone;
}

const mediaRepository = () => dataDirLayout(projectDataDir(service.dataDir, MEDIA.bucket)).embeddedRepo;

/** `sentiment`'s branch: the JSON dataset equals Label Studio's own export of that project, and nothing else changed. */
async function expectSentimentBranch() {
  const clone = await cloneAndPull(team.bare, SENTIMENT.branch, SENTIMENT.dataset);
  const dataset = JSON.parse(readFileSync(join(clone, SENTIMENT.dataset), 'utf8')) as unknown;
  expect(exportDifferences(dataset, await ls.api.exportProject(sessions.sentiment!.projectId))).toEqual([]);
  expect(readTree(join(clone, 'data'))).not.toHaveProperty(['ner.dvc']);
}

/** `ner`'s branch: one file per live annotation, byte-identical to the last body Label Studio PUT for it. */
async function expectNerBranch() {
  const clone = await cloneAndPull(team.bare, NER.branch, NER.dataset);
  const live = [...sessions.ner!.live.keys()].map((id) => annotationKey(NER.prefix, id));
  const sent = recorder.lastPutBodies(NER.bucket);
  expect([...sent.keys()].sort()).toEqual(live.sort());
  const expected = Object.fromEntries([...sent].map(([key, body]) => [keyToRelativePath(key), body]));
  expect(readTree(join(clone, NER.dataset))).toEqual(expected);
  expect(readTree(join(clone, 'data'))).not.toHaveProperty(['sentiment.json.dvc']);
}

/** `media`'s embedded repository (under its own folder of DATA_DIR): exactly what boto3 wrote and did not delete. */
async function expectMediaRepository() {
  const clone = await cloneAndPull(mediaRepository(), MEDIA.branch, MEDIA.dataset);
  const expected = Object.fromEntries(
    [...mediaObjects].map(([key, body]) => [keyToRelativePath(key), Buffer.from(body)]),
  );
  expect(readTree(join(clone, MEDIA.dataset))).toEqual(expected);
}

/** boto3 writes to `media` with its own key; every write must be acknowledged. */
async function writeMedia(puts: Record<string, string>, deletes: string[] = []) {
  const results = await boto3(service, [
    ...Object.entries(puts).map(
      ([Key, Body]) =>
        ({
          call: 'put_object',
          params: { Bucket: MEDIA.bucket, Key, Body: Buffer.from(Body) },
          client: as('media'),
        }) as const,
    ),
    ...deletes.map(
      (Key) => ({ call: 'delete_object', params: { Bucket: MEDIA.bucket, Key }, client: as('media') }) as const,
    ),
  ]);
  results.forEach(okResponse);
  for (const [key, body] of Object.entries(puts)) mediaObjects.set(key, body);
  for (const key of deletes) mediaObjects.delete(key);
}

/** Adds the service's and Label Studio's logs to a failure: the why of most e2e failures. */
async function logged(body: () => Promise<void>) {
  try {
    await body();
  } catch (error) {
    if (error instanceof Error) {
      error.message += `\n--- service log (last 8000 chars) ---\n${service?.logs().slice(-8000)}`;
      error.message += `\n--- Label Studio log (last 3000 chars) ---\n${ls?.logs().slice(-3000)}`;
    }
    throw error;
  }
}

describe('one service, three projects: two Label Studio projects on one team repository, one embedded (boto3)', () => {
  beforeAll(async () => {
    team = await startTeamGit();
    const labelStudio = startLabelStudio(); // its start is the big cost: overlap it with the service's
    const env = {
      PROJECTS_FILE: writeProjectsFile(projectsFile(team)),
      ADMIN_TOKEN,
      GIT_HTTP_TIMEOUT_SECONDS: String(GIT_TIMEOUT_SECONDS),
      TEAM_GIT_TOKEN: team.token,
      ...Object.fromEntries(Object.values(keys).map((k) => [k.secretVariable, k.secretAccessKey])),
    };
    service = await startService({ env }).catch(async (error: unknown) => {
      await labelStudio.then((started) => started.stop()).catch(() => undefined);
      throw error;
    });
    ls = await labelStudio;
    recorder = await startS3Recorder(service.url);
  });

  afterAll(async () => {
    team?.brokenRoute.set({ fault: { kind: 'none' } }); // after a failure: no held request delays the shutdown flush
    await recorder?.stop();
    await ls?.stop();
    await service?.stop();
    await team?.stop();
    removeTempRoots();
  });

  it('each project commits exactly its own annotations to its own repository, branch and path', () =>
    logged(async () => {
      const mainBefore = branchTip(team.bare, 'main');
      sessions.sentiment = await labelingSession(ls.api, target('sentiment', SENTIMENT.prefix), 'sentiment');
      sessions.ner = await labelingSession(ls.api, target('ner', NER.prefix), 'ner');
      await writeMedia({ 'images/cat.json': '{"label": "cat"}\n', 'images/dog.json': '{"label": "dog"}\n' });
      await writeMedia({ 'notes/été 2024.txt': 'unicode key\n' }, ['images/dog.json']);

      const flushed = await flushAll(service);
      expect(flushed.projects.map((p) => p.bucket).sort()).toEqual(['media', 'ner', 'sentiment']);
      for (const project of flushed.projects) {
        expect({ bucket: project.bucket, lastError: project.lastError, pending: project.pending }).toEqual({
          bucket: project.bucket,
          lastError: null,
          pending: 0,
        });
      }
      expect(entryOf(flushed, 'sentiment')).toMatchObject({ branch: SENTIMENT.branch, dataset: SENTIMENT.dataset });
      expect(entryOf(flushed, 'ner')).toMatchObject({ branch: NER.branch, dataset: NER.dataset });
      expect(entryOf(flushed, 'sentiment').lastCommit).toBe(branchTip(team.bare, SENTIMENT.branch));
      expect(entryOf(flushed, 'ner').lastCommit).toBe(branchTip(team.bare, NER.branch));
      expect(branchTip(team.bare, 'main')).toBe(mainBefore); // neither project writes the team's main branch

      await expectSentimentBranch();
      await expectNerBranch();
      await expectMediaRepository();
    }));

  it('a key works on its own bucket only: 403 AccessDenied on another, nothing written; ListBuckets lists its own', () =>
    logged(async () => {
      const nerKey = annotationKey(NER.prefix, [...sessions.ner!.live.keys()][0]);
      const [sentimentList, mediaList, put, list, head, get, del, stillThere] = await boto3(service, [
        { call: 'list_buckets', client: as('sentiment') },
        { call: 'list_buckets', client: as('media') },
        {
          call: 'put_object',
          params: { Bucket: NER.bucket, Key: 'intruder.json', Body: Buffer.from('{}') },
          client: as('sentiment'),
        },
        { call: 'list_objects_v2', params: { Bucket: MEDIA.bucket }, client: as('sentiment') },
        { call: 'head_bucket', params: { Bucket: NER.bucket }, client: as('media') },
        { call: 'get_object', params: { Bucket: NER.bucket, Key: nerKey }, client: as('media') },
        { call: 'delete_object', params: { Bucket: NER.bucket, Key: nerKey }, client: as('sentiment') },
        { call: 'head_object', params: { Bucket: NER.bucket, Key: nerKey }, client: as('ner') },
      ]);
      expect(okResponse(sentimentList).Buckets.map((b) => b.Name)).toEqual(['sentiment']);
      expect(okResponse(mediaList).Buckets.map((b) => b.Name)).toEqual(['media']);
      for (const refused of [put, list, get, del])
        expect(errorOf(refused)).toEqual({ code: 'AccessDenied', status: 403 });
      expect(errorOf(head)).toEqual({ code: '403', status: 403 }); // HEAD has no body: botocore names the status
      expect(okResponse(stillThere).ETag).toMatch(/^"[0-9a-f]{32}"$/);

      // Nothing was written: no journal entry anywhere, and the refused key is not in `ner`.
      const status = await projectsStatus(service);
      expect(status.projects.map((p) => [p.bucket, p.pending])).toEqual(
        expect.arrayContaining([
          ['ner', 0],
          ['media', 0],
          ['sentiment', 0],
        ]),
      );
      const [absent] = await boto3(service, [
        { call: 'head_object', params: { Bucket: NER.bucket, Key: 'intruder.json' }, client: as('ner') },
      ]);
      expect(errorOf(absent)).toEqual({ code: '404', status: 404 });

      // Label Studio's "Check connection" with one project's key on another's bucket: the service says 403.
      const seen = recorder.requests.length;
      await expect(
        ls.api.validateExportStorage({
          project: sessions.sentiment!.projectId,
          bucket: NER.bucket,
          prefix: 'x',
          s3_endpoint: recorder.url,
          aws_access_key_id: keys.sentiment.accessKeyId,
          aws_secret_access_key: keys.sentiment.secretAccessKey,
        }),
      ).rejects.toThrow(/Cannot connect to S3 ner/);
      const checks = recorder.requests.slice(seen).filter((r) => r.bucket === NER.bucket);
      expect(checks.length).toBeGreaterThan(0);
      for (const check of checks) {
        expect(check.headers.authorization).toContain(`Credential=${keys.sentiment.accessKeyId}/`);
        expect(check.status).toBe(403);
      }
    }));

  let sentimentTipBeforeOutage = '';

  it("sentiment's Git server refuses its token, then hangs: its writes stay pending while ner and media commit", () =>
    logged(async () => {
      sentimentTipBeforeOutage = branchTip(team.bare, SENTIMENT.branch);
      const nerTip = branchTip(team.bare, NER.branch);

      // 1. The server refuses the credentials for sentiment's repository (a revoked token), for sentiment only.
      team.brokenRoute.set({
        fault: {
          kind: 'status',
          status: 401,
          headers: { 'content-type': 'text/plain', 'www-authenticate': 'Basic realm="git"' },
          body: 'token revoked',
        },
      });
      await annotateMore(ls.api, sessions.sentiment!);
      await annotateMore(ls.api, sessions.ner!);
      await writeMedia({ 'images/cat.json': '{"label": "cat", "checked": true}\n' });
      const refused = await flushAll(service);
      expect(team.brokenRoute.counts.faulted).toBeGreaterThan(0);
      const sentiment = entryOf(refused, 'sentiment');
      expect(sentiment).toMatchObject({ outcome: 'failed' });
      expect(sentiment.lastError).toMatch(/401|credentials/);
      expect(sentiment.pending).toBeGreaterThan(0);
      expect(sentiment.consecutiveFailures).toBeGreaterThanOrEqual(1);
      for (const bucket of ['ner', 'media']) {
        expect({ bucket, ...pick(entryOf(refused, bucket)) }).toEqual({ bucket, lastError: null, pending: 0 });
      }
      expect(branchTip(team.bare, SENTIMENT.branch)).toBe(sentimentTipBeforeOutage);
      expect(branchTip(team.bare, NER.branch)).not.toBe(nerTip);
      // Health names the project whose remote is down, and only that one; writes are still taken (200). Health
      // probes are cached per project for 15 s (admin/remote-health.probe.ts): poll past an earlier answer.
      let health = await admin(service, 'GET', '/_admin/health');
      const healthDeadline = Date.now() + 40_000;
      while (gitHealth(health.text).sentiment && Date.now() < healthDeadline) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        health = await admin(service, 'GET', '/_admin/health');
      }
      expect(health.status).toBe(200);
      expect(gitHealth(health.text)).toEqual({ sentiment: false, ner: true, media: true });
      expect(entryOf(refused, 'ner').lastCommit).toBe(branchTip(team.bare, NER.branch));
      await expectNerBranch();
      await expectMediaRepository();

      // 2. The server hangs for sentiment: its flush waits on git, and ner's and media's flushes do not wait for it.
      team.brokenRoute.set({ fault: { kind: 'hang' } });
      const hanging = flush(service, 'sentiment');
      hanging.catch(() => undefined); // awaited below; a failure before that must not leave it unhandled
      await waitForStatus(service, 'its flush to start', (p) => p.running, { bucket: 'sentiment' });
      const updated = await ls.api.updateAnnotation(sessions.sentiment!.updatedId, { result: choice('pos') });
      sessions.sentiment!.live.set(updated.id, updated); // the PUT was acknowledged while its flush hangs
      const more = await ls.api.createAnnotation(sessions.ner!.taskIds[5], { result: choice('neg') });
      sessions.ner!.live.set(more.id, more);
      await writeMedia({ 'images/bird.json': '{"label": "bird"}\n' }, ['images/cat.json']);
      for (const bucket of ['ner', 'media']) {
        const flushed = await within(120_000, flush(service, bucket), `${bucket}'s flush (waiting for sentiment's?)`);
        expect({ bucket, ...pick(flushed) }).toEqual({ bucket, lastError: null, pending: 0 });
        // …answered while sentiment's flush is still stuck on its Git server.
        expect(entryOf(await projectsStatus(service), 'sentiment')).toMatchObject({ running: true });
      }
      await expectNerBranch();
      await expectMediaRepository();

      // 3. The hanging server dies (its connections cut) and answers 503 from then on: the flush fails, nothing lost.
      team.brokenRoute.set({ fault: { kind: 'status', status: 503, headers: { 'content-type': 'text/plain' } } });
      const failed = await hanging;
      expect(failed).toMatchObject({ outcome: 'failed', running: false });
      expect(failed.lastError).toEqual(expect.any(String));
      expect(failed.pending).toBeGreaterThan(0);
      expect(branchTip(team.bare, SENTIMENT.branch)).toBe(sentimentTipBeforeOutage);
      // GET shows it too, for an operator.
      expect(entryOf(await projectsStatus(service), 'sentiment')).toMatchObject({
        pending: failed.pending,
        lastError: failed.lastError,
      });
    }));

  it('repaired, sentiment catches up with exactly one commit of everything that was pending', () =>
    logged(async () => {
      team.brokenRoute.set({ fault: { kind: 'none' } });
      const caughtUp = await flush(service, 'sentiment');
      expect(pick(caughtUp)).toEqual({ lastError: null, pending: 0 });
      const commits = commitsBetween(team.bare, sentimentTipBeforeOutage, branchTip(team.bare, SENTIMENT.branch));
      expect(commits).toHaveLength(1);
      expect(commits[0].parents).toEqual([sentimentTipBeforeOutage]);
      expect(commits[0].paths.filter((path) => path !== 'data/.gitignore')).toEqual([`${SENTIMENT.dataset}.dvc`]);
      expect(caughtUp.lastCommit).toBe(commits[0].commit);
      await expectSentimentBranch(); // the annotations made during both outages included, the update in its last version
    }));

  it('POST /_admin/sync?bucket= flushes that project only; an unknown bucket is 404', () =>
    logged(async () => {
      const nerTip = branchTip(team.bare, NER.branch);
      const more = await ls.api.createAnnotation(sessions.ner!.taskIds[0], { result: choice('pos') });
      sessions.ner!.live.set(more.id, more);
      await writeMedia({ 'images/fish.json': '{"label": "fish"}\n' });

      expect(pick(await flush(service, 'media'))).toEqual({ lastError: null, pending: 0 });
      expect(entryOf(await projectsStatus(service), 'ner').pending).toBeGreaterThan(0);
      expect(branchTip(team.bare, NER.branch)).toBe(nerTip);
      await expectMediaRepository();

      const unknown = await admin(service, 'POST', '/_admin/sync?bucket=no-such-bucket');
      expect(unknown.status).toBe(404);
      expect(unknown.text).toContain('no-such-bucket');

      expect(pick(await flush(service, 'ner'))).toEqual({ lastError: null, pending: 0 });
      await expectNerBranch();
    }));

  it('status, health and metrics name every project, and no secret appears in them or in the log', () =>
    logged(async () => {
      const texts = await Promise.all(
        ['/_admin/sync', '/_admin/health', '/_admin/metrics'].map(
          async (path) => (await admin(service, 'GET', path)).text,
        ),
      );
      const metrics = texts[2];
      for (const bucket of ['sentiment', 'ner', 'media']) expect(metrics).toContain(`bucket="${bucket}"`);
      // Every project's remotes, all reachable again (the probe is cached for a few seconds: poll).
      const deadline = Date.now() + 60_000;
      let health = (await admin(service, 'GET', '/_admin/health')).text;
      while (!Object.values(gitHealth(health)).every(Boolean) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        health = (await admin(service, 'GET', '/_admin/health')).text;
      }
      expect(gitHealth(health)).toEqual({ sentiment: true, ner: true, media: true });
      expect(JSON.parse(health)).toMatchObject({ status: 'ok' });
      for (const secret of secrets()) {
        for (const text of [...texts, service.logs()]) expect(text.includes(secret)).toBe(false);
      }
    }));
});

const pick = (entry: { lastError: string | null; pending: number }) => ({
  lastError: entry.lastError,
  pending: entry.pending,
});

/** bucket → is its Git remote reachable, from GET /_admin/health (which lists each project's remotes). */
function gitHealth(text: string): Record<string, boolean> {
  const { projects } = JSON.parse(text) as { projects: Array<{ bucket: string; git: { ok: boolean } }> };
  return Object.fromEntries(projects.map((p) => [p.bucket, p.git.ok]));
}

/** `promise`, or a failure naming `what` after `ms` (a flush stuck behind another project's must fail, not hang). */
async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000}s`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
