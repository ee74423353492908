interface Pending { task: () => Promise<void>; final: boolean }

/**
 * One task at a time per key; while one runs, newer tasks for the same key replace each other
 * (only the latest report of an environment matters), except a `final` task (a removal), which
 * is never replaced: a later task runs after it. Errors go to `onError`, never unhandled.
 */
export class CoalescingQueue {
  private readonly running = new Map<string, Promise<void>>();
  private readonly next = new Map<string, Pending[]>();

  constructor(private readonly onError: (key: string, err: unknown) => void) {}

  push(key: string, task: () => Promise<void>, options: { final?: boolean } = {}): void {
    if (!this.running.has(key)) { this.start(key, task); return; }
    const pending = (this.next.get(key) ?? []).filter((p) => p.final);
    pending.push({ task, final: options.final ?? false });
    this.next.set(key, pending);
  }

  /** Resolves once nothing is queued or running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running.values()]);
  }

  private start(key: string, task: () => Promise<void>): void {
    const run = (async () => {
      try { await task(); } catch (err) { this.onError(key, err); }
    })().finally(() => {
      this.running.delete(key);
      const pending = this.next.get(key);
      const queued = pending?.shift();
      if (!pending?.length) this.next.delete(key);
      if (queued) this.start(key, queued.task);
    });
    this.running.set(key, run);
  }
}
