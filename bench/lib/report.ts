import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './processes.js';

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export const ms = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
export const int = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–');

export function loadAverage(): string {
  return loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    return line ? line.split(':')[1].trim() : (cpus()[0]?.model ?? 'unknown');
  } catch {
    return cpus()[0]?.model ?? 'unknown';
  }
}

function nproc(): string {
  try {
    return execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    return String(cpus().length);
  }
}

function gitHead(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], {
      cwd: repoRoot,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head} (+ uncommitted changes in src/)` : head;
  } catch {
    return 'unknown';
  }
}

/** Machine facts recorded with every result: numbers from a busy 2-core box mean little without them. */
export class RunInfo {
  readonly startedAt = new Date();
  readonly loadBefore = loadAverage();
  /** Read at the start: the code that ran, even if a commit lands while a long run goes on. */
  readonly commit = gitHead();
  /** The processors this run could use (`nproc`). */
  readonly cores = Number(nproc());
  loadAfter = '';
  private readonly started = performance.now();

  finish(): void {
    this.loadAfter = loadAverage();
  }

  markdown(command: string): string {
    const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
    return [
      '| | |',
      '|---|---|',
      `| date | ${this.startedAt.toISOString()} |`,
      `| command | \`${command}\` |`,
      `| commit | ${this.commit} |`,
      `| CPU | ${cpuModel()}, nproc = ${nproc()} |`,
      `| memory | ${gib(totalmem())} total, ${gib(freemem())} free at the end |`,
      `| node | ${process.version} (${process.platform} ${process.arch}) |`,
      `| load average (1, 5, 15 min) before | ${this.loadBefore} |`,
      `| load average (1, 5, 15 min) after | ${this.loadAfter} |`,
      `| duration | ${((performance.now() - this.started) / 1000).toFixed(0)} s |`,
    ].join('\n');
  }
}

export function writeResult(name: string, markdown: string): string {
  const dir = join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.md`);
  writeFileSync(file, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
  return file;
}

export function log(message: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
