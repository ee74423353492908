import { isDeepStrictEqual } from 'node:util';
import type { EnvironmentStatus } from '../../crds/types.js';
import { ConditionType, getCondition } from '../conditions.js';
import { Reason } from '../reasons.js';
import type { PendingStatus, ReconcileMemory } from './memory.js';
import type { LoadedEnvironment, Outcome } from './outcome.js';

/**
 * How long a first deploy's "Deploying" status may wait unwritten for its rollout. A new
 * Environment's first reconcile applies its objects and ends waiting for the Deployments (they
 * have only just been created); within a few seconds the Deployment watch wakes it again, Ready.
 * Writing "Deploying" in between was one of every first deploy's two status writes (issue 15: a
 * cold start of N apps is N first deploys, bound by the API server's CPU). So it is held back
 * this long: a rollout done by then writes its status once, Ready; a longer one is shown
 * Deploying from then on, as before. Until then the new Environment shows no status, as it did
 * while its commit was fetched and rendered.
 *
 * What is held is in memory only: an engine that stops within the grace loses it, and the next
 * one deploys the Environment again from the start (its objects are the environment's: applied
 * again, recorded then). Nothing a deletion needs is lost with it: only a first deploy without
 * cluster-scoped objects is held (its teardown is its namespace, deleted by name); the
 * inventory of one with ClusterRoles is written at once. A commit that drops a service, pushed
 * while the engine is down within those seconds, still prunes what the lost apply made: with no
 * inventory recorded, the environment's objects found in its namespace are taken as the
 * previous inventory (leftovers.ts).
 */
export const FIRST_DEPLOY_GRACE_MS = 10_000;

/**
 * The status a reconcile starts from: a held-back one of this very Environment (same uid) while
 * nothing is stored (nobody wrote a status since), else the stored one. A stale entry is dropped.
 */
export function startingStatus(memory: ReconcileMemory, key: string, env: LoadedEnvironment): { status: EnvironmentStatus; pending?: PendingStatus } {
  const pending = memory.pending?.get(key);
  if (pending && pending.uid === env.metadata.uid && isEmptyStatus(env.status)) return { status: structuredClone(pending.status), pending };
  if (pending) memory.pending!.delete(key);
  return { status: structuredClone(env.status ?? {}) };
}

/**
 * Pure: whether a reconcile's status may be held back rather than written: a first deploy (no
 * status stored) waiting for its rollout (Progressing; none stuck past its deadline) within
 * FIRST_DEPLOY_GRACE_MS of the first time it was held, with nothing a person should look at
 * (a Secret missing, an object that could not be pruned), and no cluster-scoped objects but its
 * Namespace. Failures, stalls, Ready, a stuck rollout, a deletion and any Environment with a
 * status stored are written as they come.
 */
export function mayHoldBack(env: LoadedEnvironment, outcome: Outcome, next: EnvironmentStatus, deleting: boolean, since: number, nowMs: number): boolean {
  if (deleting || !env.metadata.uid || !isEmptyStatus(env.status)) return false;
  if (outcome.kind !== 'waiting' || outcome.reason !== Reason.Progressing || outcome.stuck?.length) return false;
  if (next.inventory?.some((e) => !e.namespace && e.kind !== 'Namespace')) return false;
  if (getCondition(next.conditions, ConditionType.SecretsReady)?.status === 'False' || getCondition(next.conditions, ConditionType.Pruned)?.status === 'False') return false;
  return nowMs - since < FIRST_DEPLOY_GRACE_MS;
}

function isEmptyStatus(status: EnvironmentStatus | undefined): boolean {
  return status === undefined || Object.keys(status).length === 0;
}
