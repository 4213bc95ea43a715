import { performance } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * The V8 heap's committed size (plus its external memory: `heldBytes`) above which a flush's garbage is worth a full
 * collection afterwards. The service
 * holds ~50 MiB live at start and ~65 MiB with a 100,000-file dataset; a first sync of 100,000 objects grows the
 * heap to ~350–440 MiB, 100 changes into that dataset to ~100 MiB plus the `.dir` buffers they leave to free (the
 * collection frees those too: idle RSS 259 MiB without it, bench/results/flush-memory.md). A few flushes of a small
 * dataset in a row may reach it too (~85 MiB committed + ~22 MiB external): one idle collection of a ~46 MiB heap.
 */
export const RELEASE_ABOVE_BYTES = 96 * 2 ** 20;
/** Quiet time after the last such flush before collecting: other projects' flushes often follow (a first sync). */
export const RELEASE_DELAY_MS = 2_000;
/**
 * The share of that time the event loop may have been busy for the collection to run at its end; above it the service
 * is serving requests, and the collection waits for the next quiet time. A PUT keeps the loop busy ~0.5–0.8 ms, so
 * this is ~100 PUTs a second, far beyond annotators saving their work, and far below a bulk writer's load (an 8-client
 * PUT load keeps it 85–95 % busy). Without it the collection (~50 ms per pass, up to three passes at ~50 MiB live)
 * paused the PUTs that kept arriving after a flush (bench/results/heap-release-busy.md).
 */
export const RELEASE_BUSY_BELOW = 0.05;

/**
 * How far (in % of what a full collection left live) V8 lets the old generation grow before it collects again:
 * V8's `--heap-growing-percent`. Its own choice after an idle service's memory-reducing collections (this class's
 * and V8's memory reducer's, ~8 s after activity) is 10–30 %: with ~62 MiB live at 100,000 files that left 7–19 MiB
 * of room, less than the young generation grows to under the PUTs between two flushes, and V8 starts marking as
 * soon as the room left is below that. So every flush of a big dataset ran a mark-compact (7 of 7, 40–60 ms of the
 * event loop each), where one of 1,000 files, 46 MiB live, mostly did not. At 100 % it ran 1 in 7; the room is a
 * limit, not memory taken: an idle service still gives back what its collections free (bench/results/flush-gc.md).
 */
export const HEAP_GROWING_PERCENT = 100;

/** Sets HEAP_GROWING_PERCENT for this process (read by V8 at every full collection, so it applies from the next). */
export function setHeapGrowth(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

/**
 * Gives the V8 heap a big flush left behind back to the system. A first sync of 100,000 objects grows the heap to
 * ~400 MB (streams, closures and rows of every object, ~65 MB of it live afterwards); V8 keeps what it grew until a
 * later collection, and in a service that sits idle after a sync none comes: measured idle 40 s after such a flush,
 * 802 MiB resident, 264 MiB of "used" heap that one full collection brings to 64 MiB (bench/results/flush-memory.md).
 * V8's memory reducer does this on its own only sometimes (after a restart, not after the PUTs of the sync).
 *
 * So: a full collection, memory-reducing when the heap grew or stays big (`fullCollection`), RELEASE_DELAY_MS after the
 * last flush that left the heap (`heldBytes`) above RELEASE_ABOVE_BYTES, once the event loop was that long mostly
 * idle (RELEASE_BUSY_BELOW: no request traffic to pause), and never while a flush runs (a flush starting cancels it;
 * the next one's end schedules it again). It pauses the event loop once, ~0.1–0.3 s for such a heap, as V8's own
 * full collections during the flush did. Shared by every project of the process, as the heap is.
 */
export class HeapRelease {
  private timer: NodeJS.Timeout | undefined;
  private running = 0;
  /** The largest committed heap a flush left since the last collection (what `collect` is told it grew to). */
  private grownTo = 0;

  constructor(
    /** Given the largest committed heap a flush left since the last collection. */
    private readonly collect: (grownTo: number) => void = fullCollection,
    private readonly heapSize = heldBytes,
    private readonly delayMs = RELEASE_DELAY_MS,
    /** Starts a measure of the event loop; what it returns tells the busy share (0–1) since then. */
    private readonly loopBusySince: () => () => number = eventLoopBusySince,
    private readonly committedHeap = committedBytes,
  ) {}

  /** A flush of any project starts: no collection while one runs (it would pause that flush). */
  flushStarted(): void {
    this.running++;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A flush ended (pushed or failed): once none runs, schedules the collection when the heap grew past the bound. */
  flushEnded(): void {
    this.running = Math.max(0, this.running - 1);
    // Read at every flush's end: V8's own collections during the wait may shrink the committed heap before ours.
    this.grownTo = Math.max(this.grownTo, this.committedHeap());
    if (this.running > 0 || this.heapSize() <= RELEASE_ABOVE_BYTES) return;
    this.waitForQuiet();
  }

  /** Collects after `delayMs` in which the event loop was mostly idle; while it serves requests, waits again. */
  private waitForQuiet(): void {
    clearTimeout(this.timer);
    const busy = this.loopBusySince();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (busy() >= RELEASE_BUSY_BELOW) {
        this.waitForQuiet();
      } else {
        this.collect(this.grownTo);
        this.grownTo = 0;
      }
    }, this.delayMs).unref(); // never keeps a stopping process alive
  }
}

