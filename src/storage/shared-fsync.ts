interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Fsyncs shared by concurrent callers, per target (a directory, the database's write-ahead log, a file system's syncfs:
 * file-system-syncs.ts), as SQLite's WAL or ext4's journal group commits. A caller waits for the first fsync of its
 * target that STARTS after its call: one already running may have started before the caller's write and not cover it.
 * Everyone arriving while one runs shares the next one, so N concurrent writes cost at most two fsyncs, not N. A failed
 * fsync fails every caller it was shared by.
 */
export class SharedFsync {
  /** Per target with an fsync running: the callers waiting for the next one. */
  private readonly queued = new Map<string, Waiter[]>();

  constructor(private readonly fsync: (target: string) => Promise<void>) {}

  /** One fsync of `target` that starts after this call, shared with every caller that arrives before it starts. */
  sync(target: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiting = this.queued.get(target);
      if (waiting) {
        waiting.push({ resolve, reject });
        return;
      }
      this.queued.set(target, []);
      this.run(target, [{ resolve, reject }]);
    });
  }

  private run(target: string, batch: Waiter[]): void {
    this.fsync(target).then(
      () => this.settle(target, batch, (w) => w.resolve()),
      (error: unknown) => this.settle(target, batch, (w) => w.reject(error)),
    );
  }

  private settle(target: string, batch: Waiter[], answer: (waiter: Waiter) => void): void {
    for (const waiter of batch) answer(waiter);
    const next = this.queued.get(target)!;
    if (next.length === 0) {
      this.queued.delete(target);
      return;
    }
    this.queued.set(target, []);
    this.run(target, next);
  }
}
