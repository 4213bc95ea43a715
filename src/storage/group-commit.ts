type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

interface Pending {
  work: () => unknown;
  resolve: (value: never) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: the database writes requested during one turn of the event loop share one transaction, hence one
 * append to the WAL (a commit writes every page it touched as a whole frame: one object's row, journal entry,
 * intent and counters are a handful of pages, shared by the batch). Each piece of work must be a nested
 * transaction (a savepoint, in better-sqlite3) so that one failing request rolls back alone; every request is
 * answered only after the shared commit. Durability is the caller's next step (ObjectIndex.durable: one fsync for
 * every batch committed before it starts), so an acknowledged write is still a durable one.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;

  /**
   * `transaction` runs its callback inside one database transaction and commits it. `paused`, when it returns a
   * promise, holds the next batch until it settles (the index's WAL catch-up checkpoint: wal-checkpointer.ts).
   */
  constructor(
    private readonly transaction: (batch: () => void) => void,
    private readonly paused: () => Promise<void> | undefined = () => undefined,
  ) {}

  /** No write is waiting for a commit. */
  get idle(): boolean {
    return !this.scheduled;
  }

  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush()); // after this turn's I/O callbacks, so that their requests join the batch
      }
    });
  }

  private flush(): void {
    const wait = this.paused();
    if (wait) {
      void wait.then(() => this.flush()); // still scheduled: arrivals meanwhile join this batch
      return;
    }
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    const outcomes: Outcome[] = [];
    try {
      this.transaction(() => {
        for (const item of batch) {
          try {
            outcomes.push({ ok: true, value: item.work() });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      for (const item of batch) item.reject(error); // nothing of the batch was committed
      return;
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) item.resolve(outcome.value as never);
      else item.reject(outcome.error);
    });
  }
}
