import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedQueue, type Priority } from '../../../engine/controller/keyed-queue.js';
import { appChangeLane, environmentEventPriority, queueGroup, statusOnlyChange } from '../../../engine/controller/engine.js';
import { API_VERSION, type App, type Environment } from '../../../engine/crds/types.js';
import { deploymentEventNeedsReconcile } from '../../../engine/controller/deployment-event.js';
import type { KubeObject } from '../../../engine/kube/objects.js';

/** A queue whose runs wait until released by hand, recording the order and lane of each start. */
function gatedQueue(concurrency: number, urgentBurst?: number) {
  const started: string[] = [];
  const gates = new Map<string, () => void>();
  let active = new Map<string, number>();
  let overlap = false;
  const queue = new KeyedQueue({
    concurrency, ...(urgentBurst !== undefined ? { urgentBurst } : {}),
    worker: (key: string, run: { priority: Priority }) => {
      started.push(run.priority === 'urgent' ? `${key}!` : key);
      active.set(key, (active.get(key) ?? 0) + 1);
      if (active.get(key)! > 1) overlap = true;
      return new Promise<void>((resolve) => gates.set(key, () => { active.set(key, active.get(key)! - 1); gates.delete(key); resolve(); }));
    },
  });
  const release = async (key: string) => {
    const g = gates.get(key);
    assert.ok(g, `${key} is running`);
    g();
    await new Promise((r) => setImmediate(r));
  };
  return { queue, started, release, overlap: () => overlap, reset: () => { active = new Map(); } };
}

test('keyed queue: an urgent key starts at the next free worker, ahead of every waiting normal key', async () => {
  const q = gatedQueue(2);
  for (let i = 1; i <= 50; i++) q.queue.add(`app/poll-${i}`); // a poll round
  assert.deepEqual(q.started, ['app/poll-1', 'app/poll-2']);
  q.queue.add('app/pushed', 'urgent'); // the webhook
  assert.deepEqual(q.started, ['app/poll-1', 'app/poll-2'], 'no worker is free: it waits for one, not for the round');
  await q.release('app/poll-1');
  assert.deepEqual(q.started, ['app/poll-1', 'app/poll-2', 'app/pushed!']);
  await q.release('app/pushed');
  assert.equal(q.started.at(-1), 'app/poll-3', 'then the round goes on in order');
  assert.equal(q.queue.depth, 49);
});

test('keyed queue: a waiting normal key asked for urgently moves up, once; a normal add never moves a key down', async () => {
  const q = gatedQueue(1);
  q.queue.add('env/busy');
  for (const k of ['env/a', 'env/b', 'env/c']) q.queue.add(k);
  q.queue.add('env/c', 'urgent');
  assert.equal(q.queue.state('env/c'), 'urgent');
  q.queue.add('env/c'); // the watch event of the same change: stays urgent
  q.queue.add('env/c', 'urgent');
  assert.equal(q.queue.state('env/c'), 'urgent');
  assert.equal(q.queue.depth, 4, 'coalesced: no key waits twice');
  await q.release('env/busy');
  await q.release('env/c');
  await q.release('env/a');
  await q.release('env/b');
  assert.deepEqual(q.started, ['env/busy', 'env/c!', 'env/a', 'env/b']);
  assert.equal(q.queue.depth, 0);
});

test('keyed queue: a running key asked for urgently runs once more, urgently, never twice at once', async () => {
  const q = gatedQueue(2);
  q.queue.add('env/x');
  q.queue.add('env/other');
  q.queue.add('env/waiting');
  q.queue.add('env/x'); // running: once more (normal)
  q.queue.add('env/x', 'urgent'); // upgraded
  q.queue.add('env/x'); // not downgraded
  await q.release('env/x');
  assert.deepEqual(q.started, ['env/x', 'env/other', 'env/x!'], 'ahead of env/waiting');
  assert.equal(q.overlap(), false);
  await q.release('env/x');
  await q.release('env/other');
  await q.release('env/waiting');
  assert.deepEqual(q.started, ['env/x', 'env/other', 'env/x!', 'env/waiting']);
});

