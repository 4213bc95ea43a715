/**
 * Calls for one target within a short window share one run that starts when the window closes: the first call opens
 * it, later ones join it, and every caller gets the same outcome. For work that must start AFTER the caller's own
 * change (an fsync of the folder a file was renamed into): each caller's change happened before its call, so before
 * the run starts. A call after the window closed opens the next one.
 */
export class SyncWindow {
  private readonly open = new Map<string, Promise<void>>();

  constructor(
    private readonly windowMs: number,
    private readonly run: (target: string) => Promise<void>,
  ) {}

  /** The run of `target` that starts when its window, opened now or before, closes. */
  join(target: string): Promise<void> {
    let shared = this.open.get(target);
    if (!shared) {
      shared = new Promise<void>((resolve) => setTimeout(resolve, this.windowMs)).then(() => {
        this.open.delete(target); // closed: what comes now needs a run that starts after it
        return this.run(target);
      });
      this.open.set(target, shared);
    }
    return shared;
  }
}
