import { readFileSync } from 'node:fs';
import { httpCall } from './processes.js';

/**
 * Where a process's memory is: the kernel's view (/proc/<pid>/status: resident anonymous memory is the V8 heap plus
 * every malloc, resident file pages are the mapped code and SQLite's mmap) and V8's own (the service's Prometheus
 * gauges `nodejs_heap_size_*_bytes` and `nodejs_external_memory_bytes`, from `process.memoryUsage()`). RssAnon well
 * above the heap's committed size is native memory (glibc arenas, SQLite's page cache, Buffers' backing stores).
 */
export interface MemorySample {
  rss: number;
  rssAnon: number;
  rssFile: number;
  /** Peak RSS of the process so far (VmHWM). */
  peak: number;
  /** V8 heap: committed (total) and live after the last GC (used); external: Buffers and other off-heap memory. */
  heapTotal: number;
  heapUsed: number;
  external: number;
}

function statusField(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${name} in /proc/<pid>/status`);
  return Number(match[1]) * 1024;
}

function gauge(metrics: string, name: string): number {
  const match = new RegExp(`^${name} (\\d+(?:\\.\\d+)?(?:e\\+\\d+)?)$`, 'm').exec(metrics);
  if (!match) throw new Error(`no ${name} in /_admin/metrics`);
  return Number(match[1]);
}

/** One sample of the service at `url` (GET /_admin/metrics: the admin token must be unset) with process id `pid`. */
export async function memorySample(url: string, pid: number): Promise<MemorySample> {
  const metrics = await httpCall('GET', `${url}/_admin/metrics`);
  if (metrics.status !== 200) throw new Error(`GET /_admin/metrics answered ${metrics.status}`);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    rss: statusField(status, 'VmRSS'),
    rssAnon: statusField(status, 'RssAnon'),
    rssFile: statusField(status, 'RssFile'),
    peak: statusField(status, 'VmHWM'),
    heapTotal: gauge(metrics.text, 'nodejs_heap_size_total_bytes'),
    heapUsed: gauge(metrics.text, 'nodejs_heap_size_used_bytes'),
    external: gauge(metrics.text, 'nodejs_external_memory_bytes'),
  };
}

const mib = (bytes: number) => Math.round(bytes / 2 ** 20).toLocaleString('en-US');

/** A markdown table row: `| <label> | RSS | anon | file | heap total | heap used | external | peak |` in MiB. */
export function memoryRow(label: string, s: MemorySample): string {
  return `| ${label} | ${mib(s.rss)} | ${mib(s.rssAnon)} | ${mib(s.rssFile)} | ${mib(s.heapTotal)} | ${mib(s.heapUsed)} | ${mib(s.external)} | ${mib(s.peak)} |`;
}

export const MEMORY_HEADER =
  '| MiB | RSS | RssAnon | RssFile | V8 heap committed | V8 heap used | external | peak RSS so far |\n|---|---:|---:|---:|---:|---:|---:|---:|';

/** One line for the progress log. */
export function memoryLine(s: MemorySample): string {
  return `RSS ${mib(s.rss)} MiB (anon ${mib(s.rssAnon)}, file ${mib(s.rssFile)}), heap ${mib(s.heapUsed)}/${mib(s.heapTotal)} MiB, external ${mib(s.external)} MiB, peak ${mib(s.peak)} MiB`;
}