test('keyed queue: urgent work does not starve normal work (one normal key after urgentBurst urgent ones)', async () => {
  const q = gatedQueue(1, 2);
  q.queue.add('env/running');
  q.queue.add('env/normal');
  for (const k of ['u1', 'u2', 'u3', 'u4']) q.queue.add(k, 'urgent');
  for (const k of ['env/running', 'u1', 'u2', 'env/normal', 'u3']) await q.release(k);
  assert.deepEqual(q.started, ['env/running', 'u1!', 'u2!', 'env/normal', 'u3!', 'u4!']);
});

test('keyed queue: a key waiting on a delayed retry is taken at once when asked for urgently', async () => {
  const timers = new Map<number, () => void>();
  let id = 0;
  const runs: string[] = [];
  const queue = new KeyedQueue({
    concurrency: 1, worker: async (key, run) => { runs.push(`${key}:${run.priority}`); },
    setTimer: (fn) => { timers.set(++id, fn); return id; }, clearTimer: (h) => { timers.delete(h as number); },
  });
  queue.addAfter('app/shop', 60_000);
  assert.equal(timers.size, 1);
  queue.add('app/shop', 'urgent');
  assert.equal(timers.size, 0, 'the retry timer is dropped');
  await queue.idle();
  assert.deepEqual(runs, ['app/shop:urgent']);
});

test('environment watch events: urgent only when a new rollout action was just set', () => {
  const env = (action?: string, last?: string): Environment => ({
    apiVersion: API_VERSION, kind: 'Environment',
    metadata: { name: 'shop--main', ...(action ? { annotations: { 'ria.dev/rollout-action': action } } : {}) },
    spec: { app: 'shop', kind: 'branch', target: 'main', branch: 'main', commit: 'c', namespace: 'shop--main' },
    ...(last ? { status: { rollout: { services: {}, lastAction: last } } } : {}),
  } as Environment);
  assert.equal(environmentEventPriority(env(), env()), 'normal');
  assert.equal(environmentEventPriority(env(), env('promote/1')), 'urgent', 'ria rollout promote');
  assert.equal(environmentEventPriority(undefined, env('promote/1')), 'urgent');
  assert.equal(environmentEventPriority(env('promote/1'), env('promote/1')), 'normal', 'a later status write on the same request');
  assert.equal(environmentEventPriority(env('promote/1'), env('abort/2', 'promote/1')), 'urgent');
  assert.equal(environmentEventPriority(env('abort/2'), env('abort/2', 'abort/2')), 'normal', 'acted on');
});

test('environment watch events: a change of the status alone (the engine\'s own write) asks for no reconcile; anything else does', () => {
  const env = (over: { generation?: number; annotations?: Record<string, string>; finalizers?: string[]; deletionTimestamp?: string; commit?: string; phase?: string; rv?: string } = {}): Environment => ({
    apiVersion: API_VERSION, kind: 'Environment',
    metadata: { name: 'shop--main', uid: 'u1', generation: over.generation ?? 1, resourceVersion: over.rv ?? '1',
      ...(over.annotations ? { annotations: over.annotations } : {}), ...(over.finalizers ? { finalizers: over.finalizers } : {}),
      ...(over.deletionTimestamp ? { deletionTimestamp: over.deletionTimestamp } : {}) },
    spec: { app: 'shop', kind: 'branch', target: 'main', branch: 'main', commit: over.commit ?? 'c', namespace: 'shop--main' },
    ...(over.phase ? { status: { phase: over.phase } } : {}),
  } as Environment);
  assert.equal(statusOnlyChange(env({ phase: 'Deploying' }), env({ phase: 'Ready', rv: '2' })), true);
  assert.equal(statusOnlyChange(env(), env({ generation: 2, commit: 'd' })), false, 'a new commit');
  assert.equal(statusOnlyChange(env(), env({ annotations: { 'ria.dev/rollout-action': 'promote/1' } })), false, 'ria rollout');
  assert.equal(statusOnlyChange(env(), env({ finalizers: ['ria.dev/environment'] })), false, 'the finalizer');
  assert.equal(statusOnlyChange(env(), env({ deletionTimestamp: '2026-01-01T00:00:00Z' })), false, 'deleted');
});

