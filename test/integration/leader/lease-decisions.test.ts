/**
 * The lease decisions with an in-memory Lease API and a fake clock (no cluster needed; kept next
 * to the integration tests because test/unit has no leader folder yet). The cluster tests prove
 * the same code against a real API server; these pin the timing rules exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Lease } from '@kubernetes/client-node';
import { ApiException } from '@kubernetes/client-node';
import { tryAcquireOrRenew, release, type LeaseApi, type LeaseTarget, type Observation } from '../../../engine/leader/lease-client.js';

/** One Lease in memory with resourceVersion checks, like the API server. */
function memoryLeases() {
  let stored: V1Lease | undefined;
  let rv = 0;
  const fail = (code: number) => Promise.reject(new ApiException(code, 'x', JSON.stringify({ message: `HTTP ${code}` }), {}));
  const api = {
    readNamespacedLease: () => (stored ? Promise.resolve(structuredClone(stored)) : fail(404)),
    createNamespacedLease: ({ body }: { body: V1Lease }) => {
      if (stored) return fail(409);
      stored = { ...structuredClone(body), metadata: { ...body.metadata, resourceVersion: String(++rv) } };
      return Promise.resolve(structuredClone(stored));
    },
    replaceNamespacedLease: ({ body }: { body: V1Lease }) => {
      if (!stored || body.metadata?.resourceVersion !== stored.metadata?.resourceVersion) return fail(409);
      stored = { ...structuredClone(body), metadata: { ...body.metadata, resourceVersion: String(++rv) } };
      return Promise.resolve(structuredClone(stored));
    },
  } as unknown as LeaseApi;
  return { api, get: () => stored };
}

test('a candidate waits a full lease duration from its own first observation, whatever renewTime says', async () => {
  // Setup: a lease held by a replica that died long ago (renewTime far in the past).
  const leases = memoryLeases();
  let clock = 1_000_000;
  const now = () => clock;
  const a: LeaseTarget = { client: leases.api, namespace: 'ns', name: 'l', identity: 'a', leaseDurationSeconds: 15 };
  const b: LeaseTarget = { ...a, identity: 'b' };
  assert.equal((await tryAcquireOrRenew(a, undefined, () => 0)).outcome, 'held');

  // Test: b has never seen this lease, so it cannot know how long ago it was renewed by its own clock.
  let seen: Observation | undefined;
  let r = await tryAcquireOrRenew(b, seen, now);
  assert.equal(r.outcome, 'held-by-other');
  seen = r.outcome === 'held-by-other' ? r.observation : undefined;
  clock += 14_999;
  r = await tryAcquireOrRenew(b, seen, now);
  assert.equal(r.outcome, 'held-by-other', 'not expired 1 ms before the lease duration');
  seen = r.outcome === 'held-by-other' ? r.observation : seen;
  clock += 1;
  r = await tryAcquireOrRenew(b, seen, now);
  assert.equal(r.outcome, 'held');
  assert.equal(leases.get()?.spec?.holderIdentity, 'b');
  assert.equal(leases.get()?.spec?.leaseTransitions, 1);
});

test('a renewal seen by the candidate restarts its expiry countdown', async () => {
  const leases = memoryLeases();
  let clock = 0;
  const now = () => clock;
  const a: LeaseTarget = { client: leases.api, namespace: 'ns', name: 'l', identity: 'a', leaseDurationSeconds: 10 };
  const b: LeaseTarget = { ...a, identity: 'b' };
  await tryAcquireOrRenew(a, undefined, now);
  let r = await tryAcquireOrRenew(b, undefined, now);
  const first = r.outcome === 'held-by-other' ? r.observation : undefined;
  clock = 8000;
  assert.equal((await tryAcquireOrRenew(a, undefined, now)).outcome, 'held', 'a renews');
  clock = 10_500;
  r = await tryAcquireOrRenew(b, first, now);
  assert.equal(r.outcome, 'held-by-other', 'the renewal at 8 s moved the deadline to 18 s');
  assert.equal(r.outcome === 'held-by-other' && r.observation.observedAt, 10_500);
});

test('release clears the holder so another candidate takes it at once; only the holder can release', async () => {
  const leases = memoryLeases();
  const a: LeaseTarget = { client: leases.api, namespace: 'ns', name: 'l', identity: 'a', leaseDurationSeconds: 10 };
  const b: LeaseTarget = { ...a, identity: 'b' };
  await tryAcquireOrRenew(a, undefined, () => 0);
  assert.equal(await release(b), false);
  assert.equal(leases.get()?.spec?.holderIdentity, 'a');
  assert.equal(await release(a), true);
  assert.equal(leases.get()?.spec?.holderIdentity, undefined);
  assert.equal((await tryAcquireOrRenew(b, undefined, () => 1)).outcome, 'held');
});

test('a write race is a conflict, not an error', async () => {
  const leases = memoryLeases();
  const a: LeaseTarget = { client: leases.api, namespace: 'ns', name: 'l', identity: 'a', leaseDurationSeconds: 10 };
  // b read the lease as free, then a wrote first: b's write carries a stale resourceVersion.
  await tryAcquireOrRenew(a, undefined, () => 0);
  await release(a);
  const stale = leases.get()!;
  await tryAcquireOrRenew(a, undefined, () => 1);
  const racing = { ...leases.api, readNamespacedLease: () => Promise.resolve(structuredClone(stale)) } as LeaseApi;
  assert.deepEqual(await tryAcquireOrRenew({ ...a, client: racing, identity: 'b' }, undefined, () => 2), { outcome: 'conflict' });
  assert.equal(leases.get()?.spec?.holderIdentity, 'a');
});
