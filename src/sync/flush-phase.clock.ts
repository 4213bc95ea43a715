/**
 * Where a flush's time goes, phase by phase (ms of wall time since the previous mark), for the debug log: how
 * bench/results/incr-ratio.md split an incremental flush at 100,000 files. Pure bookkeeping, one per flush.
 */
export class FlushPhaseClock {
  private readonly started = performance.now();
  private last = this.started;
  private readonly phases: string[] = [];

  /** The phase that just ended. A retry's phases follow the first attempt's, as they happened. */
  mark(phase: string): void {
    const now = performance.now();
    this.phases.push(`${phase} ${Math.round(now - this.last)}`);
    this.last = now;
  }

  /** `total 172 ms: changes 9, target 15, ...` */
  toString(): string {
    return `total ${Math.round(performance.now() - this.started)} ms: ${this.phases.join(', ')}`;
  }
}