test('keyed queue: a cold start goes app by app: what an app sync queues (its environment, then the rollout check) starts ahead of the other apps\' syncs', async () => {
  const started: string[] = [];
  const queue = new KeyedQueue({
    concurrency: 1,
    worker: async (key) => {
      started.push(key);
      // The app sync creates the environment; the environment's apply makes Deployment events.
      if (key.startsWith('app/')) queue.add(`env/${key.slice(4)}`, 'normal');
      else if (key.startsWith('env/')) queue.add(`check/${key.slice(4)}`, 'normal');
    },
  });
  for (const a of ['a', 'b', 'c']) queue.add(`app/${a}`, 'background'); // the first listings
  await queue.idle();
  assert.deepEqual(started, ['app/a', 'env/a', 'check/a', 'app/b', 'env/b', 'check/b', 'app/c', 'env/c', 'check/c']);
});

test('keyed queue: listings are not starved by environment work (one after urgentBurst normal starts), nor urgent work by either', async () => {
  const q = gatedQueue(1, 2);
  q.queue.add('env/running');
  for (const k of ['app/l1', 'app/l2']) q.queue.add(k, 'background');
  for (const k of ['env/1', 'env/2', 'env/3', 'env/4', 'env/5']) q.queue.add(k);
  for (const k of ['env/running', 'env/1', 'env/2', 'app/l1']) await q.release(k);
  q.queue.add('app/pushed', 'urgent');
  for (const k of ['env/3', 'app/pushed', 'env/4', 'app/l2', 'env/5']) await q.release(k);
  // env/3 and env/4 are two normal starts while a listing waits (the urgent one between them is its own lane's).
  assert.deepEqual(q.started, ['env/running', 'env/1', 'env/2', 'app/l1', 'env/3', 'app/pushed!', 'env/4', 'app/l2', 'env/5']);
});

test('keyed queue: a waiting listing asked for by a watch or a webhook moves up; a background add never moves a key down', async () => {
  const q = gatedQueue(1);
  q.queue.add('env/busy');
  q.queue.add('app/a', 'background');
  q.queue.add('app/b', 'background');
  q.queue.add('env/x');
  q.queue.add('env/x', 'background');
  assert.equal(q.queue.state('env/x'), 'normal');
  q.queue.add('app/b', 'normal');
  assert.equal(q.queue.state('app/b'), 'normal');
  q.queue.add('app/a', 'urgent');
  q.queue.add('env/busy', 'background'); // running: once more, in the background lane
  q.queue.add('env/busy', 'normal'); // upgraded
  q.queue.add('env/busy', 'background'); // not downgraded
  for (const k of ['env/busy', 'app/a', 'env/x', 'app/b']) await q.release(k);
  assert.deepEqual(q.started, ['env/busy', 'app/a!', 'env/x', 'app/b', 'env/busy']);
  await q.release('env/busy');
  assert.equal(q.queue.depth, 0);
});

test('Deployment events: a rolled-out Deployment at the generation Ria applied, in an environment found Ready, asks for nothing; anything else does', () => {
  const deployment = (generation: number, observed: number, available: number): KubeObject => ({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop--main', generation },
    spec: { replicas: 1 }, status: { observedGeneration: observed, replicas: 1, updatedReplicas: available, availableReplicas: available },
  });
  assert.equal(deploymentEventNeedsReconcile(deployment(2, 2, 1), 'update', 2, true), false, 'rolled out, Ready: a no-op');
  assert.equal(deploymentEventNeedsReconcile(deployment(2, 2, 1), 'update', 2, false), true, 'the environment waits for this rollout');
  assert.equal(deploymentEventNeedsReconcile(deployment(2, 2, 0), 'update', 2, true), true, 'not available');
  assert.equal(deploymentEventNeedsReconcile(deployment(2, 1, 1), 'update', 2, true), true, 'the new generation not rolled out yet');
  assert.equal(deploymentEventNeedsReconcile(deployment(3, 3, 1), 'update', 2, true), true, 'kubectl scale or edit: drift');
  assert.equal(deploymentEventNeedsReconcile(deployment(2, 2, 1), 'delete', 2, true), true, 'deleted: drift');
  assert.equal(deploymentEventNeedsReconcile(deployment(2, 2, 1), 'update', undefined, true), true, 'not applied by this process');
});

