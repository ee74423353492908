/**
 * A work queue keyed by object (app, environment): at most one run per key at a time, runs of
 * different keys in parallel up to `concurrency`. Adding a key that is already waiting does
 * nothing (the waiting run will read the newest state anyway: "newest commit wins"); adding a
 * key that is running marks it to run once more when it finishes.
 *
 * Three lanes: `urgent` (a person is waiting: a webhook, `ria dev`, a `ria rollout` action),
 * `normal` (watches, drift resync, retries: work on what is deployed) and `background` (listing
 * repositories for new commits: polling). A free worker takes the next key (the oldest of the app
 * whose turn it is, below) of the highest lane that has one, so urgent work never waits behind a
 * poll round (within its app's share, below), and an environment's reconcile never waits behind
 * the listings of other apps (a cold start: each app's sync is followed by its environment's
 * apply and rollout check, not by every other app's sync first). After `urgentBurst` starts of a
 * lane in a row while a lower lane waits, one key of the next lower lane that has one goes first
 * (no lane starves the ones below). Adding a waiting key at a higher priority moves it up; never
 * down. A running key asked for again runs again at the highest priority asked.
 *
 * Fair between apps (`groupOf`: the app a key works for): within a lane apps take turns (round
 * robin, fair-lane.ts), and while another app's key waits, no app starts a run beyond its share of
 * the workers (`groupShare`, default half of them: 2 of 4). So one app's flood (many pull
 * requests, each queueing urgent syncs and preview environments, their Deployments' events
 * filling the normal lane) keeps at most half the workers, and the other half serve the other
 * apps' work in lane order, their polling included. The share is work-conserving: with nothing
 * of another app waiting, one app may use every worker (a cold start, a single app's push).
 */
import { FairLane } from './fair-lane.js';

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
  /** The group (app) a key works for; keys of one group share its turn and its share. Default: each key its own group. */
  groupOf?: (key: string) => string;
  /** Runs one group may hold while a key of another group waits. Default half the workers (at least 1). */
  groupShare?: number;
  /** Timer functions and clock, injectable for tests. */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  now?: () => number;
}

export class KeyedQueue {
  /** Waiting keys per lane, grouped by app (apps take turns within a lane). */
  private readonly lanes: Record<Priority, FairLane> = { urgent: new FairLane(), normal: new FairLane(), background: new FairLane() };
  /** Running keys and their group. */
  private readonly running = new Map<string, string>();
  /** Running keys per group. */
  private readonly runningOf = new Map<string, number>();
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
    this.lanes[priority].add(key, this.groupOf(key));
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

  private groupOf(key: string): string {
    return this.options.groupOf?.(key) ?? key;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private clearTimer(handle: unknown): void {
    (this.options.clearTimer ?? clearTimeout)(handle as NodeJS.Timeout);
  }

  /**
   * The next key to start: among the groups under their share of the workers, the next in turn of
   * the highest lane that has one, unless that lane started `urgentBurst` keys in a row while a
   * lower lane waited: then the next lower lane's turn. When every waiting key's group is at its
   * share, the same among all (no worker stays idle while work waits).
   */
  private take(): { key: string; group: string; priority: Priority } | undefined {
    const share = this.options.groupShare ?? Math.max(1, Math.ceil(this.options.concurrency / 2));
    return this.takeAmong((group) => (this.runningOf.get(group) ?? 0) < share) ?? this.takeAmong(() => true);
  }

  private takeAmong(eligible: (group: string) => boolean): { key: string; group: string; priority: Priority } | undefined {
    const burst = this.options.urgentBurst ?? 4;
    const next = LANES.map((lane) => this.lanes[lane].peek(eligible));
    for (let i = 0; i < LANES.length; i++) {
      const lane = LANES[i]!;
      const pick = next[i];
      if (pick === undefined) continue;
      const lowerWaits = next.slice(i + 1).some((p) => p !== undefined);
      if (lowerWaits && this.inARow[lane] >= burst) { this.inARow[lane] = 0; continue; }
      this.inARow[lane] = lowerWaits ? this.inARow[lane] + 1 : 0;
      this.lanes[lane].take(pick.key);
      return { ...pick, priority: lane };
    }
    return undefined;
  }

  private pump(): void {
    while (this.running.size < this.options.concurrency) {
      const next = this.take();
      if (!next) break;
      this.running.set(next.key, next.group);
      this.runningOf.set(next.group, (this.runningOf.get(next.group) ?? 0) + 1);
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
      const group = this.running.get(key)!;
      this.running.delete(key);
      const held = (this.runningOf.get(group) ?? 1) - 1;
      if (held > 0) this.runningOf.set(group, held);
      else this.runningOf.delete(group);
      const again = this.again.get(key);
      if (again !== undefined) {
        this.again.delete(key);
        if (!this.stopped) this.lanes[again].add(key, this.groupOf(key));
      }
      this.pump();
    }
  }
}
