/**
 * Leader election on a Lease, so two engine replicas never reconcile at once while a standby
 * takes over within seconds when the leader goes away. The timing follows client-go: the leader
 * renews every renewIntervalMs; if renewals keep failing it steps down after renewDeadlineMs
 * (2/3 of the lease by default), before any other replica can see the lease as expired, so
 * two leaders never overlap. On stop() the lease is released for an immediate handover.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import { RiaError, errorMessage } from '../errors.js';
import type { Logger } from '../observe/logger.js';
import { release, tryAcquireOrRenew, type LeaseApi, type LeaseTarget, type Observation } from './lease-client.js';

export type { LeaseApi } from './lease-client.js';

export interface LeaderElectionOptions {
  client: LeaseApi;
  namespace: string;
  name: string;
  /** Unique per replica (the pod name). */
  identity: string;
  leaseDurationSeconds?: number;
  renewIntervalMs?: number;
  /** How long renewals may fail before the leader steps down; must be below the lease duration. */
  renewDeadlineMs?: number;
  retryIntervalMs?: number;
  onStartedLeading: () => void | Promise<void>;
  onStoppedLeading: () => void | Promise<void>;
  logger: Logger;
  now?: () => number;
  /** Waits `ms` or until `signal` aborts (injectable so tests can drive time). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface LeaderElection {
  isLeader(): boolean;
  /** Stops campaigning and releases the lease if held; resolves after onStoppedLeading has settled. */
  stop(): Promise<void>;
}

export class LeaderElectionError extends RiaError {
  constructor(message: string, data: Record<string, unknown> = {}) {
    super('LeaderElection', message, data);
  }
}

const defaultSleep = (ms: number, signal: AbortSignal) => sleepFor(ms, undefined, { signal }).catch(() => undefined);

