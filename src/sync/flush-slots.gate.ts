/**
 * At most `limit` flushes at once across projects (SYNC_CONCURRENCY): each flush holds a slot from its start to
 * its end, and the others wait in arrival order. A project whose remote hangs holds one slot until its git or DVC
 * timeout gives up; the other projects keep the remaining ones.
 */
export class FlushSlots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new Error(`flush slots: limit must be a positive integer, not ${limit}`);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter (active stays the same), or is given back.
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}
