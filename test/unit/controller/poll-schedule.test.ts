import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PollSchedule, dueBetween, slotPhase, type ScheduleClock } from '../../../engine/controller/poll-schedule.js';

/** A clock moved by hand: `advance` runs the timers that fall due, in time order. */
function manualClock(start = 1_700_000_000_000) {
  let now = start;
  let id = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock: ScheduleClock = {
    now: () => now,
    setTimeout: (fn, ms) => { timers.set(++id, { at: now + ms, fn }); return id; },
    clearTimeout: (h) => { timers.delete(h as number); },
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const next = [...timers].sort((a, b) => a[1].at - b[1].at)[0];
      if (!next || next[1].at > end) break;
      timers.delete(next[0]);
      now = Math.max(now, next[1].at);
      next[1].fn();
    }
    now = end;
  };
  return { clock, advance, jump: (ms: number) => { now += ms; }, pending: () => timers.size };
}

const INTERVAL = 15_000;

test('poll schedule: 1,000 apps are each listed once per interval, as a trickle, never as a burst', () => {
  const c = manualClock();
  const due: Array<{ name: string; at: number }> = [];
  // minWakeMs 0: each app is handed out at its exact due time (the default groups wakes 50 ms apart, below).
  const schedule = new PollSchedule({ intervalMs: () => INTERVAL, clock: c.clock, minWakeMs: 0, due: (name) => due.push({ name, at: c.clock.now() }) });
  const apps = Array.from({ length: 1000 }, (_, i) => ({ name: `app-${i}`, group: `https://git.example.com/acme/app-${i}` }));
  schedule.set(apps);
  schedule.start();
  const t0 = c.clock.now();
  c.advance(3 * INTERVAL);
  const perApp = new Map<string, number[]>();
  for (const d of due) perApp.set(d.name, [...(perApp.get(d.name) ?? []), d.at]);
  assert.equal(perApp.size, 1000);
  for (const [name, times] of perApp) {
    assert.equal(times.length, 3, `${name}: once per interval`);
    // Its own stable offset: the same place in every interval, up to one wake's granularity.
    assert.deepEqual([times[1]! - times[0]!, times[2]! - times[1]!], [INTERVAL, INTERVAL], `${name}: ${times.map((t) => t - t0).join(', ')}`);
  }
  // Per second: about 1000 / 15 ≈ 67; a burst would be 1,000 in one second and none in the rest.
  const perSecond = new Map<number, number>();
  for (const d of due) { const s = Math.floor((d.at - t0) / 1000); perSecond.set(s, (perSecond.get(s) ?? 0) + 1); }
  assert.equal(perSecond.size, 45, 'every second of the three intervals has listings');
  assert.ok(Math.max(...perSecond.values()) < 2 * 1000 / 15, `at most twice the average in any second: ${Math.max(...perSecond.values())}`);
  schedule.stop();
  assert.equal(c.pending(), 0);
});

test('poll schedule: by default wakes are at least 50 ms apart, each app handed out within 50 ms of its time', () => {
  const c = manualClock();
  const due: Array<{ name: string; at: number }> = [];
  let wakes = 0;
  let last = -1;
  const schedule = new PollSchedule({ intervalMs: () => INTERVAL, clock: c.clock, due: (name) => {
    if (c.clock.now() !== last) { wakes++; last = c.clock.now(); }
    due.push({ name, at: c.clock.now() });
  } });
  schedule.set(Array.from({ length: 1000 }, (_, i) => ({ name: `app-${i}`, group: `repo-${i}` })));
  schedule.start();
  const t0 = c.clock.now();
  c.advance(INTERVAL + 50);
  const first = new Map<string, number>();
  for (const d of due) if (!first.has(d.name)) first.set(d.name, d.at);
  assert.equal(first.size, 1000);
  assert.ok(wakes <= (INTERVAL + 50) / 50, `${wakes} wakes`);
  for (const [name, at] of first) {
    const dueAt = t0 + ((Math.floor(slotPhase(`repo-${name.slice(4)}`) * INTERVAL) - (t0 % INTERVAL) + INTERVAL) % INTERVAL);
    assert.ok(at >= dueAt && at - dueAt <= 50, `${name}: due ${dueAt - t0}, handed out ${at - t0}`);
  }
  schedule.stop();
});

test('poll schedule: apps of one repository are due together (one shared listing); removed apps are no longer due', () => {
  const c = manualClock();
  const due: Array<{ name: string; at: number }> = [];
  const schedule = new PollSchedule({ intervalMs: () => INTERVAL, clock: c.clock, due: (name) => due.push({ name, at: c.clock.now() }) });
  const mono = 'https://git.example.com/acme/monorepo';
  schedule.set([{ name: 'web', group: mono }, { name: 'api', group: mono }, { name: 'other', group: 'https://git.example.com/acme/other' }]);
  schedule.start();
  c.advance(INTERVAL);
  const at = (name: string) => due.find((d) => d.name === name)!.at;
  assert.equal(at('web'), at('api'));
  assert.equal(due.length, 3);
  schedule.set([{ name: 'web', group: mono }]);
  c.advance(INTERVAL);
  assert.deepEqual(due.slice(3).map((d) => d.name), ['web']);
  schedule.stop();
});

test('poll schedule: a late wake hands out what it missed once; a gap of a whole interval hands out every app once', () => {
  const slots = ['a', 'b', 'c', 'd'].map((name) => ({ name, phase: slotPhase(name) }));
  const all = dueBetween(slots, 0, INTERVAL, INTERVAL).sort();
  assert.deepEqual(all, ['a', 'b', 'c', 'd']);
  assert.deepEqual(dueBetween(slots, 1_000, 1_000 + 5 * INTERVAL, INTERVAL).sort(), ['a', 'b', 'c', 'd'], 'never twice');
  // Split anywhere, the pieces of an interval hand out each app exactly once.
  for (const cut of [1, 3_333, 7_500, 14_999]) {
    const t = 10 * INTERVAL + 123;
    assert.deepEqual([...dueBetween(slots, t, t + cut, INTERVAL), ...dueBetween(slots, t + cut, t + INTERVAL, INTERVAL)].sort(), ['a', 'b', 'c', 'd']);
  }
  const c = manualClock();
  const due: string[] = [];
  const schedule = new PollSchedule({ intervalMs: () => INTERVAL, clock: c.clock, due: (name) => due.push(name) });
  schedule.set(slots.map(({ name }) => ({ name, group: name })));
  schedule.start();
  c.jump(2 * INTERVAL); // the event loop was blocked: the timer fires late
  c.advance(0);
  assert.deepEqual(due.sort(), ['a', 'b', 'c', 'd']);
  schedule.stop();
});
