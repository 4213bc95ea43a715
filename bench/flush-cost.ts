/**
 * What one flush of the JSON layout (DVC_DATASET_PATH=data/annotations.json, one Label Studio task file) costs as
 * the project grows, for the same 100 changes: O(tasks) by nature — the one file is rebuilt, hashed and uploaded
 * whole. (The directory layout's flush, which should cost O(changes), is measured next to the dvc CLI by
 * `npm run bench`: bench/side-by-side.ts.)
 * Every annotation is written through the S3 API (so it is journaled like a real one), 16 clients; then one initial
 * flush (measured too); then, REPEATS times: 100 PUTs that update existing annotations, POST /_admin/sync. Both
 * services stay up together and their repetitions are interleaved, so background load hits both sizes alike.
 *
 *   npm run build && npx tsc -p bench/tsconfig.json && node bench/.out/flush-cost.js [--small=1000]
 *     [--large=10000] [--changes=100] [--repeats=5]
 *
 * Writes bench/results/flush-cost.md (or --out=<name>: bench/results/<name>.md). Not a test: nothing here passes or fails on a number.
 */
import { measuredFlush, type MeasuredFlush, putObjects, spreadChanges } from './lib/flush-measure.js';
import { removeTempDirs, runBench, type Service, startService } from './lib/processes.js';
import { int, loadAverage, log, median, RunInfo, writeResult } from './lib/report.js';
import { S3Putter } from './lib/s3-put.js';
import { option, outName } from './lib/cli-options.js';

const SMALL = option('small', 1000);
const LARGE = option('large', 10000);
const CHANGES = option('changes', 100);
const REPEATS = option('repeats', 5);
const FILL_CONCURRENCY = 16;

interface Subject {
  name: string;
  objects: number;
  service: Service;
  putter: S3Putter;
  fillMs: number;
  initial?: MeasuredFlush;
  repeats: MeasuredFlush[];
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

/** Annotation i: key `ls/<annotation id>`, as Label Studio's target storage names it (no prefix). */
const write = (subject: Subject, indexes: number[], version: number) =>
  putObjects(subject.service, subject.putter, indexes.length, (n) => ({
    key: `ls/${indexes[n] + 1_000_000}`,
    body: annotationBody(indexes[n], version),
  }));

async function main() {
  const info = new RunInfo();
  const plan = [SMALL, LARGE].map((objects) => ({ name: `JSON, ${int(objects)} tasks`, objects }));
  log(`load average ${info.loadBefore}; ${plan.map((p) => p.name).join(' | ')}; ${CHANGES} changes × ${REPEATS}`);
  const subjects: Subject[] = [];
  try {
    for (const p of plan) {
      const service = await startService({ DVC_DATASET_PATH: 'data/annotations.json' });
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
      subject.initial = await measuredFlush(subject.service, subject.name);
      log(
        `${subject.name}: initial flush ${int(subject.initial.durationMs)} ms (${subject.initial.added} added) (load ${loadAverage()})`,
      );
    }
    // The measured flushes: interleaved, CHANGES updates of existing annotations spread over the whole key range.
    for (let repeat = 1; repeat <= REPEATS; repeat++) {
      for (const subject of subjects) {
        await write(subject, spreadChanges(subject.objects, CHANGES, repeat), repeat);
        const measured = await measuredFlush(subject.service, subject.name);
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
  removeTempDirs();
}

function report(info: RunInfo, subjects: Subject[]): string {
  const med = (s: Subject, pick: (m: MeasuredFlush) => number) => median(s.repeats.map(pick));
  const [small, large] = subjects;
  const ratio = (pick: (m: MeasuredFlush) => number) => (med(large, pick) / med(small, pick)).toFixed(2);
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
  return `# Flush cost of the JSON layout: ${CHANGES} changes on a small vs a big project

Each project is written through the S3 API (${FILL_CONCURRENCY} clients; ~900-byte Label Studio annotation bodies, one
annotation per task) into \`data/annotations.json\`, flushed once (the initial flush), then ${REPEATS} times: ${CHANGES} PUTs
updating existing annotations spread over the whole key range, then \`POST /_admin/sync\` (timed). Embedded git
repository and DVC remote (local folders, no network). Repetitions are interleaved across the two projects.

## ${CHANGES} changes: median of ${REPEATS} flushes

| project | lastFlush.durationMs | wall ms (POST /_admin/sync) | server CPU ms | durationMs of each flush | added/updated | objects uploaded |
|---|---:|---:|---:|---:|---:|---:|
${summaryRows.join('\n')}

| size ratio | durationMs ratio | wall ratio | server CPU ratio |
|---:|---:|---:|---:|
| ${int(large.objects / small.objects)}× | ${ratio((m) => m.durationMs)}× | ${ratio((m) => m.wallMs)}× | ${ratio((m) => m.serverCpuMs)}× |

(The task file is rebuilt whole: a ratio near the size ratio is what the format costs; see bench/README.md.)

## Filling and the initial flush

| project | fill ms | fill PUT/s | initial flush durationMs | wall ms | server CPU ms | objects uploaded |
|---|---:|---:|---:|---:|---:|---:|
${initialRows.join('\n')}

## Machine

${info.markdown(command)}

How to read it: see bench/README.md.
`;
}

runBench(main);
