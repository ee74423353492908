import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { testClients, uniqueName, eventually } from '../../support/kube.js';
import { startLeaderElection, type LeaderElection, type LeaseApi } from '../../../engine/leader/lease.js';
import { silentLogger } from '../../../engine/observe/logger.js';

const { kc, core } = testClients();
const coordination = kc.makeApiClient(CoordinationV1Api);

interface Candidate { election: LeaderElection; events: string[] }

function candidate(namespace: string, identity: string, client: LeaseApi = coordination, timing: Record<string, number> = {}): Candidate {
  const events: string[] = [];
  const election = startLeaderElection({
    client, namespace, name: 'ria-engine', identity, logger: silentLogger,
    leaseDurationSeconds: 4, renewIntervalMs: 500, retryIntervalMs: 250, ...timing,
    onStartedLeading: () => { events.push('started'); },
    onStoppedLeading: () => { events.push('stopped'); },
  });
  return { election, events };
}

/** Samples both candidates until `until` holds, failing if they ever lead at the same time. */
async function watchSingleLeader(a: Candidate, b: Candidate, until: () => boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!until()) {
    assert.ok(!(a.election.isLeader() && b.election.isLeader()), 'two leaders at once');
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - start;
}

/** Samples for `ms`: there is a leader at every sample, never two, and it stays the same one. */
async function holdsSingleLeader(a: Candidate, b: Candidate, ms: number): Promise<void> {
  const first = a.election.isLeader() ? a : b;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    assert.ok(!(a.election.isLeader() && b.election.isLeader()), 'two leaders at once');
    assert.ok(first.election.isLeader(), 'the leader kept the lead');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The Lease client with every call passed through `fault` (a partition, a dead connection, a slow one). */
function withFault(fault: (call: () => Promise<unknown>) => Promise<unknown>): LeaseApi {
  return new Proxy(coordination, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => fault(() => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
    },
  }) as LeaseApi;
}

async function namespace(prefix: string): Promise<string> {
  const ns = uniqueName(prefix);
  await core.createNamespace({ body: { metadata: { name: ns } } });
  return ns;
}

test('two electors on one Lease: exactly one leads; stopping it hands over within a few seconds', async (t) => {
  // Setup
  const ns = await namespace('lease');
  const a = candidate(ns, 'replica-a');
  const b = candidate(ns, 'replica-b');
  t.after(() => Promise.all([a.election.stop(), b.election.stop()]));

  // Test
  await eventually('one leader', async () => a.election.isLeader() || b.election.isLeader(), 10_000, 50);
  await holdsSingleLeader(a, b, 1500);
  const [leader, follower] = a.election.isLeader() ? [a, b] : [b, a];
  assert.deepEqual(leader.events, ['started']);
  assert.deepEqual(follower.events, []);
  const lease = await coordination.readNamespacedLease({ namespace: ns, name: 'ria-engine' });
  assert.equal(lease.spec?.holderIdentity, leader === a ? 'replica-a' : 'replica-b');

  await leader.election.stop();
  assert.deepEqual(leader.events, ['started', 'stopped']);
  assert.equal(leader.election.isLeader(), false);
  const handover = await watchSingleLeader(leader, follower, () => follower.election.isLeader(), 5000);
  assert.ok(handover < 2000, `released lease is taken at the next retry (took ${handover} ms)`);
  const after = await coordination.readNamespacedLease({ namespace: ns, name: 'ria-engine' });
  assert.equal(after.spec?.holderIdentity, follower === a ? 'replica-a' : 'replica-b');
  assert.equal(after.spec?.leaseTransitions, 1);
});

