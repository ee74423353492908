import { createHash } from 'node:crypto';

/**
 * When each app's repository is listed. Every app once per poll interval, each at its own stable
 * offset within the interval (a hash of its repository URL, so the apps of one repository, a
 * monorepo, are due together and share one listing), on the wall clock: app A is due at
 * k × interval + offset(A) for every k. So 1,000 apps make a steady trickle of listings, about
 * N / interval a second, instead of a burst of N every interval, and each app is still listed once
 * per interval (a push is found within one interval plus the listing's own time).
 *
 * One timer for all apps: it wakes at the next due offset (no sooner than `minWakeMs` after the
 * previous wake; apps due meanwhile go together), and hands out every app whose due time fell
 * between the previous wake and now. A late wake (a blocked event loop, a suspended machine)
 * hands out what it missed once, never twice; a gap of a whole interval or more hands out all.
 * The clock and timers are passed in (tests drive them by hand).
 */
export interface ScheduleClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: ScheduleClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => { const t = setTimeout(fn, ms); t.unref?.(); return t; },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface PollScheduleOptions {
  intervalMs: () => number;
  /** Called with every app that is due (the engine queues its listing). */
  due: (name: string) => void;
  clock?: ScheduleClock;
  /** Shortest time between two wakes. Default 50 ms. */
  minWakeMs?: number;
}

/** An app and what its slot is derived from (its repository URL, normalized). */
export interface PollEntry {
  name: string;
  group: string;
}

interface Slot {
  name: string;
  /** Where in the interval, in [0, 1). */
  phase: number;
}

/** Pure: a stable place in [0, 1) for `group` (the first 32 bits of its SHA-256). */
export function slotPhase(group: string): number {
  return createHash('sha256').update(group).digest().readUInt32BE(0) / 2 ** 32;
}

/** Pure: the offset (ms) within an interval for a phase. */
function offsetMs(phase: number, intervalMs: number): number {
  return Math.floor(phase * intervalMs);
}

/** Pure: the names of the slots due in (from, to] (each once; all of them if the span is a whole interval or more). */
export function dueBetween(slots: readonly Slot[], from: number, to: number, intervalMs: number): string[] {
  if (to <= from) return [];
  if (to - from >= intervalMs) return slots.map((s) => s.name);
  const out: string[] = [];
  for (const s of slots) {
    const o = offsetMs(s.phase, intervalMs);
    // The last due time of this slot at or before `to`; due if it is after `from`.
    const last = Math.floor((to - o) / intervalMs) * intervalMs + o;
    if (last > from) out.push(s.name);
  }
  return out;
}

/** Pure: the first due time of any slot after `after` (undefined without slots). */
export function nextDueAfter(slots: readonly Slot[], after: number, intervalMs: number): number | undefined {
  let next: number | undefined;
  for (const s of slots) {
    const o = offsetMs(s.phase, intervalMs);
    const t = (Math.floor((after - o) / intervalMs) + 1) * intervalMs + o;
    if (next === undefined || t < next) next = t;
  }
  return next;
}

export class PollSchedule {
  private slots: Slot[] = [];
  private readonly phases = new Map<string, number>();
  private handle: unknown;
  private last = 0;
  private running = false;
  private readonly clock: ScheduleClock;

  constructor(private readonly options: PollScheduleOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /** The apps to poll from now on (added ones get their slot, removed ones leave). */
  set(entries: Iterable<PollEntry>): void {
    const slots: Slot[] = [];
    for (const { name, group } of entries) {
      let phase = this.phases.get(group);
      if (phase === undefined) { phase = slotPhase(group); this.phases.set(group, phase); }
      slots.push({ name, phase });
    }
    // Phases of groups no app uses any more are forgotten.
    if (this.phases.size > 2 * slots.length + 64) {
      const used = new Set(slots.map((s) => s.phase));
      for (const [group, phase] of this.phases) if (!used.has(phase)) this.phases.delete(group);
    }
    this.slots = slots;
    if (this.running) this.arm();
  }

  /** Starts handing out due apps; apps whose time passed before now wait for their next one. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.last = this.clock.now();
    this.arm();
  }

  stop(): void {
    this.running = false;
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.handle = undefined;
  }

  private wake(): void {
    this.handle = undefined;
    if (!this.running) return;
    const now = this.clock.now();
    const due = dueBetween(this.slots, this.last, now, this.options.intervalMs());
    this.last = now;
    for (const name of due) this.options.due(name);
    this.arm();
  }

  private arm(): void {
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.handle = undefined;
    const next = nextDueAfter(this.slots, this.last, this.options.intervalMs());
    if (next === undefined) return;
    const now = this.clock.now();
    const delay = Math.max(next - now, this.last + (this.options.minWakeMs ?? 50) - now, 0);
    this.handle = this.clock.setTimeout(() => this.wake(), delay);
  }
}