/** `performance.eventLoopUtilization`: the share of wall time the event loop ran callbacks, since this call. */
function eventLoopBusySince(): () => number {
  const start = performance.eventLoopUtilization();
  return () => performance.eventLoopUtilization(start).utilization;
}

/** The V8 heap's committed size: what the memory-reducing pass is decided on (`reducesMemory`). */
function committedBytes(): number {
  return getHeapStatistics().total_heap_size;
}

/**
 * The V8 heap's committed size plus its external memory (ArrayBuffers: each flush's `.dir` bytes, 6.6 MB at 100,000
 * files), which only a full collection frees: with room to grow (HEAP_GROWING_PERCENT) seven 100-change flushes
 * left 47 MiB of it with an 80 MiB heap, 238 MiB resident (bench/results/flush-gc.md).
 */
function heldBytes(): number {
  const stats = getHeapStatistics();
  return stats.total_heap_size + stats.external_memory;
}

let gc: ((options: object) => void) | undefined;

/**
 * A full collection; then a memory-reducing one when the heap had grown big or stays big (`reducesMemory`),
 * which also shrinks the young generation and gives the freed pages back: Node's `gc({ flavor: 'last-resort' })`,
 * up to seven passes. Not after every big flush: the next flush then regrew the heap, and took 1.07–1.08× as long
 * (100 changes into 100,000 files after 20 s idle, bench/results/flush-idle-release.md); after a full collection
 * alone it took as long as with none (flush-idle-major.md). Idle RSS at 100,000 objects: 228 MiB after the first
 * sync, 238 MiB after incremental flushes (231 when every release reduced: release-flavor-both.md). `--expose-gc` is
 * turned on here at the first use rather than on every command line that starts the service (the flag applies to
 * contexts created after).
 */
export function fullCollection(grownTo = 0): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as (options: object) => void;
  }
  const before = Math.max(grownTo, committedBytes());
  gc({ type: 'major', execution: 'sync' });
  if (reducesMemory(before, committedBytes())) gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}

/**
 * The committed heap before the full collection above which the memory-reducing pass follows it whatever the full
 * one left: the pages a full collection frees leave the committed heap (`total_heap_size`) but V8 keeps them for
 * the heap to grow into again, resident until a memory-reducing collection. After the first syncs of 10 projects of
 * 10,000 objects the heap had grown to 159–192 MiB; when the full collection alone brought it below
 * RELEASE_ABOVE_BYTES, the process stayed at 353 MiB resident, against 227–237 MiB after the memory-reducing pass
 * (bench/results/heap-release-pooled.md). Incremental flushes of 100,000 files leave 77–100 MiB committed
 * (release-flavor-major.md), a small project's 85–99 MiB: below it, they keep the faster regrowth.
 */
export const RELEASE_GROWN_ABOVE_BYTES = 128 * 2 ** 20;

/**
 * Whether the memory-reducing pass follows a full collection that took the committed heap from `before` (or the
 * most a flush left it since the last collection, if more: a collection of V8's own may have come between) to `after`
 * bytes: when the heap had grown past RELEASE_GROWN_ABOVE_BYTES, or stays above RELEASE_ABOVE_BYTES (what a first
 * sync of a big project grew: ~170 MiB committed for ~65 MiB live at 100,000 objects).
 */
export function reducesMemory(before: number, after: number): boolean {
  return before > RELEASE_GROWN_ABOVE_BYTES || after > RELEASE_ABOVE_BYTES;
}

/** The process's one: its heap is shared by every project. */
export const heapRelease = new HeapRelease();
