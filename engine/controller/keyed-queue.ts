/**
 * A work queue keyed by object (app, environment): at most one run per key at a time, runs of
 * different keys in parallel up to `concurrency`. Adding a key that is already waiting does
 * nothing (the waiting run will read the newest state anyway: "newest commit wins"); adding a
 * key that is running marks it to run once more when it finishes.
 *
 * Two lanes: `urgent` (a person is waiting: a webhook, `ria dev`, a `ria rollout` action) and
 * `normal` (polling, watches, drift resync, retries). A free worker takes the oldest urgent key
 * first, so urgent work never waits behind a poll round; after `urgentBurst` urgent starts in a
 * row while normal keys wait, one normal key goes first (urgent work cannot starve the rest).
 * Adding a waiting normal key as urgent moves it to the urgent lane; adding a key as normal
 * never moves it down. A running key asked for again as urgent runs again as urgent.
 */
export type Priority = 'urgent' | 'normal';

export interface KeyedQueueOptions {
  concurrency: number;
  /** Runs one key; `priority` is the lane it was taken from (urgent work may queue urgent follow-ups). */
  worker: (key: string, run: { priority: Priority }) => Promise<void>;
  onError?: (key: string, err: unknown) => void;
  /** Urgent keys started in a row while normal keys wait, before one normal key is started. Default 4. */
  urgentBurst?: number;
  /** Timer functions and clock, injectable for tests. */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  now?: () => number;
}

export class KeyedQueue {
  /** Waiting keys per lane; a Set keeps insertion order (FIFO) and deletes in O(1). */
  private readonly lanes: Record<Priority, Set<string>> = { urgent: new Set(), normal: new Set() };
  private readonly running = new Set<string>();
  /** Running keys asked for again, with the higher of the priorities asked. */
  private readonly again = new Map<string, Priority>();
  private readonly delayed = new Map<string, { at: number; handle: unknown }>();
  private urgentInARow = 0;
  private idleWaiters: Array<() => void> = [];
  private stopped = false;

  constructor(private readonly options: KeyedQueueOptions) {}

  /** Queue `key` now, in the lane of `priority` (default normal). */
  add(key: string, priority: Priority = 'normal'): void {
    if (this.stopped) return;
    const timer = this.delayed.get(key);
    if (timer) { this.clearTimer(timer.handle); this.delayed.delete(key); }
    if (this.running.has(key)) {
      if (priority === 'urgent' || !this.again.has(key)) this.again.set(key, priority);
      return;
    }
    if (this.lanes.urgent.has(key)) return;
    if (this.lanes.normal.has(key)) {
      if (priority === 'normal') return;
      this.lanes.normal.delete(key); // moves up; its place in the normal lane is given up
    }
    this.lanes[priority].add(key);
    this.pump();
  }

  /** Queue `key` (normal) after `ms`, unless it is queued sooner (an earlier schedule wins). */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    const at = this.now() + ms;
    const existing = this.delayed.get(key);
    if (existing && existing.at <= at) return;
    if (existing) this.clearTimer(existing.handle);
    const handle = (this.options.setTimer ?? setTimeout)(() => { this.delayed.delete(key); this.add(key); }, ms);
    (handle as { unref?: () => void }).unref?.();
    this.delayed.set(key, { at, handle });
  }

  /** Keys waiting or running (the queue-depth metric). */
  get depth(): number {
    return this.lanes.urgent.size + this.lanes.normal.size + this.running.size;
  }

  /** Where `key` is: waiting in a lane, running, or not queued (delayed keys count as not queued). */
  state(key: string): Priority | 'running' | undefined {
    if (this.running.has(key)) return 'running';
    if (this.lanes.urgent.has(key)) return 'urgent';
    return this.lanes.normal.has(key) ? 'normal' : undefined;
  }

  /** Resolves when nothing is waiting or running (delayed keys do not count). */
  idle(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking work; resolves when the runs in flight have finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const { handle } of this.delayed.values()) this.clearTimer(handle);
    this.delayed.clear();
    this.lanes.urgent.clear();
    this.lanes.normal.clear();
    this.again.clear();
    await this.idle();
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private clearTimer(handle: unknown): void {
    (this.options.clearTimer ?? clearTimeout)(handle as NodeJS.Timeout);
  }

  /** The next key to start: urgent first, but one normal key after `urgentBurst` urgent ones while normal keys wait. */
  private take(): { key: string; priority: Priority } | undefined {
    const urgent = first(this.lanes.urgent);
    const normal = first(this.lanes.normal);
    const burst = this.options.urgentBurst ?? 4;
    if (urgent !== undefined && (normal === undefined || this.urgentInARow < burst)) {
      this.urgentInARow = normal === undefined ? 0 : this.urgentInARow + 1;
      this.lanes.urgent.delete(urgent);
      return { key: urgent, priority: 'urgent' };
    }
    if (normal === undefined) return undefined;
    this.urgentInARow = 0;
    this.lanes.normal.delete(normal);
    return { key: normal, priority: 'normal' };
  }

  private pump(): void {
    while (this.running.size < this.options.concurrency) {
      const next = this.take();
      if (!next) break;
      this.running.add(next.key);
      void this.run(next.key, next.priority);
    }
    if (this.depth === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async run(key: string, priority: Priority): Promise<void> {
    try {
      await this.options.worker(key, { priority });
    } catch (err) {
      this.options.onError?.(key, err);
    } finally {
      this.running.delete(key);
      const again = this.again.get(key);
      if (again !== undefined) {
        this.again.delete(key);
        if (!this.stopped) this.lanes[again].add(key);
      }
      this.pump();
    }
  }
}

function first(set: Set<string>): string | undefined {
  for (const v of set) return v;
  return undefined;
}