/**
 * A queue of concurrency 4 whose keys are grouped by app (`<lane>/<app>/<n>`), runs released by
 * hand in the order they started: what a busy engine does with one app's flood.
 */
function floodQueue(options: { concurrency?: number; groupShare?: number } = {}) {
  const started: string[] = [];
  const running: Array<() => void> = [];
  const queue = new KeyedQueue({
    concurrency: options.concurrency ?? 4, ...(options.groupShare !== undefined ? { groupShare: options.groupShare } : {}),
    groupOf: (key) => key.split('/')[1]!,
    worker: (key) => { started.push(key); return new Promise<void>((resolve) => running.push(resolve)); },
  });
  /** Ends the oldest run and lets the queue start what it takes next. */
  const finishOne = async () => {
    const end = running.shift();
    assert.ok(end, 'something runs');
    end();
    await new Promise((r) => setImmediate(r));
  };
  return { queue, started, finishOne };
}

test('keyed queue: one app\'s flood of urgent and normal work does not push other apps\' polling back (at most one run\'s end)', async () => {
  const q = floodQueue();
  // A public repository's contributors push many pull requests: urgent syncs and preview
  // environments, and their Deployments' events in the normal lane.
  for (let i = 0; i < 100; i++) q.queue.add(`urgent/spam/${i}`, 'urgent');
  for (let i = 0; i < 100; i++) q.queue.add(`normal/spam/${i}`, 'normal');
  assert.equal(q.started.length, 4, 'alone, the app uses every worker');
  // Two other apps' listings come due.
  q.queue.add('poll/shop/1', 'background');
  q.queue.add('poll/blog/1', 'background');
  await q.finishOne();
  await q.finishOne();
  // Bound: while another app's work waits, the flooding app starts nothing beyond its share (2 of
  // 4 workers): each listing starts at the first worker freed after it was due. Before, the lanes'
  // burst rule alone gave background 1 start in 25 (urgent 4 : normal 1, normal 4 : background 1).
  assert.deepEqual(q.started.slice(4), ['poll/shop/1', 'poll/blog/1']);
  // The flood still has its share: the next free workers go back to it, urgent first.
  await q.finishOne();
  await q.finishOne();
  assert.deepEqual(q.started.slice(6), ['urgent/spam/4', 'urgent/spam/5']);
});

test('keyed queue: the bound holds under a steady flood: each due listing of another app starts within one run\'s time, after at most 2 starts of the flood', async () => {
  // Every run takes equally long and runs end in the order they started: `concurrency` ends are
  // one run's time. The flood app keeps at most its share (2 of 4 workers) while a listing waits,
  // so the listing waits only for the run ends of the other half.
  const q = floodQueue();
  for (let i = 0; i < 400; i++) q.queue.add(`urgent/spam/${i}`, 'urgent');
  for (let i = 0; i < 400; i++) q.queue.add(`normal/spam/${i}`, 'normal');
  let worstEnds = 0;
  let worstFloodStarts = 0;
  for (let round = 0; round < 50; round++) {
    const listing = `poll/app${round}/1`;
    q.queue.add(listing, 'background'); // one listing comes due per round
    const before = q.started.length;
    let ends = 0;
    while (!q.started.includes(listing)) { await q.finishOne(); ends++; }
    worstEnds = Math.max(worstEnds, ends);
    worstFloodStarts = Math.max(worstFloodStarts, q.started.slice(before).filter((k) => k.includes('/spam/')).length);
  }
  assert.ok(worstEnds <= 4, `a listing waited ${worstEnds} run ends (bound: 4, one run's time)`);
  assert.ok(worstFloodStarts <= 2, `the flood started ${worstFloodStarts} runs while a listing waited (bound: its share, 2)`);
  assert.ok(q.started.filter((k) => k.includes('/spam/')).length >= 50, 'the flood keeps its share meanwhile');
});