export function startLeaderElection(options: LeaderElectionOptions): LeaderElection {
  const {
    client, namespace, name, identity, leaseDurationSeconds = 15, renewIntervalMs = 5000, retryIntervalMs = 2000,
    onStartedLeading, onStoppedLeading, logger, now = Date.now, sleep = defaultSleep,
  } = options;
  const leaseMs = leaseDurationSeconds * 1000;
  const renewDeadlineMs = options.renewDeadlineMs ?? Math.floor((leaseMs * 2) / 3);
  for (const [key, value] of Object.entries({ namespace, name, identity })) {
    if (!value) throw new LeaderElectionError(`ria leader election: option "${key}" is required`, { option: key });
  }
  if (!(leaseDurationSeconds >= 1) || !Number.isInteger(leaseDurationSeconds)) throw new LeaderElectionError('ria leader election: leaseDurationSeconds must be a whole number >= 1');
  if (!(renewDeadlineMs < leaseMs)) throw new LeaderElectionError('ria leader election: renewDeadlineMs must be below the lease duration');
  if (!(renewIntervalMs > 0 && renewIntervalMs < renewDeadlineMs)) throw new LeaderElectionError('ria leader election: renewIntervalMs must be positive and below renewDeadlineMs');
  if (!(retryIntervalMs > 0)) throw new LeaderElectionError('ria leader election: retryIntervalMs must be positive');

  const log = logger.child({ component: 'leader-election', lease: `${namespace}/${name}`, identity });
  const target: LeaseTarget = { client, namespace, name, identity, leaseDurationSeconds };
  const aborter = new AbortController();
  let leading = false;
  let lastRenewAt = 0;
  let observation: Observation | undefined;
  let lastHolder: string | undefined;

  /** Runs a callback; a failing one must not kill the election loop (the caller owns what it does). */
  const callback = (which: 'onStartedLeading' | 'onStoppedLeading', fn: () => void | Promise<void>): Promise<void> => {
    try {
      return Promise.resolve(fn()).catch((err: unknown) => log.error(`${which} failed`, { error: err }));
    } catch (err) {
      log.error(`${which} failed`, { error: err });
      return Promise.resolve();
    }
  };
  const startLeading = () => {
    leading = true;
    log.info('became leader');
    void callback('onStartedLeading', onStartedLeading);
  };
  const stepDown = (reason: string): Promise<void> => {
    if (!leading) return Promise.resolve();
    leading = false;
    log.warn('stopped leading', { reason });
    return callback('onStoppedLeading', onStoppedLeading);
  };

  /**
   * A leader steps down at its renew deadline even while a renewal is still waiting for its
   * answer: a request hanging on a dead connection ends only at the client's timeout (30 s, far
   * past the 15 s lease), and until then this replica would keep leading while another one,
   * seeing the lease expire, takes over. The renewal goes on; its answer, coming after the deadline, is no ground to lead (the round
   * below): the next round renews afresh.
   */
  const deadlineWatched = async <T>(pending: Promise<T>): Promise<T> => {
    if (!leading) return pending;
    const timer = new AbortController();
    const left = Math.max(0, lastRenewAt + renewDeadlineMs - now());
    void sleep(left, timer.signal).then(() => {
      if (!timer.signal.aborted && leading && now() - lastRenewAt >= renewDeadlineMs) {
        void stepDown(`no answer to the lease renewal within the ${renewDeadlineMs} ms renew deadline`);
      }
    });
    try {
      return await pending;
    } finally {
      timer.abort();
    }
  };

  /** One round; returns how long to wait before the next. */
  const round = async (): Promise<number> => {
    try {
      // The Lease says it was renewed when the request was made, not when its answer came.
      const sent = now();
      const result = await deadlineWatched(tryAcquireOrRenew(target, observation, now));
      if (result.outcome === 'held' && now() - sent >= renewDeadlineMs) {
        // Answered after the renew deadline (review10 F7): the lease may have expired in the
        // meantime and a standby taken it, so this is no ground to lead. Nor to renew at once:
        // renewing on a connection this slow would keep the lease fresh for a replica that never
        // leads. The next round comes a lease duration later, when a standby could take it.
        observation = result.observation;
        void stepDown(`the lease renewal was answered after the ${renewDeadlineMs} ms renew deadline`);
        return leaseMs;
      }
      if (result.outcome === 'held') {
        observation = result.observation;
        lastRenewAt = sent;
        if (!leading) startLeading();
        return renewIntervalMs;
      }
      if (result.outcome === 'held-by-other') {
        observation = result.observation;
        if (result.holder !== lastHolder) log.info('lease held by another replica', { holder: result.holder });
        lastHolder = result.holder;
        void stepDown(`lease taken by ${result.holder}`);
        return retryIntervalMs;
      }
      log.debug('lost a write race on the lease');
    } catch (err) {
      log.warn(leading ? 'lease renewal failed' : 'lease acquisition failed', { error: err });
    }
    // A conflict or an error: a leader keeps the lead until the renew deadline, retrying faster.
    if (leading && now() - lastRenewAt >= renewDeadlineMs) void stepDown(`could not renew the lease for ${renewDeadlineMs} ms`);
    return retryIntervalMs;
  };

  const loop = (async () => {
    while (!aborter.signal.aborted) {
      const wait = await round();
      if (aborter.signal.aborted) break;
      await sleep(wait, aborter.signal);
    }
  })();

  return {
    // Also bounded by time: between two rounds a stalled renew must not leave a stale "yes".
    isLeader: () => leading && now() - lastRenewAt < renewDeadlineMs,
    async stop() {
      if (aborter.signal.aborted) return loop;
      aborter.abort();
      await loop;
      if (!leading) return;
      // Step down first and wait for the caller's shutdown (draining reconciles), and only then
      // release: releasing first would let the next leader start while this one still works.
      await stepDown('stopped');
      try {
        if (await release(target)) log.info('released the lease');
      } catch (err) {
        log.warn('could not release the lease; the next leader waits for it to expire', { error: errorMessage(err) });
      }
    },
  };
}
