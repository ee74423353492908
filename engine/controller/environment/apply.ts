import { KubeApiError, isConflict } from '../../kube/errors.js';
import { refOf, type KubeObject } from '../../kube/objects.js';
import type { InventoryEntry } from '../../crds/types.js';
import type { EngineContext } from '../context.js';
import { inventoryKey } from './prune.js';
import { ObjectNotOwnedError, notOwnedReason, outsideEnvironment, type EnvironmentOwner } from './ownership.js';
import { isIdentityObject, writtenByEngine } from './identity.js';
import { applyFingerprint } from './drift.js';
import { inParallel } from '../parallel.js';
import { LabelKeys } from '../../render/labels.js';

export interface ApplyOutcome {
  inventory: InventoryEntry[];
  /** "field X of Deployment/ns/web was owned by kubectl-edit": taken over, said in a condition. */
  conflicts: string[];
  /** Generation of each object after the apply (by workloadKey), for drift detection. */
  generations: Map<string, number>;
  /** The objects as the API server returned them (status included), by workloadKey. */
  live: Map<string, KubeObject>;
  /** Fingerprint of each object applied (drift.ts): the desired object and the fields Ria owns after the apply. */
  fields: Map<string, string>;
  /**
   * The environment's namespace existed before this apply with the environment's label: an
   * earlier apply of this environment wrote it (a preview's namespace made before its
   * Environment has no such label). With no inventory recorded, what that apply made is looked
   * for (leftovers.ts).
   */
  namespaceApplied?: boolean;
}

/** A drift check's verdict: apply only `drifted`; the others are unchanged, as read (`live`). */
export interface ApplyOnly {
  drifted: ReadonlySet<string>;
  live: ReadonlyMap<string, KubeObject>;
}

/** Applies in flight at once for one environment: enough to hide round trips, few enough to be polite. */
const APPLY_CONCURRENCY = 8;

/**
 * What must exist before what, for objects created now. Only the Namespace (and CRDs for their
 * custom resources) are hard requirements of the API server; identities, config and storage go
 * before workloads so the first Pods are not refused for a missing ServiceAccount or ConfigMap
 * (the ReplicaSet controller would retry, but with backoff).
 */
function dependencyClass(obj: KubeObject): number {
  // The environment's identity, what every other object of it is written with: its bindings,
  // then its ServiceAccount. The API server's authorizer sees a new binding a moment after it is
  // written; the ServiceAccount's write (the engine's, needed anyway) is that moment, before
  // anything is written as the environment (a write refused for the binding's lag costs a retry).
  if (isIdentityObject(refOf(obj))) return obj.kind === 'RoleBinding' ? 1 : 2;
  switch (obj.kind) {
    case 'Namespace': return 0;
    case 'CustomResourceDefinition': case 'PriorityClass': case 'StorageClass': case 'IngressClass': return 2;
    case 'ServiceAccount': case 'Role': case 'ClusterRole': case 'RoleBinding': case 'ClusterRoleBinding':
    case 'Secret': case 'ConfigMap': case 'PersistentVolume': case 'PersistentVolumeClaim':
    case 'ResourceQuota': case 'LimitRange': return 3;
    default: return 4;
  }
}

/**
 * Pure: the objects in waves; each wave is applied in parallel, waves in order. An object waits
 * only for the new objects (not in the previous inventory) of lower dependency classes: what
 * exists already needs no waiting. So an update of a running environment is one wave, one round
 * trip instead of one per object; a first deploy goes Namespace → the identity's bindings →
 * its ServiceAccount → config → the rest; a new ConfigMap goes before the running Deployment that now mounts it. Render order
 * within a wave.
 */
export function applyWaves(objects: KubeObject[], existing: readonly InventoryEntry[] = [], namespaceFirst = false): KubeObject[][] {
  const known = new Set(existing.map(inventoryKey));
  const newClasses = new Set(objects.filter((o) => !known.has(inventoryKey(refOf(o)))).map(dependencyClass));
  // The Namespace's route scope changed (namespaceFirst): the admission policy judges the routes
  // by the Namespace's annotations, so it goes alone first, as if new.
  if (namespaceFirst && objects.some((o) => o.kind === 'Namespace')) newClasses.add(0);
  const waves: KubeObject[][] = [[], [], [], [], []];
  for (const obj of objects) {
    const c = dependencyClass(obj);
    let after = -1;
    for (const n of newClasses) if (n < c && n > after) after = n;
    waves[after + 1]!.push(obj);
  }
  return waves.filter((w) => w.length);
}

/**
 * Server-side applies the objects (field manager `ria`) in dependency waves. Ownership first
 * (see ownership.ts): nothing outside the environment's namespace, and an object that is new to
 * this environment (not in its inventory) must not exist yet unless it is already the
 * environment's; the Namespace is checked on every apply (adopting someone else's namespace would
 * put the environment's objects in it). An apply is tried without force so a conflict names who
 * else owns the field; Ria's desired state then wins only over the environment's own object
 * (a `kubectl edit` of an owned Deployment), never over someone else's. When an apply fails,
 * the rest of its wave still completes and the first error is thrown: the next reconcile applies
 * everything again. With `only` (a drift check's verdict), the objects it found unchanged are not
 * applied: their live copies stand for the apply's answers, and the inventory is still all of them.
 * `namespaceFirst`: the Namespace is applied alone before the rest (see applyWaves).
 */
