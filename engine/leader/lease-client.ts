/**
 * One attempt to take or keep a coordination.k8s.io/v1 Lease, as client-go's leaderelection does
 * it: read, decide, write with the resourceVersion read (optimistic concurrency: a 409 means
 * another replica wrote first, so it won this round). Kept apart from the timing loop so each
 * can be read alone.
 */
import type { CoordinationV1Api, V1Lease } from '@kubernetes/client-node';
import { toKubeApiError, isConflict, isNotFound } from '../kube/errors.js';

/** The subset of CoordinationV1Api used here, so tests can pass a fake or a fault-injecting proxy. */
export type LeaseApi = Pick<CoordinationV1Api, 'readNamespacedLease' | 'createNamespacedLease' | 'replaceNamespacedLease'>;

export interface LeaseTarget {
  client: LeaseApi;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
}

/**
 * What a replica last saw of the lease, and when by its own clock. Expiry is judged from the
 * local time the record last changed, never from renewTime, so clock skew between nodes cannot
 * make a live leader look expired.
 */
export interface Observation {
  holder: string | undefined;
  renewTime: string | undefined;
  leaseDurationSeconds: number;
  observedAt: number;
}

export type AttemptResult =
  | { outcome: 'held'; observation: Observation }
  | { outcome: 'held-by-other'; holder: string; observation: Observation }
  | { outcome: 'conflict' };

export function observe(lease: V1Lease, previous: Observation | undefined, now: number, fallbackDuration: number): Observation {
  const holder = lease.spec?.holderIdentity || undefined;
  const renewTime = lease.spec?.renewTime ? new Date(lease.spec.renewTime).toISOString() : undefined;
  const leaseDurationSeconds = lease.spec?.leaseDurationSeconds ?? fallbackDuration;
  const unchanged = previous && previous.holder === holder && previous.renewTime === renewTime;
  return { holder, renewTime, leaseDurationSeconds, observedAt: unchanged ? previous.observedAt : now };
}

export function isExpired(o: Observation, now: number): boolean {
  return o.observedAt + o.leaseDurationSeconds * 1000 <= now;
}

/** Takes the lease if it is free, expired or already ours; otherwise reports who holds it. */
export async function tryAcquireOrRenew(t: LeaseTarget, previous: Observation | undefined, now: () => number): Promise<AttemptResult> {
  let lease: V1Lease;
  try {
    lease = await t.client.readNamespacedLease({ name: t.name, namespace: t.namespace });
  } catch (err) {
    const e = toKubeApiError('read', leaseRef(t), err);
    if (!isNotFound(e)) throw e;
    return create(t, now);
  }
  const seen = observe(lease, previous, now(), t.leaseDurationSeconds);
  const ours = seen.holder === t.identity;
  if (seen.holder && !ours && !isExpired(seen, now())) return { outcome: 'held-by-other', holder: seen.holder, observation: seen };

  const at = microTime(now());
  const spec = lease.spec ?? {};
  const body: V1Lease = {
    ...lease,
    spec: {
      ...spec,
      holderIdentity: t.identity,
      leaseDurationSeconds: t.leaseDurationSeconds,
      renewTime: at,
      acquireTime: ours && spec.acquireTime ? spec.acquireTime : at,
      leaseTransitions: (spec.leaseTransitions ?? 0) + (ours ? 0 : 1),
    },
  };
  try {
    const written = await t.client.replaceNamespacedLease({ name: t.name, namespace: t.namespace, body });
    return { outcome: 'held', observation: observe(written, undefined, now(), t.leaseDurationSeconds) };
  } catch (err) {
    const e = toKubeApiError('update', leaseRef(t), err);
    if (isConflict(e)) return { outcome: 'conflict' };
    throw e;
  }
}

async function create(t: LeaseTarget, now: () => number): Promise<AttemptResult> {
  const at = microTime(now());
  try {
    const written = await t.client.createNamespacedLease({ namespace: t.namespace, body: {
      metadata: { name: t.name, namespace: t.namespace, labels: { 'app.kubernetes.io/part-of': 'ria' } },
      spec: { holderIdentity: t.identity, leaseDurationSeconds: t.leaseDurationSeconds, acquireTime: at, renewTime: at, leaseTransitions: 0 },
    } });
    return { outcome: 'held', observation: observe(written, undefined, now(), t.leaseDurationSeconds) };
  } catch (err) {
    const e = toKubeApiError('create', leaseRef(t), err);
    // AlreadyExists: another replica created it between our read and our create.
    if (isConflict(e)) return { outcome: 'conflict' };
    throw e;
  }
}

/**
 * Gives the lease up if we still hold it: clears holderIdentity so the next candidate takes it
 * at its next retry instead of waiting out the lease duration.
 */
export async function release(t: LeaseTarget): Promise<boolean> {
  let lease: V1Lease;
  try {
    lease = await t.client.readNamespacedLease({ name: t.name, namespace: t.namespace });
  } catch (err) {
    throw toKubeApiError('read', leaseRef(t), err);
  }
  if (lease.spec?.holderIdentity !== t.identity) return false;
  const { holderIdentity: _dropped, ...rest } = lease.spec;
  try {
    await t.client.replaceNamespacedLease({ name: t.name, namespace: t.namespace, body: { ...lease, spec: { ...rest, leaseDurationSeconds: 1 } } });
    return true;
  } catch (err) {
    throw toKubeApiError('release', leaseRef(t), err);
  }
}

/**
 * A MicroTime (RFC 3339 with microseconds), as client-node's V1MicroTime serializes it; typed as the
 * Date the generated V1Lease declares, since both clients send it as this JSON string.
 */
export function microTime(ms: number): Date {
  const at = new Date(ms);
  const text = at.toISOString().replace(/Z$/, '000Z');
  return Object.assign(at, { toJSON: () => text, toISOString: () => text });
}

function leaseRef(t: LeaseTarget) {
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: t.namespace, name: t.name };
}