test('a leader whose renewals fail steps down before the lease expires; the other takes over', async (t) => {
  // Setup: replica-a's API calls start failing on demand (a partitioned node).
  const ns = await namespace('lease-fail');
  let partitioned = false;
  const flaky = withFault((call) => (partitioned ? Promise.reject(new Error('connect ECONNREFUSED (injected)')) : call()));
  const a = candidate(ns, 'replica-a', flaky);
  await eventually('replica-a leads', async () => a.election.isLeader(), 10_000, 50);
  const b = candidate(ns, 'replica-b');
  t.after(() => Promise.all([a.election.stop(), b.election.stop()]));
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(b.election.isLeader(), false, 'a live leader keeps the lease');

  // Test
  partitioned = true;
  const cutAt = Date.now();
  const steppedDown = await watchSingleLeader(a, b, () => a.events.includes('stopped'), 6000);
  assert.equal(a.election.isLeader(), false);
  assert.ok(steppedDown < 4000, `stepped down before the 4 s lease could expire (after ${steppedDown} ms)`);
  await watchSingleLeader(a, b, () => b.election.isLeader(), 10_000);
  const failover = Date.now() - cutAt;
  assert.ok(failover >= 2500, `the standby waited for the lease to expire (${failover} ms)`);
  assert.ok(failover < 8000, `failover took ${failover} ms`);
  assert.deepEqual(b.events, ['started']);

  // The healed replica sees the new holder and stays a follower.
  partitioned = false;
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(a.election.isLeader(), false);
  assert.equal(b.election.isLeader(), true);
});

test('a leader whose renewal hangs (no answer, no error) steps down at its renew deadline', async (t) => {
  // Setup: replica-a's API calls stop answering on demand (a dead connection: no reset, no error).
  const ns = await namespace('lease-hang');
  let hung = false;
  const unanswered: Array<(err: Error) => void> = [];
  const silent = withFault((call) => (hung ? new Promise((_, reject) => unanswered.push(reject)) : call()));
  const a = candidate(ns, 'replica-a', silent);
  await eventually('replica-a leads', async () => a.election.isLeader(), 10_000, 50);
  const b = candidate(ns, 'replica-b');
  // stop() waits for the round in flight: end the hung requests as the client's timeout would.
  t.after(() => { hung = false; for (const end of unanswered) end(new Error('no answer within 30000 ms (injected)')); return Promise.all([a.election.stop(), b.election.stop()]); });

  // Test: the 4 s lease's renew deadline is 2.67 s; the hung request never ends by itself.
  hung = true;
  const steppedDown = await watchSingleLeader(a, b, () => a.events.includes('stopped'), 6000);
  assert.ok(steppedDown < 4000, `stepped down before the 4 s lease could expire (after ${steppedDown} ms)`);
  await watchSingleLeader(a, b, () => b.election.isLeader(), 10_000);
  assert.deepEqual(a.events, ['started', 'stopped']);
});

test('a renewal answered after the renew deadline is no ground to lead: the slow replica stays down and a standby takes over', async (t) => {
  // Setup: replica-a's requests reach the API server at once but their answers come 3.5 s later
  // (the 4 s lease's renew deadline is 2.67 s).
  const ns = await namespace('lease-slow');
  let slow = false;
  const late = withFault((call) => (slow ? call().then((r) => new Promise((resolve) => setTimeout(() => resolve(r), 3500))) : call()));
  const a = candidate(ns, 'replica-a', late);
  await eventually('replica-a leads', async () => a.election.isLeader(), 10_000, 50);
  const b = candidate(ns, 'replica-b');
  t.after(() => { slow = false; return Promise.all([a.election.stop(), b.election.stop()]); });

  // Test: never two leaders; replica-a steps down and the standby leads, replica-a not again.
  slow = true;
  await watchSingleLeader(a, b, () => b.election.isLeader(), 15_000);
  assert.deepEqual(a.events, ['started', 'stopped']);
  await holdsSingleLeader(a, b, 2000);
});

test('invalid timing is refused at once', () => {
  assert.throws(() => candidate('x', 'a', coordination, { leaseDurationSeconds: 2, renewDeadlineMs: 3000 }), /renewDeadlineMs must be below/);
  assert.throws(() => candidate('x', ''), /option "identity" is required/);
});