export async function applyEnvironmentObjects(ctx: EngineContext, owner: EnvironmentOwner, objects: KubeObject[], existing: readonly InventoryEntry[] = [],
  only?: ApplyOnly, namespaceFirst = false): Promise<ApplyOutcome> {
  const seen = new Set<string>();
  for (const obj of objects) {
    const why = outsideEnvironment(owner, obj);
    if (why) throw new ObjectNotOwnedError(refOf(obj), owner, why);
    const key = inventoryKey(refOf(obj));
    // Only a Riofile object named like the environment's identity can repeat here (render refuses its own duplicates).
    if (seen.has(key)) throw new ObjectNotOwnedError(refOf(obj), owner, 'the name is taken by the environment\'s own identity, which Ria writes; rename it in the Riofile');
    seen.add(key);
  }
  await ctx.identities.ensureRoles();
  const known = new Set(existing.map(inventoryKey));
  const outcome: ApplyOutcome = { inventory: objects.map(refOf), conflicts: [], generations: new Map(), live: new Map(), fields: new Map() };
  const refuseUnowned = async (obj: KubeObject, context = ''): Promise<KubeObject | undefined> => {
    const live = await ctx.identities.clientFor(obj).get(refOf(obj));
    const why = live && notOwnedReason(owner, live);
    if (why) throw new ObjectNotOwnedError(refOf(obj), owner, `${why}${context}`);
    return live;
  };
  // The environment's namespace did not exist when this apply looked (a first deploy): nothing in
  // it can be someone else's, so its new objects are applied without reading each first (a
  // conflict with another field manager is still checked below). Saves a read per object.
  let namespaceCreated = false;
  const applyOne = async (obj: KubeObject): Promise<void> => {
    const key = workloadKey(refOf(obj));
    const unchanged = only && !only.drifted.has(key) ? only.live.get(key) : undefined;
    if (unchanged) {
      outcome.live.set(key, unchanged);
      if (unchanged.metadata.generation !== undefined) outcome.generations.set(key, unchanged.metadata.generation);
      return;
    }
    const isOwnNamespace = obj.kind === 'Namespace' && obj.metadata.name === owner.namespace;
    if (isOwnNamespace) {
      const live = await refuseUnowned(obj);
      if (!live) namespaceCreated = true;
      else if (live.metadata.labels?.[LabelKeys.environment] === owner.environment) outcome.namespaceApplied = true;
    } else if (!known.has(inventoryKey(refOf(obj))) && !(namespaceCreated && obj.metadata.namespace === owner.namespace)) await refuseUnowned(obj);
    const client = ctx.identities.clientFor(obj);
    let applied: KubeObject;
    try {
      applied = await client.apply(obj, { force: false });
    } catch (err) {
      if (!isConflict(err)) throw err;
      await refuseUnowned(obj, `; the apply conflicted: ${(err as Error).message}`);
      outcome.conflicts.push((err as Error).message);
      applied = await client.apply(obj, { force: true });
    }
    outcome.live.set(key, applied);
    outcome.fields.set(key, applyFingerprint(obj, applied));
    if (applied.metadata.generation !== undefined) outcome.generations.set(key, applied.metadata.generation);
  };
  // A binding just made: the next wave is written with it, and the API server's authorizer sees
  // a new binding a moment after it was written (its cache trails the write). The first object
  // written as the environment after it goes alone: refused (403), it is tried again a moment later (the binding's lag,
  // mostly), and refused again, the engine asks until the binding is effective (identity.ts,
  // waitAuthorized) and tries it once more; then the rest follow in parallel. Asking first (a
  // SelfSubjectAccessReview before every first deploy's wave, and again while it said no) cost
  // 1.3 requests per environment where the binding mostly worked already; a refused try costs
  // the API server no more than a review (it stops at authorization).
  let bindingJustMade = false;
  const refused = (err: unknown, obj: KubeObject) => err instanceof KubeApiError && err.status === 403 && !writtenByEngine(refOf(obj));
  const applyAuthorized = async (obj: KubeObject): Promise<void> => {
    try {
      return await applyOne(obj);
    } catch (err) {
      if (!refused(err, obj)) throw err;
    }
    await ctx.identities.pause();
    try {
      return await applyOne(obj);
    } catch (err) {
      if (!refused(err, obj)) throw err;
    }
    await ctx.identities.waitAuthorized(owner.namespace);
    await applyOne(obj);
  };
  for (const wave of applyWaves(objects, existing, namespaceFirst)) {
    let rest = wave;
    const first = bindingJustMade ? wave.find((o) => !writtenByEngine(refOf(o))) : undefined;
    if (first) {
      await applyAuthorized(first);
      rest = wave.filter((o) => o !== first);
      bindingJustMade = false;
    }
    const errors = await inParallel(rest, APPLY_CONCURRENCY, applyOne);
    if (errors.length) throw errors[0];
    bindingJustMade ||= wave.some((o) => isIdentityObject(refOf(o)) && o.kind === 'RoleBinding' && !known.has(inventoryKey(refOf(o))));
  }
  return outcome;
}

/**
 * Pure: the key of an object in the engine's maps (memory, drift check, apply answers):
 * `Kind.group/namespace/name` (`Deployment.apps/shop--main/web`; core kinds without a group,
 * `Service/shop--main/web`). The group is part of it because a kind's name is unique only
 * within its group: a custom resource `Deployment` of another group, named like the app's
 * Deployment, is another object. The version is not: one object is served at several.
 */
export function workloadKey(ref: { apiVersion: string; kind: string; namespace?: string; name: string }): string {
  // One identity for the maps and the inventory (prune.ts).
  return inventoryKey(ref);
}
