import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reading a V8 `.cpuprofile` (what `node --cpu-prof` writes): the Chrome DevTools Protocol's `Profiler.Profile` —
 * a call tree of `nodes`, and `samples` (node ids) with `timeDeltas` (µs between samples, the first one from
 * `startTime`). Timestamps are V8's monotonic clock, which on Linux is CLOCK_MONOTONIC, the clock of
 * `process.hrtime()`: a window measured by another process of the same machine selects the samples taken in it.
 */
export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A node of the merged call tree: the time (µs) of the samples taken in it (self) and below it (total). */
export interface FlameNode {
  name: string;
  /** Where the code comes from: 'ours' (dist/), a package name, 'node' (internals), or 'vm' ((program), GC). */
  origin: string;
  self: number;
  total: number;
  children: FlameNode[];
}

export interface WindowedProfile {
  /** Sampled time in the window, µs: busy (the event loop thread ran JS, native code or GC) and idle. */
  busyUs: number;
  idleUs: number;
  root: FlameNode;
  /** The profile cut to the window (samples outside it dropped), still a valid `.cpuprofile`. */
  trimmed: CpuProfile;
}

const IDLE = '(idle)';

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The profile `node --cpu-prof --cpu-prof-dir=<dir>` writes when the process exits (after SIGTERM: the shutdown flush runs first). */
export async function readProfile(dir: string): Promise<CpuProfile> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    // One file per thread (CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile): the event loop's is thread 0; the
    // index's checkpoint worker (src/storage/wal-checkpointer.ts) writes its own.
    const file = existsSync(dir) ? readdirSync(dir).find((f) => /\.0\.\d+\.cpuprofile$/.test(f)) : undefined;
    if (file) {
      try {
        return JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
      } catch {
        // still being written
      }
    }
    if (Date.now() > deadline) throw new Error(`no .cpuprofile in ${dir} within 5 minutes`);
    await delay(250);
  }
}

/**
 * `functionName file:line` with the file shortened to what tells it apart (dist/…, bench/.out/…, node_modules/<pkg>/…,
 * node:…): no path of the machine the profile was taken on.
 */
export function frameName(frame: CallFrame): string {
  const fn = frame.functionName || '(anonymous)';
  if (!frame.url) return fn;
  return `${fn} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
}

function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) return path.slice(modules + '/node_modules/'.length);
  const dist = path.lastIndexOf('/dist/');
  if (dist >= 0) return path.slice(dist + 1);
  const bench = path.lastIndexOf('/bench/.out/');
  if (bench >= 0) return path.slice(bench + 1); // a baseline server of bench/
  return path;
}

export function frameOrigin(frame: CallFrame): string {
  const path = frame.url.replace(/^file:\/\//, '');
  if (!path) return frame.functionName.startsWith('(') ? 'vm' : 'native';
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const parts = path.slice(modules + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (path.includes('/dist/')) return 'ours';
  if (path.includes('/bench/.out/')) return 'bench'; // a baseline server's own code
  return 'node';
}

/**
 * The samples taken between `fromUs` and `toUs` (monotonic clock, µs), as a call tree merged by frame name.
 * A sample stands for the time until the next one.
 */
export function windowOf(profile: CpuProfile, fromUs: number, toUs: number): WindowedProfile {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const selfUs = new Map<number, number>();
  const trimmedSamples: number[] = [];
  const trimmedDeltas: number[] = [];
  let busyUs = 0;
  let idleUs = 0;
  let time = profile.startTime;
  let lastKept = fromUs;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i];
    if (time < fromUs || time > toUs) continue;
    const next = i + 1 < profile.samples.length ? profile.timeDeltas[i + 1] : 0;
    const id = profile.samples[i];
    trimmedSamples.push(id);
    trimmedDeltas.push(time - lastKept);
    lastKept = time;
    if (byId.get(id)?.callFrame.functionName === IDLE) {
      idleUs += next;
      continue;
    }
    busyUs += next;
    selfUs.set(id, (selfUs.get(id) ?? 0) + next);
  }

  const root: FlameNode = { name: 'all busy time', origin: 'vm', self: 0, total: 0, children: [] };
  for (const [id, us] of selfUs) {
    const path: ProfileNode[] = [];
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) path.unshift(byId.get(n)!);
    let at = root;
    at.total += us;
    for (const node of path.slice(1)) {
      // (root) is the profile's own root: our root stands for it
      const name = frameName(node.callFrame);
      let child = at.children.find((c) => c.name === name);
      if (!child) {
        child = { name, origin: frameOrigin(node.callFrame), self: 0, total: 0, children: [] };
        at.children.push(child);
      }
      child.total += us;
      at = child;
    }
    at.self += us;
  }
  sortTree(root);
  const trimmed: CpuProfile = {
    nodes: profile.nodes,
    startTime: fromUs,
    endTime: Math.min(toUs, profile.endTime),
    samples: trimmedSamples,
    timeDeltas: trimmedDeltas,
  };
  return { busyUs, idleUs, root, trimmed };
}

function sortTree(node: FlameNode): void {
  node.children.sort((a, b) => b.total - a.total);
  for (const child of node.children) sortTree(child);
}

/** Self time per function (merged over every call path), heaviest first. */
export function selfTimes(root: FlameNode): Array<{ name: string; origin: string; us: number }> {
  const sums = new Map<string, { name: string; origin: string; us: number }>();
  const visit = (node: FlameNode) => {
    if (node.self > 0) {
      const entry = sums.get(node.name) ?? { name: node.name, origin: node.origin, us: 0 };
      entry.us += node.self;
      sums.set(node.name, entry);
    }
    for (const child of node.children) visit(child);
  };
  visit(root);
  return [...sums.values()].sort((a, b) => b.us - a.us);
}

/** Self time per origin (our code, each package, node internals, the VM). */
export function originTimes(root: FlameNode): Array<{ origin: string; us: number }> {
  const sums = new Map<string, number>();
  const visit = (node: FlameNode) => {
    if (node.self > 0) sums.set(node.origin, (sums.get(node.origin) ?? 0) + node.self);
    for (const child of node.children) visit(child);
  };
  visit(root);
  return [...sums.entries()].map(([origin, us]) => ({ origin, us })).sort((a, b) => b.us - a.us);
}
