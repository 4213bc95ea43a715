/**
 * What one flush costs as the dataset grows, for the same 100 changes:
 *   directory layout (DVC_DATASET_PATH=data/annotations): should be O(changes) — a small dataset and a big one
 *     cost about the same (only the .dir listing, a few bytes per object, grows with the dataset);
 *   JSON layout (DVC_DATASET_PATH=data/annotations.json): O(tasks) by nature — the one file is rebuilt, hashed and
 *     uploaded whole. Shown for contrast.
 * Every object is written through the S3 API (so it is journaled like a real one), 16 clients, small bodies; then
 * one initial flush (measured too); then, REPEATS times: 100 PUTs that update existing objects, POST /_admin/sync.
 * All services of the run stay up together and their repetitions are interleaved, so background load hits
 * every size alike.
 *
 *   npm run build && npx tsc -p bench/tsconfig.json && node bench/.out/flush-cost.js [--small=1000] [--large=30000]
 *     [--json-small=1000] [--json-large=10000] [--changes=100] [--repeats=5]
 *
 * Writes bench/results/flush-cost.md (or --out=<name>: bench/results/<name>.md). Not a test: nothing here passes or fails on a number.
 */
import { readFileSync } from 'node:fs';
import { runLoad } from './lib/load.js';
import { flush, type FlushAnswer, removeTempDirs, type Service, startService } from './lib/processes.js';
import { int, loadAverage, log, median, RunInfo, writeResult } from './lib/report.js';
import { S3Putter } from './lib/s3-put.js';
import { option, outName } from './lib/cli-options.js';

const SMALL = option('small', 1000);
/** 100,000 is the goal; 30,000 is the default because writing 100,000 objects through the API takes minutes here. */
const LARGE = option('large', 30000);
const JSON_SMALL = option('json-small', 1000);
const JSON_LARGE = option('json-large', 10000);
const CHANGES = option('changes', 100);
const REPEATS = option('repeats', 5);
const FILL_CONCURRENCY = 16;

type Layout = 'directory' | 'json';

interface Subject {
  name: string;
  layout: Layout;
  objects: number;
  service: Service;
  putter: S3Putter;
  fillMs: number;
  initial?: Measured;
  repeats: Measured[];
}

interface Measured {
  durationMs: number;
  wallMs: number;
  serverCpuMs: number;
  added: number;
  updated: number;
  uploadedObjects: number;
}

function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Directory layout: a small JSON file per object (~90 bytes), distinct per object and version. */
function smallBody(i: number, version: number): Buffer {
  return Buffer.from(
    `{"id":${i},"version":${version},"label":"${version % 2 ? 'positive' : 'negative'}","note":"bench object"}\n`,
  );
}

/**
 * JSON layout: what Label Studio's target storage writes for an annotation (StorageAnnotationSerializer: the
 * annotation with its task nested), one annotation per task, annotation id = task id + 1,000,000.
 * ~900 bytes each.
 */
function annotationBody(task: number, version: number): Buffer {
  const annotation = task + 1_000_000;
  const choice = version % 2 ? 'Positive' : 'Negative';
  return Buffer.from(
    JSON.stringify({
      id: annotation,
      result: [
        {
          value: { choices: [choice] },
          id: `c${version}`,
          from_name: 'sentiment',
          to_name: 'text',
          type: 'choices',
          origin: 'manual',
        },
      ],
      created_username: 'Bench bench@example.com, 1',
      created_ago: '0 minutes',
      completed_by: { id: 1, first_name: 'Bench', last_name: '', email: 'bench@example.com' },
      task: {
        id: task,
        data: { text: `Task ${task}: a short sentence for the annotator to classify.` },
        meta: {},
        created_at: '2024-05-01T09:00:00.000000Z',
        updated_at: '2024-05-03T08:00:00.000000Z',
        is_labeled: true,
        overlap: 1,
        inner_id: task,
        total_annotations: 1,
        cancelled_annotations: 0,
        total_predictions: 0,
        comment_count: 0,
        unresolved_comment_count: 0,
        last_comment_updated_at: null,
        project: 1,
        updated_by: 1,
        file_upload: 4,
        comment_authors: [],
      },
      was_cancelled: false,
      ground_truth: false,
      created_at: '2024-05-03T08:00:00.000000Z',
      updated_at: `2024-05-03T08:00:${String(version % 60).padStart(2, '0')}.000000Z`,
      draft_created_at: null,
      lead_time: 12.5,
      import_id: null,
      last_action: null,
      bulk_created: false,
      project: 1,
      updated_by: 1,
      parent_prediction: null,
      parent_annotation: null,
      last_created_by: null,
    }),
  );
}

