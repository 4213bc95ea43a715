/** One minute of requests as the status page shows it. */
export interface MinuteStats {
  /** Start of the minute (ISO). */
  minute: string;
  requests: number;
  /** Answered with a status ≥ 400 (refused, bad request, or a server failure). */
  errors: number;
  /** Mean and highest duration of the minute's requests, in ms; null when there were none. */
  meanMs: number | null;
  maxMs: number | null;
}

interface Slot {
  minute: number;
  requests: number;
  errors: number;
  totalMs: number;
  maxMs: number;
}

const MINUTE_MS = 60_000;

/**
 * Per-minute counts and latency of the last `size` minutes, in a ring of fixed size: constant memory and an
 * O(1) record on the request path, whatever the traffic. Prometheus keeps the long history; this is what a
 * person glancing at the status page wants ("are annotations arriving right now, and how fast?").
 */
export class MinuteWindow {
  private readonly slots: Slot[];

  constructor(readonly size: number) {
    this.slots = Array.from({ length: size }, () => ({ minute: -1, requests: 0, errors: 0, totalMs: 0, maxMs: 0 }));
  }

  record(nowMs: number, durationMs: number, failed: boolean): void {
    const minute = Math.floor(nowMs / MINUTE_MS);
    const slot = this.slots[minute % this.size];
    if (slot.minute !== minute) Object.assign(slot, { minute, requests: 0, errors: 0, totalMs: 0, maxMs: 0 });
    slot.requests++;
    if (failed) slot.errors++;
    slot.totalMs += durationMs;
    slot.maxMs = Math.max(slot.maxMs, durationMs);
  }

  /** The last `size` minutes, oldest first, the current (unfinished) minute last; quiet minutes count 0. */
  minutes(nowMs: number): MinuteStats[] {
    const current = Math.floor(nowMs / MINUTE_MS);
    const result: MinuteStats[] = [];
    for (let minute = current - this.size + 1; minute <= current; minute++) {
      const slot = this.slots[minute % this.size];
      const seen = slot.minute === minute && slot.requests > 0;
      result.push({
        minute: new Date(minute * MINUTE_MS).toISOString(),
        requests: seen ? slot.requests : 0,
        errors: seen ? slot.errors : 0,
        meanMs: seen ? slot.totalMs / slot.requests : null,
        maxMs: seen ? slot.maxMs : null,
      });
    }
    return result;
  }
}
