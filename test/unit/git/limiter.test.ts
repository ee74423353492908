import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Limiter } from '../../../engine/git/limiter.js';

/** A run the test finishes by hand. */
function deferred() {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

/** Lets every settled promise's continuations run (no timers involved). */
const settle = () => new Promise<void>((r) => setImmediate(r));

test('Limiter: never more than `limit` runs at once; the others start in order of arrival as slots free', async () => {
  // Setup
  const limiter = new Limiter(2);
  const runs = Array.from({ length: 5 }, () => deferred());
  const started: number[] = [];
  let peak = 0;
  // Test
  const all = runs.map((d, i) => limiter.run(async () => {
    started.push(i);
    peak = Math.max(peak, limiter.active);
    await d.promise;
    return i;
  }));
  await settle();
  assert.deepEqual(started, [0, 1]);
  assert.equal(limiter.queued, 3);
  runs[1]!.resolve();
  await settle();
  assert.deepEqual(started, [0, 1, 2]);
  runs[0]!.resolve();
  runs[2]!.resolve();
  await settle();
  assert.deepEqual(started, [0, 1, 2, 3, 4]);
  runs[3]!.resolve();
  runs[4]!.resolve();
  assert.deepEqual(await Promise.all(all), [0, 1, 2, 3, 4]);
  assert.equal(peak, 2);
  assert.equal(limiter.active, 0);
  assert.equal(limiter.queued, 0);
});

test('Limiter: a run that throws frees its slot and its error reaches its caller only', async () => {
  // Setup
  const limiter = new Limiter(1);
  const failing = deferred();
  // Test
  const first = limiter.run(() => failing.promise);
  const second = limiter.run(async () => 'second ran');
  failing.reject(new Error('fetch failed'));
  await assert.rejects(first, /fetch failed/);
  assert.equal(await second, 'second ran');
  assert.equal(limiter.active, 0);
});

test('Limiter: a limit below 1 is refused at once', () => {
  assert.throws(() => new Limiter(0), /at least 1/);
  assert.throws(() => new Limiter(1.5), /at least 1/);
});

test('Limiter: an urgent run (a webhook\'s fetch) takes the next free slot ahead of runs that waited longer; urgent ones keep their order', async () => {
  // Setup: one slot held, three polling fetches waiting.
  const limiter = new Limiter(1);
  const holder = deferred();
  const started: string[] = [];
  const run = (name: string, urgent = false) => limiter.run(async () => { started.push(name); }, urgent);
  const held = limiter.run(() => holder.promise);
  const polled = [run('poll 1'), run('poll 2'), run('poll 3')];
  await settle();
  // Test
  const pushed = [run('push 1', true), run('push 2', true)];
  assert.equal(limiter.queued, 5);
  holder.resolve();
  await Promise.all([held, ...polled, ...pushed]);
  assert.deepEqual(started, ['push 1', 'push 2', 'poll 1', 'poll 2', 'poll 3']);
  assert.equal(limiter.active, 0);
});

test('Limiter: a steady stream of urgent runs lets a waiting normal run start after 4 urgent ones in a row', async () => {
  // Setup
  const limiter = new Limiter(1);
  const gates: Array<() => void> = [];
  const started: string[] = [];
  const urgent = (i: number) => limiter.run(() => { started.push(`urgent ${i}`); return new Promise<void>((r) => gates.push(r)); }, true);
  void urgent(0);
  await settle();
  const normal = limiter.run(async () => { started.push('normal'); });
  // Test: each time the slot frees, another urgent run is already waiting.
  for (let i = 1; i <= 6; i++) {
    void urgent(i);
    await settle();
    gates.shift()!();
    await settle();
  }
  await normal;
  assert.deepEqual(started.slice(0, 6), ['urgent 0', 'urgent 1', 'urgent 2', 'urgent 3', 'urgent 4', 'normal']);
  while (gates.length) { gates.shift()!(); await settle(); }
});