const objectKey = (layout: Layout, i: number) =>
  layout === 'json' ? `ls/${i + 1_000_000}` : `objects/${String(i).padStart(6, '0')}.json`;
const objectBody = (layout: Layout, i: number, version: number) =>
  layout === 'json' ? annotationBody(i, version) : smallBody(i, version);

async function write(subject: Subject, indexes: number[], version: number): Promise<number> {
  const result = await runLoad(subject.putter, {
    requests: indexes.length,
    concurrency: FILL_CONCURRENCY,
    object: (n) => ({
      key: objectKey(subject.layout, indexes[n]),
      body: objectBody(subject.layout, indexes[n], version),
    }),
  });
  if (result.errors.length > 0)
    throw new Error(
      `${subject.name}: PUTs failed:\n${result.errors.join('\n')}\n${subject.service.logs().slice(-4000)}`,
    );
  return result.wallMs;
}

async function measuredFlush(subject: Subject): Promise<Measured> {
  const cpu0 = processCpuMs(subject.service.pid);
  const answer: FlushAnswer = await flush(subject.service);
  const serverCpuMs = processCpuMs(subject.service.pid) - cpu0;
  const last = answer.status.lastFlush;
  if (!last || answer.status.pending !== 0)
    throw new Error(`${subject.name}: flush left ${answer.status.pending} pending: ${JSON.stringify(answer.status)}`);
  if (subject.layout === 'json' && answer.status.rejected.length > 0) {
    throw new Error(
      `${subject.name}: bodies rejected as Label Studio JSON: ${JSON.stringify(answer.status.rejected.slice(0, 3))}`,
    );
  }
  return {
    durationMs: last.durationMs,
    wallMs: answer.wallMs,
    serverCpuMs,
    added: last.added,
    updated: last.updated,
    uploadedObjects: last.uploadedObjects,
  };
}

async function main() {
  const info = new RunInfo();
  const plan: Array<{ name: string; layout: Layout; objects: number }> = [
    { name: `directory, ${int(SMALL)} objects`, layout: 'directory', objects: SMALL },
    { name: `directory, ${int(LARGE)} objects`, layout: 'directory', objects: LARGE },
    { name: `JSON, ${int(JSON_SMALL)} tasks`, layout: 'json', objects: JSON_SMALL },
    { name: `JSON, ${int(JSON_LARGE)} tasks`, layout: 'json', objects: JSON_LARGE },
  ];
  log(`load average ${info.loadBefore}; ${plan.map((p) => p.name).join(' | ')}; ${CHANGES} changes × ${REPEATS}`);
  const subjects: Subject[] = [];
  try {
    for (const p of plan) {
      const service = await startService({
        DVC_DATASET_PATH: p.layout === 'json' ? 'data/annotations.json' : 'data/annotations',
      });
      subjects.push({ ...p, service, putter: new S3Putter(service, FILL_CONCURRENCY), fillMs: 0, repeats: [] });
    }
    // Fill and initial flush, one subject after the other (filling is what takes the time).
    for (const subject of subjects) {
      subject.fillMs = await write(
        subject,
        Array.from({ length: subject.objects }, (_, i) => i),
        0,
      );
      log(
        `${subject.name}: written in ${int(subject.fillMs)} ms (${int((subject.objects / subject.fillMs) * 1000)} PUT/s)`,
      );
      subject.initial = await measuredFlush(subject);
      log(
        `${subject.name}: initial flush ${int(subject.initial.durationMs)} ms (${subject.initial.added} added) (load ${loadAverage()})`,
      );
    }
    // The measured flushes: interleaved, CHANGES updates of existing objects spread over the whole key range.
    for (let repeat = 1; repeat <= REPEATS; repeat++) {
      for (const subject of subjects) {
        const stride = Math.max(1, Math.floor(subject.objects / CHANGES));
        const indexes = Array.from(
          { length: Math.min(CHANGES, subject.objects) },
          (_, k) => (k * stride + repeat) % subject.objects,
        );
        await write(subject, indexes, repeat);
        const measured = await measuredFlush(subject);
        subject.repeats.push(measured);
        log(
          `repeat ${repeat} ${subject.name}: flush ${int(measured.durationMs)} ms, wall ${int(measured.wallMs)} ms, server CPU ${int(measured.serverCpuMs)} ms (load ${loadAverage()})`,
        );
      }
    }
  } finally {
    for (const subject of subjects) {
      subject.putter.close();
      await subject.service.kill();
    }
  }
  info.finish();
  const file = writeResult(outName('flush-cost'), report(info, subjects));
  log(`wrote ${file}; removing the temp folders`);
  const removing = performance.now();
  removeTempDirs();
  log(`removed in ${int(performance.now() - removing)} ms`);
}