test('keyed queue: within a lane apps take turns: a webhook of one app does not wait behind another app\'s fifty urgent keys', async () => {
  const q = floodQueue({ concurrency: 1 });
  for (let i = 0; i < 50; i++) q.queue.add(`urgent/spam/${i}`, 'urgent');
  q.queue.add('urgent/shop/push', 'urgent'); // another app's webhook
  q.queue.add('urgent/blog/push', 'urgent');
  for (let i = 0; i < 4; i++) await q.finishOne();
  // Before: in arrival order, after all fifty.
  assert.deepEqual(q.started, ['urgent/spam/0', 'urgent/spam/1', 'urgent/shop/push', 'urgent/blog/push', 'urgent/spam/2']);
});

test('keyed queue: a webhook poke of an app under its share still goes ahead of the polling a flood leaves waiting', async () => {
  const q = floodQueue();
  for (let i = 0; i < 100; i++) q.queue.add(`normal/spam/${i}`, 'normal');
  q.queue.add('poll/blog/1', 'background');
  q.queue.add('urgent/shop/push', 'urgent');
  await q.finishOne();
  assert.equal(q.started[4], 'urgent/shop/push');
  await q.finishOne();
  assert.equal(q.started[5], 'poll/blog/1');
});

test('keyed queue: the share is work-conserving: one app alone uses every worker; a cold start still goes app by app', async () => {
  const q = floodQueue({ concurrency: 4, groupShare: 1 });
  for (let i = 0; i < 10; i++) q.queue.add(`normal/shop/${i}`);
  assert.equal(q.started.length, 4);
  const started: string[] = [];
  const queue = new KeyedQueue({
    concurrency: 1, groupOf: (key) => key.split('/')[1]!.split('--')[0]!,
    worker: async (key) => {
      started.push(key);
      if (key.startsWith('app/')) queue.add(`env/${key.slice(4)}--main`, 'normal');
      else if (!key.endsWith('#check')) queue.add(`${key}#check`, 'normal');
    },
  });
  for (const a of ['a', 'b', 'c']) queue.add(`app/${a}`, 'background');
  await queue.idle();
  assert.deepEqual(started, ['app/a', 'env/a--main', 'env/a--main#check', 'app/b', 'env/b--main', 'env/b--main#check', 'app/c',
    'env/c--main', 'env/c--main#check']);
});

test('engine: the queue\'s groups are apps (an app\'s sync and its environments share one), the config its own', () => {
  assert.equal(queueGroup('app/shop'), 'shop');
  assert.equal(queueGroup('env/ria-system/shop--pr-7', 'shop'), 'shop');
  assert.equal(queueGroup('env/ria-system/shop--main'), 'shop', 'not seen by the watch yet: the name\'s app part');
  assert.equal(queueGroup('env/ria-system/custom-ns', 'shop'), 'shop');
  assert.notEqual(queueGroup('config'), queueGroup('app/config'), 'an app named config does not share the config sync\'s turn');
});

test('engine: an App whose spec changed in the config (a revoked allow) is synced as normal work, a new one as a listing', () => {
  const app = (uid: string, allow: boolean): App => ({
    apiVersion: API_VERSION, kind: 'App', metadata: { name: 'shop', uid },
    spec: { repo: 'https://git.example.com/shop.git', branches: ['main'], ...(allow ? { allow: { permissions: true } } : {}) },
  } as App);
  assert.equal(appChangeLane(app('u1', true), app('u1', false), 'normal'), 'normal', 'allow revoked: ahead of polling');
  assert.equal(appChangeLane(app('u1', true), app('u1', false), 'background'), 'normal');
  assert.equal(appChangeLane(app('u1', true), app('u1', false), 'urgent'), 'urgent', 'a webhook on the config repository');
  assert.equal(appChangeLane(app('u1', true), app('u1', true), 'normal'), undefined, 'unchanged');
  assert.equal(appChangeLane(undefined, app('u1', true), 'normal'), 'background', 'new to this process (a cold start): a listing');
  assert.equal(appChangeLane(app('u1', true), app('u2', true), 'normal'), 'background', 'deleted and created again: new');
  assert.equal(appChangeLane(undefined, app('u1', true), 'urgent'), 'urgent');
});
