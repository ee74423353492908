/**
 * A work queue keyed by object (app, environment): at most one run per key at a time, runs of
 * different keys in parallel up to `concurrency`. Adding a key that is already waiting does
 * nothing (the waiting run will read the newest state anyway: "newest commit wins"); adding a
 * key that is running marks it to run once more when it finishes.
 *
 * Three lanes: `urgent` (a person is waiting: a webhook, `ria dev`, a `ria rollout` action),
 * `normal` (watches, drift resync, retries: work on what is deployed) and `background` (listing
 * repositories for new commits: polling). A free worker takes the oldest key of the highest lane
 * that has one, so urgent work never waits behind a poll round, and an environment's reconcile
 * never waits behind the listings of other apps (a cold start: each app's sync is followed by its
 * environment's apply and rollout check, not by every other app's sync first). After
 * `urgentBurst` starts of a lane in a row while a lower lane waits, one key of the next lower lane
 * that has one goes first (no lane starves the ones below). Adding a waiting key at a higher
 * priority moves it up; never down. A running key asked for again runs again at the highest
 * priority asked.
 */
export type Priority = 'urgent' | 'normal' | 'background';

/** Highest first. */
const LANES: readonly Priority[] = ['urgent', 'normal', 'background'];
const rank = (p: Priority): number => LANES.indexOf(p);

export interface KeyedQueueOptions {
  concurrency: number;
  /** Runs one key; `priority` is the lane it was taken from (urgent work may queue urgent follow-ups). */
  worker: (key: string, run: { priority: Priority }) => Promise<void>;
  onError?: (key: string, err: unknown) => void;
  /** Keys of a lane started in a row while a lower lane waits, before one of the lower lane is started. Default 4. */
  urgentBurst?: number;
  /** Timer functions and clock, injectable for tests. */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  now?: () => number;
}

export class KeyedQueue {
  /** Waiting keys per lane; a Set keeps insertion order (FIFO) and deletes in O(1). */
  private readonly lanes: Record<Priority, Set<string>> = { urgent: new Set(), normal: new Set(), background: new Set() };
  private readonly running = new Set<string>();
  /** Running keys asked for again, with the higher of the priorities asked. */
  private readonly again = new Map<string, Priority>();
  private readonly delayed = new Map<string, { at: number; handle: unknown }>();
  /** Starts of each lane in a row while a lower lane waited. */
  private readonly inARow: Record<Priority, number> = { urgent: 0, normal: 0, background: 0 };
  private idleWaiters: Array<() => void> = [];
  private stopped = false;

  constructor(private readonly options: KeyedQueueOptions) {}

  /** Queue `key` now, in the lane of `priority` (default normal). */
  add(key: string, priority: Priority = 'normal'): void {
    if (this.stopped) return;
    const timer = this.delayed.get(key);
    if (timer) { this.clearTimer(timer.handle); this.delayed.delete(key); }
    if (this.running.has(key)) {
      const asked = this.again.get(key);
      if (asked === undefined || rank(priority) < rank(asked)) this.again.set(key, priority);
      return;
    }
    const waiting = this.state(key);
    if (waiting === 'urgent' || waiting === 'normal' || waiting === 'background') {
      if (rank(priority) >= rank(waiting)) return;
      this.lanes[waiting].delete(key); // moves up; its place in the lower lane is given up
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
    return this.lanes.urgent.size + this.lanes.normal.size + this.lanes.background.size + this.running.size;
  }

  /** Where `key` is: waiting in a lane, running, or not queued (delayed keys count as not queued). */
  state(key: string): Priority | 'running' | undefined {
    if (this.running.has(key)) return 'running';
    for (const lane of LANES) if (this.lanes[lane].has(key)) return lane;
    return undefined;
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
    for (const lane of LANES) this.lanes[lane].clear();
    this.again.clear();
    await this.idle();
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private clearTimer(handle: unknown): void {
    (this.options.clearTimer ?? clearTimeout)(handle as NodeJS.Timeout);
  }

  /**
   * The next key to start: the oldest of the highest lane that has one, unless that lane started
   * `urgentBurst` keys in a row while a lower lane waited: then the next lower lane's turn.
   */
  private take(): { key: string; priority: Priority } | undefined {
    const burst = this.options.urgentBurst ?? 4;
    for (let i = 0; i < LANES.length; i++) {
      const lane = LANES[i]!;
      const key = first(this.lanes[lane]);
      if (key === undefined) continue;
      const lowerWaits = LANES.slice(i + 1).some((l) => this.lanes[l].size > 0);
      if (lowerWaits && this.inARow[lane] >= burst) { this.inARow[lane] = 0; continue; }
      this.inARow[lane] = lowerWaits ? this.inARow[lane] + 1 : 0;
      this.lanes[lane].delete(key);
      return { key, priority: lane };
    }
    return undefined;
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
