/**
 * A work queue keyed by object (app, environment): at most one run per key at a time, runs of
 * different keys in parallel up to `concurrency`. Adding a key that is already waiting does
 * nothing (the waiting run will read the newest state anyway: "newest commit wins"); adding a
 * key that is running marks it to run once more when it finishes.
 */
export interface KeyedQueueOptions {
  concurrency: number;
  worker: (key: string) => Promise<void>;
  onError?: (key: string, err: unknown) => void;
  /** Timer functions, injectable for tests. */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export class KeyedQueue {
  private readonly waiting: string[] = [];
  private readonly waitingSet = new Set<string>();
  private readonly running = new Set<string>();
  private readonly again = new Set<string>();
  private readonly delayed = new Map<string, { at: number; handle: unknown }>();
  private idleWaiters: Array<() => void> = [];
  private stopped = false;

  constructor(private readonly options: KeyedQueueOptions) {}

  /** Queue `key` now. */
  add(key: string): void {
    if (this.stopped) return;
    const timer = this.delayed.get(key);
    if (timer) { (this.options.clearTimer ?? clearTimeout)(timer.handle as NodeJS.Timeout); this.delayed.delete(key); }
    if (this.running.has(key)) { this.again.add(key); return; }
    if (this.waitingSet.has(key)) return;
    this.waitingSet.add(key);
    this.waiting.push(key);
    this.pump();
  }

  /** Queue `key` after `ms`, unless it is queued sooner (an earlier schedule wins). */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    const at = Date.now() + ms;
    const existing = this.delayed.get(key);
    if (existing && existing.at <= at) return;
    if (existing) (this.options.clearTimer ?? clearTimeout)(existing.handle as NodeJS.Timeout);
    const handle = (this.options.setTimer ?? setTimeout)(() => { this.delayed.delete(key); this.add(key); }, ms);
    (handle as { unref?: () => void }).unref?.();
    this.delayed.set(key, { at, handle });
  }

  /** Keys waiting or running (the queue-depth metric). */
  get depth(): number {
    return this.waiting.length + this.running.size;
  }

  /** Resolves when nothing is waiting or running (delayed keys do not count). */
  idle(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking work; resolves when the runs in flight have finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const { handle } of this.delayed.values()) (this.options.clearTimer ?? clearTimeout)(handle as NodeJS.Timeout);
    this.delayed.clear();
    this.waiting.length = 0;
    this.waitingSet.clear();
    this.again.clear();
    await this.idle();
  }

  private pump(): void {
    while (this.running.size < this.options.concurrency && this.waiting.length > 0) {
      const key = this.waiting.shift()!;
      this.waitingSet.delete(key);
      this.running.add(key);
      void this.run(key);
    }
    if (this.depth === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async run(key: string): Promise<void> {
    try {
      await this.options.worker(key);
    } catch (err) {
      this.options.onError?.(key, err);
    } finally {
      this.running.delete(key);
      if (this.again.delete(key) && !this.stopped) { this.waitingSet.add(key); this.waiting.push(key); }
      this.pump();
    }
  }
}