function report(info: RunInfo, subjects: Subject[]): string {
  const med = (s: Subject, pick: (m: Measured) => number) => median(s.repeats.map(pick));
  const ratioRow = (layout: Layout) => {
    const [small, large] = subjects.filter((s) => s.layout === layout);
    const ratio = (pick: (m: Measured) => number) => (med(large, pick) / med(small, pick)).toFixed(2);
    return `| ${layout === 'json' ? 'JSON' : 'directory'} | ${int(large.objects / small.objects)}× | ${ratio((m) => m.durationMs)}× | ${ratio((m) => m.wallMs)}× | ${ratio((m) => m.serverCpuMs)}× |`;
  };
  const summaryRows = subjects.map(
    (s) =>
      `| ${s.name} | ${int(med(s, (m) => m.durationMs))} | ${int(med(s, (m) => m.wallMs))} | ${int(med(s, (m) => m.serverCpuMs))} | ${s.repeats.map((m) => int(m.durationMs)).join(' / ')} | ${s.repeats.map((m) => `${m.added}/${m.updated}`).join(' ')} | ${int(med(s, (m) => m.uploadedObjects))} |`,
  );
  const initialRows = subjects.map(
    (s) =>
      `| ${s.name} | ${int(s.fillMs)} | ${int((s.objects / s.fillMs) * 1000)} | ${int(s.initial!.durationMs)} | ${int(s.initial!.wallMs)} | ${int(s.initial!.serverCpuMs)} | ${int(s.initial!.uploadedObjects)} |`,
  );
  const command = process.argv.slice(2).length
    ? `node bench/.out/flush-cost.js ${process.argv.slice(2).join(' ')}`
    : 'node bench/.out/flush-cost.js';
  return `# Flush cost: ${CHANGES} changes on a small vs a big dataset

Each dataset is written through the S3 API (${FILL_CONCURRENCY} clients; directory layout: ~90-byte JSON objects; JSON layout:
~900-byte Label Studio annotation bodies, one annotation per task), flushed once (the initial flush), then ${REPEATS} times:
${CHANGES} PUTs updating existing objects spread over the whole key range, then \`POST /_admin/sync\` (timed).
Embedded git repository and DVC remote (local folders, no network). Repetitions are interleaved across the datasets.
${LARGE < 100_000 ? `\nThe big directory dataset has ${int(LARGE)} objects, not 100,000: writing 100,000 objects through the API takes several minutes on this machine (\`--large=100000\` does it).\n` : ''}
## ${CHANGES} changes: median of ${REPEATS} flushes

| dataset | lastFlush.durationMs | wall ms (POST /_admin/sync) | server CPU ms | durationMs of each flush | added/updated | objects uploaded |
|---|---:|---:|---:|---:|---:|---:|
${summaryRows.join('\n')}

| layout | dataset size ratio | durationMs ratio | wall ratio | server CPU ratio |
|---|---:|---:|---:|---:|
${ratioRow('directory')}
${ratioRow('json')}

(O(changes) means a ratio near 1× while the dataset grows; O(dataset) means a ratio near the size ratio.)

## Filling and the initial flush

| dataset | fill ms | fill PUT/s | initial flush durationMs | wall ms | server CPU ms | objects uploaded |
|---|---:|---:|---:|---:|---:|---:|
${initialRows.join('\n')}

## Machine

${info.markdown(command)}

How to read it: see bench/README.md.
`;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
