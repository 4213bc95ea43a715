/**
 * What writing a `.dir`-sized file (7.9 MB: 100,000 files in the bench's layout) costs on this machine, three ways, each
 * after the same idle gap: through the page cache into a new file (as any write(2) does), the same just after deleting
 * the previous file (its pages freed a moment ago), and past the page cache (O_DIRECT from page-aligned memory, as the
 * local DVC remote writes a large `.dir`: src/common/direct-write.ts). Each is followed by its fsync.
 *
 * Why it matters: on a virtual machine that hands memory the guest frees back to its host (virtio-balloon free page
 * reporting), a page the kernel takes from its free lists after a few idle seconds faults into the host on its first
 * touch. A write through the page cache then pays that for every 4 KiB page it fills; memory freed a moment ago has
 * not been handed back yet; O_DIRECT fills no page.
 *
 *   npx tsc -p bench/tsconfig.json && node bench/.out/page-cache-write.js [--megabytes=8] [--repeats=7]
 *     [--gap-ms=3000] [--dir=<folder on the disk to measure>] [--out=page-cache-write]
 *
 * Writes bench/results/<out>.md. Not a test.
 */
import { closeSync, fsyncSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { alignedCopy, createDirectSync } from './lib/aligned-write.js';
import { option, outName, textOption } from './lib/cli-options.js';
import { runBench, tempDir } from './lib/processes.js';
import { loadAverage, log, median, ms, RunInfo, writeResult } from './lib/report.js';

const BYTES = Math.round(option('megabytes', 8) * 0.9875 * 1e6); // 7.9 MB by default
const REPEATS = option('repeats', 7);
const GAP_MS = option('gap-ms', 3000);
const DIR = textOption('dir');
const PAGE = 4096;

type Way = 'new pages' | 'pages just freed' | 'past the page cache';
const WAYS: Way[] = ['new pages', 'pages just freed', 'past the page cache'];

interface Timing {
  repeat: number;
  way: Way;
  writeMs: number;
  fsyncMs: number;
}

runBench(async () => {
  const info = new RunInfo();
  const dir = DIR ?? tempDir('page-cache-write-');
  const bytes = Buffer.alloc(BYTES, '{"md5": "0123456789abcdef0123456789abcdef", "relpath": "objects/012345.json"}, ');
  const aligned = alignedCopy(bytes); // touched once, reused
  log(`${BYTES} bytes, ${REPEATS} repeats of each way, ${GAP_MS} ms idle before each, in ${dir}`);
  const timings: Timing[] = [];
  const kept: string[] = [];
  let n = 0;
  for (let repeat = 1; repeat <= REPEATS; repeat++) {
    for (const way of WAYS) {
      await sleep(GAP_MS);
      const path = `${dir}/write-${n++}`;
      if (way === 'pages just freed') {
        // A file of the same size, written and read back into the page cache, then deleted: its pages are free now.
        const previous = `${path}.previous`;
        const fd = openSync(previous, 'w');
        writeSync(fd, bytes);
        closeSync(fd);
        unlinkSync(previous);
      }
      const direct = way === 'past the page cache';
      const started = performance.now();
      let fd: number;
      if (direct) fd = createDirectSync(path, aligned, BYTES);
      else {
        fd = openSync(path, 'wx');
        for (let offset = 0; offset < BYTES;) offset += writeSync(fd, bytes, offset);
      }
      const written = performance.now();
      fsyncSync(fd);
      closeSync(fd);
      timings.push({ repeat, way, writeMs: written - started, fsyncMs: performance.now() - written });
      kept.push(path); // kept, as the remote keeps every `.dir`: deleting it would free its pages for the next write
      log(
        `repeat ${repeat}, ${way}: write ${ms(written - started)} ms, fsync ${ms(timings.at(-1)!.fsyncMs)} ms (load ${loadAverage()})`,
      );
    }
  }
  info.finish();
  for (const path of kept) rmSync(path);
  const rows = WAYS.map((way) => {
    const of = timings.filter((t) => t.way === way);
    const write = of.map((t) => t.writeMs);
    return `| ${way} | ${ms(median(write))} | ${ms(Math.min(...write))}–${ms(Math.max(...write))} | ${ms(median(of.map((t) => t.fsyncMs)))} | ${ms(((median(write) * 1000) / BYTES) * PAGE, 2)} |`;
  });
  const file = writeResult(
    outName('page-cache-write'),
    `# Writing ${(BYTES / 1e6).toFixed(1)} MB into a new file on this machine, three ways

Each write is a new file in \`${DIR ? dir : 'a temp folder'}\`, after ${GAP_MS} ms idle, then fsynced and kept
until the end (as the DVC remote keeps every \`.dir\`); the ways take turns, ${REPEATS} repeats each. *New pages*: write(2) through the page cache. *Pages just freed*: the
same right after deleting a file of the same size that was in the page cache. *Past the page cache*: O_DIRECT from
page-aligned memory (the bytes padded to 4 KiB, the file then cut to its size), as the local DVC remote writes a
large \`.dir\` (src/common/direct-write.ts).

| way | write ms (median) | range | fsync ms (median) | µs per 4 KiB page written |
|---|---:|---:|---:|---:|
${rows.join('\n')}

Every write, in the order they ran:

| repeat | way | write ms | fsync ms |
|---:|---|---:|---:|
${timings.map((t) => `| ${t.repeat} | ${t.way} | ${ms(t.writeMs)} | ${ms(t.fsyncMs)} |`).join('\n')}

## Machine

${info.markdown(`node bench/.out/page-cache-write.js ${process.argv.slice(2).join(' ')}`.trim())}
`,
  );
  log(`wrote ${file}`);
});
