import { compareKeys } from './key-order.js';

type Mode = 'shared' | 'exclusive';

interface LockState {
  readers: number;
  writer: boolean;
  waiting: Array<{ mode: Mode; grant: () => void }>;
}

/** Releases every lock taken (idempotent); `downgrade` turns the exclusive ones into shared ones, keeping them. */
export type Release = (() => void) & { downgrade(): void };

/**
 * Shared/exclusive locks on keys, first come first served. A writer takes its own key exclusive and the keys
 * on its path shared (`a/b/c` shares `a`, `a/b`), so "a" and "a/b" never change at once while siblings
 * (`prefix/1`, `prefix/2`) still commit in parallel. Locks are taken in UTF-8 byte order, so two requests
 * can never wait for each other in a cycle.
 */
export class KeyLocks {
  private readonly states = new Map<string, LockState>();

  /** `identity`: what a lock is taken on for a key (two keys with one identity exclude each other). */
  constructor(private readonly identity: (key: string) => string = (key) => key) {}

  /**
   * Resolves with the function that releases every lock taken. A lock that is free is taken at once, with no turn
   * of the microtask queue (a PUT takes two: its key and the folder above it); only a busy one is waited for.
   */
  acquire(exclusive: string[], shared: string[] = []): Promise<Release> {
    const wanted = new Map<string, Mode>();
    for (const key of shared) wanted.set(this.identity(key), 'shared');
    for (const key of exclusive) wanted.set(this.identity(key), 'exclusive');
    const ordered = [...wanted.entries()].sort(([a], [b]) => compareKeys(a, b));
    const held: Array<[string, Mode]> = [];
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      for (const [key, mode] of held.reverse()) this.unlock(key, mode);
    };
    // A writer whose change is visible whole but not yet durable lets readers in, and still keeps writers out
    // (local-storage.backend.ts `settle`). Readers waiting behind a writer stay behind it (first come first served).
    const downgrade = () => {
      if (released) return;
      for (const entry of held) {
        if (entry[1] !== 'exclusive') continue;
        entry[1] = 'shared';
        const state = this.states.get(entry[0])!;
        state.writer = false;
        state.readers++;
        grantWaiting(state);
      }
    };
    const done = Object.assign(release, { downgrade });
    // In order, each lock once the one before is held: takes what is free, and waits at the first busy one.
    const takeFrom = (first: number): Promise<Release> => {
      for (let i = first; i < ordered.length; i++) {
        const [key, mode] = ordered[i];
        const granted = this.lock(key, mode);
        if (granted) {
          return granted.then(() => {
            held.push([key, mode]);
            return takeFrom(i + 1);
          });
        }
        held.push([key, mode]);
      }
      return Promise.resolve(done);
    };
    return takeFrom(0);
  }

  /** Number of keys with a holder or a waiter (0 when idle: nothing leaks). */
  get size(): number {
    return this.states.size;
  }

  /** Takes the lock now (undefined), or queues for it: the promise resolves once it is granted. */
  private lock(key: string, mode: Mode): Promise<void> | undefined {
    let state = this.states.get(key);
    if (!state) {
      state = { readers: 0, writer: false, waiting: [] };
      this.states.set(key, state);
    }
    if (state.waiting.length === 0 && compatible(state, mode)) {
      take(state, mode);
      return undefined;
    }
    const s = state;
    return new Promise((resolve) => s.waiting.push({ mode, grant: resolve }));
  }

  private unlock(key: string, mode: Mode): void {
    const state = this.states.get(key);
    if (!state) return;
    if (mode === 'exclusive') state.writer = false;
    else state.readers--;
    grantWaiting(state);
    if (!state.writer && state.readers === 0 && state.waiting.length === 0) this.states.delete(key);
  }
}

/** Lets in the waiters at the head of the queue, as long as they are compatible with the holders. */
function grantWaiting(state: LockState): void {
  while (state.waiting.length > 0 && compatible(state, state.waiting[0].mode)) {
    const next = state.waiting.shift()!;
    take(state, next.mode);
    next.grant();
  }
}

function compatible(state: LockState, mode: Mode): boolean {
  return mode === 'shared' ? !state.writer : !state.writer && state.readers === 0;
}

function take(state: LockState, mode: Mode): void {
  if (mode === 'exclusive') state.writer = true;
  else state.readers++;
}
