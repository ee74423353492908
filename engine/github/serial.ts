/**
 * One task at a time per key; while one runs, newer tasks for the same key replace each other
 * (only the latest report of an environment matters). Errors go to `onError`, never unhandled.
 */
export class CoalescingQueue {
  private readonly running = new Map<string, Promise<void>>();
  private readonly next = new Map<string, () => Promise<void>>();

  constructor(private readonly onError: (key: string, err: unknown) => void) {}

  push(key: string, task: () => Promise<void>): void {
    if (this.running.has(key)) { this.next.set(key, task); return; }
    this.start(key, task);
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
      const queued = this.next.get(key);
      if (queued) { this.next.delete(key); this.start(key, queued); }
    });
    this.running.set(key, run);
  }
}
