/**
 * At most one flush at a time, and never a lost request: a request that arrives while a flush runs gets the
 * NEXT flush (which starts right after the current one and sees the request's changes), shared with every
 * other request that arrived meanwhile.
 */
export class SingleFlight<T> {
  private current: Promise<T> | null = null;
  private next: Promise<T> | null = null;

  constructor(private readonly task: () => Promise<T>) {}

  get running(): boolean {
    return this.current !== null;
  }

  /** Resolves with the result of a run that started after this call. */
  request(): Promise<T> {
    if (!this.current) return this.start();
    if (!this.next) {
      const after = this.current.then(
        () => undefined,
        () => undefined,
      );
      this.next = after.then(() => {
        this.next = null;
        return this.start();
      });
    }
    return this.next;
  }

  /** Waits for whatever is running or queued. */
  async idle(): Promise<void> {
    while (this.current || this.next) {
      await (this.next ?? this.current)!.then(
        () => undefined,
        () => undefined,
      );
    }
  }

  private start(): Promise<T> {
    const run = this.task();
    this.current = run;
    const clear = () => {
      if (this.current === run) this.current = null;
    };
    run.then(clear, clear);
    return run;
  }
}
