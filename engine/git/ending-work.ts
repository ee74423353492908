/**
 * Work still writing to a cache directory after its caller was answered. A fetch past its
 * deadline is answered with an error at once, but isomorphic-git goes on: it does not check the
 * abort while it receives and indexes a pack, and it writes the shallow file, the refs and the
 * pack meanwhile. The directory's lock (the controller's cacheLocks) is given back with the
 * answer, so every git call into the directory first waits here: no second fetch writes beside
 * the abandoned one (or empties the directory under it), and no read parses a pack half written.
 *
 * The wait is bounded (a hostile server may keep the abandoned work going): past it the call
 * fails with GitFetchStillEndingError, and the directory stays held for the calls after it, until
 * the work really ends. The bound counts from the abandonment, not from each call: a call made
 * when the work has been ending for longer than the bound fails at once. Otherwise every
 * reconcile of the repository's environments waited the whole bound again while holding a queue
 * worker (and the directory's lock, with the others queued behind it).
 */
type Timers = { setTimeout: typeof setTimeout; clearTimeout: typeof clearTimeout };

export class EndingWork {
  private readonly ending = new Map<string, { done: Promise<void>; since: number }>();

  constructor(private readonly timers: Timers = globalThis, private readonly now: () => number = Date.now) {}

  /** `work` goes on in `dir` after its caller's answer: the directory is held until it settles. */
  hold(dir: string, work: Promise<unknown>): void {
    const earlier = this.ending.get(dir);
    const ends = work.then(() => undefined, () => undefined);
    const entry = { done: earlier ? Promise.all([earlier.done, ends]).then(() => undefined) : ends, since: earlier?.since ?? this.now() };
    this.ending.set(dir, entry);
    void entry.done.then(() => { if (this.ending.get(dir) === entry) this.ending.delete(dir); });
  }

  /**
   * Resolves to undefined once nothing is ending in `dir` (at once when nothing was), or, when
   * work is still ending there once it has been ending for `waitMs`, to how long ago it was
   * abandoned (ms): at once when it is that old already.
   */
  async settled(dir: string, waitMs: number): Promise<number | undefined> {
    const entry = this.ending.get(dir);
    if (!entry) return undefined;
    const endingForMs = this.now() - entry.since;
    if (endingForMs >= waitMs) return endingForMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<'late'>((resolve) => { timer = this.timers.setTimeout(() => resolve('late'), waitMs - endingForMs); });
    try {
      if ((await Promise.race([entry.done, late])) !== 'late') return this.settled(dir, waitMs);
      return this.now() - entry.since;
    } finally {
      this.timers.clearTimeout(timer);
    }
  }

  /**
   * Resolves to true once nothing is ending in any directory (at once when nothing was), or to
   * false when work is still ending after `waitMs`: what a stopping engine waits for last.
   */
  async idle(waitMs: number): Promise<boolean> {
    if (this.ending.size === 0) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<'late'>((resolve) => { timer = this.timers.setTimeout(() => resolve('late'), waitMs); });
    try {
      // Work held meanwhile (an earlier fetch's deadline passing now) is waited for too.
      while (this.ending.size > 0) {
        if ((await Promise.race([Promise.all([...this.ending.values()].map((e) => e.done)), late])) === 'late') return false;
      }
      return true;
    } finally {
      this.timers.clearTimeout(timer);
    }
  }

  /** Directories held now (observability and tests). */
  get size(): number {
    return this.ending.size;
  }
}
