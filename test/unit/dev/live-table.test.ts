import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTablePrinter, environmentsReady, tableSignature } from '../../../engine/dev/live-table.js';
import type { Environment } from '../../../engine/crds/types.js';

const env = (app: string, phase: string, created = '2026-01-01T00:00:00Z'): Environment => ({
  apiVersion: 'ria.dev/v1alpha1', kind: 'Environment',
  metadata: { name: `${app}--main`, namespace: 'ria-system', creationTimestamp: created },
  spec: { app, kind: 'branch', target: 'main', branch: 'main', commit: 'abcdef0123456789', namespace: `${app}--main` },
  status: { phase: phase as 'Ready' },
});

/** A fake clock and timer queue: tests move time by hand. */
function fakeTime() {
  let now = 0;
  const timers: Array<{ at: number; fn: () => void; id: number }> = [];
  let next = 0;
  return {
    now: () => now,
    setTimer: (fn: () => void, ms: number) => { const id = ++next; timers.push({ at: now + ms, fn, id }); return id; },
    clearTimer: (id: unknown) => { const i = timers.findIndex((t) => t.id === id); if (i >= 0) timers.splice(i, 1); },
    advance(ms: number) {
      now += ms;
      for (const t of timers.filter((x) => x.at <= now)) { timers.splice(timers.indexOf(t), 1); t.fn(); }
    },
    pending: () => timers.length,
  };
}

test('the first table prints at once; a burst of changes within a second gives one reprint with the latest rows', () => {
  // Setup
  const time = fakeTime();
  const printed: string[][] = [];
  const printer = createTablePrinter({ print: (envs) => printed.push(envs.map((e) => `${e.spec.app}:${e.status?.phase}`)), ...time });
  // Test
  printer.update([env('a', 'Pending')]);
  assert.deepEqual(printed, [['a:Pending']]);
  time.advance(200);
  printer.update([env('a', 'Building')]);
  time.advance(300);
  printer.update([env('a', 'Deploying')]);
  assert.equal(printed.length, 1, 'nothing within the second');
  time.advance(499);
  assert.equal(printed.length, 1);
  time.advance(1);
  assert.deepEqual(printed, [['a:Pending'], ['a:Deploying']]);
  printer.update([env('a', 'Ready')]);
  assert.equal(printed.length, 2, 'the next one waits a full second again');
  time.advance(1000);
  assert.deepEqual(printed.at(-1), ['a:Ready']);
});

test('an unchanged table (only ages moved) is not reprinted; stop cancels a pending reprint', () => {
  const time = fakeTime();
  let prints = 0;
  const printer = createTablePrinter({ print: () => { prints++; }, ...time });
  printer.update([env('a', 'Ready', '2026-01-01T00:00:00Z')]);
  time.advance(5000);
  printer.update([env('a', 'Ready', '2026-01-01T00:00:00Z')]);
  assert.equal(prints, 1);
  printer.update([env('a', 'Failed')]);
  assert.equal(prints, 2);
  printer.update([env('a', 'Ready')]);
  printer.stop();
  time.advance(5000);
  assert.equal(prints, 2);
  assert.equal(time.pending(), 0);
});

test('tableSignature ignores the age and creation time, not the phase', () => {
  assert.equal(tableSignature([env('a', 'Ready', '2026-01-01T00:00:00Z')]), tableSignature([env('a', 'Ready', '2026-02-01T00:00:00Z')]));
  assert.notEqual(tableSignature([env('a', 'Ready')]), tableSignature([env('a', 'Deploying')]));
});

test('environmentsReady: every app has an environment and all are Ready', () => {
  assert.deepEqual(environmentsReady([], ['a']), { ready: false, missing: ['a'], notReady: [] });
  assert.deepEqual(environmentsReady([env('a', 'Ready')], ['a', 'b']), { ready: false, missing: ['b'], notReady: [] });
  assert.deepEqual(environmentsReady([env('a', 'Ready'), env('b', 'Building')], ['a', 'b']), { ready: false, missing: [], notReady: ['b/main'] });
  assert.equal(environmentsReady([env('a', 'Ready'), env('b', 'Ready')], ['a', 'b']).ready, true);
});
