type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

interface Pending {
  work: () => unknown;
  resolve: (value: never) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: the database writes requested during one turn of the event loop share one transaction, hence one
 * append to the WAL (a commit writes every page it touched as a whole frame: one object's row, journal entry, intent
 * and counters are a handful of pages, shared by the batch). A piece of work either refuses before it writes
 * anything (`refusal` tells those errors apart: that request fails alone, the others go on) or writes all it must;
 * any other error aborts the batch: its transaction is rolled back and every request of it rejected with that error,
 * so no request's writes are ever kept in part. A savepoint per request would let a failing write fail alone, at two
 * more statements per write (SAVEPOINT, RELEASE: 1.06× the PUTs per second without them,
 * bench/results/put-path-13-savepoints.md); but a write fails mid-way only when the database does (a full disk, an
 * I/O error), and then the batch's other writes fail too. Every request is answered only after the shared commit.
 * Durability is the caller's next step (ObjectIndex.durable: one fsync for every batch committed before it starts),
 * so an acknowledged write is still a durable one.
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
    private readonly refusal: (error: unknown) => boolean,
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
            if (!this.refusal(error)) throw error; // it may have written part of its rows: the batch goes back
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
