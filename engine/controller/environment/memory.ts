import type { EnvironmentStatus, InventoryEntry } from '../../crds/types.js';
import { workloadKey } from './apply.js';
import type { KubeObject } from '../../kube/objects.js';

/** What the engine remembers between reconciles. Only an optimisation: losing it costs one re-apply. */
export interface ReconcileMemory {
  /** Environment key -> when its objects were last applied or checked for drift. */
  lastApplied: Map<string, number>;
  /** Workload (workloadKey: `Kind.group/ns/name`) -> generation Ria's last apply produced. */
  applied: Map<string, number>;
  /**
   * Workload -> newest generation the watch saw (-1: deleted). Higher than `applied` means
   * someone else changed the spec (kubectl scale/edit): re-apply. Compared in the reconcile, not
   * in the watch handler, so the watch event of Ria's own apply (which may arrive before the
   * apply's response) is never mistaken for an edit.
   */
  observed: Map<string, number>;
  /**
   * Object (workloadKey) -> fingerprint of Ria's last apply of it: the desired object and the
   * fields the API server said Ria owns after it (drift.ts). The drift check compares the live
   * object's owned fields with it instead of applying again.
   */
  fields: Map<string, string>;
  /**
   * Environment key -> the route scope (ria.dev/route-* annotations) of its Namespace as last
   * applied. When the new one differs, the Namespace is applied alone first (applyWaves), so the
   * admission policy does not judge its routes by the old one. Unknown (a restart): alone too.
   */
  routeScope?: Map<string, string>;
  /**
   * Workload (workloadKey) -> the Deployment as the watch last delivered it, cut to what its
   * readiness reads (workloadLite). A rollout check uses it instead of reading the Deployment when
   * it is at least at the generation Ria applied: the event that woke the check is in it.
   */
  workloads?: Map<string, KubeObject>;
  /**
   * Environment key -> a first deploy's status not written yet (pending-status.ts): applied, its
   * rollout waited for, and no status stored before. The next reconcile starts from it; losing it
   * (a restart) costs one re-apply, as the rest of this memory does.
   */
  pending?: Map<string, PendingStatus>;
}

/** A status held back (pending-status.ts): for the Environment of this uid, since then (ms). */
export interface PendingStatus { uid: string; status: EnvironmentStatus; since: number }

/** Pure: a workload cut to what workloadReady reads (its generation, replicas, rollout status). */
export function workloadLite(obj: KubeObject): KubeObject {
  const spec = obj.spec as { replicas?: number } | undefined;
  const status = (obj.status ?? {}) as Record<string, unknown>;
  const keep = ['observedGeneration', 'replicas', 'updatedReplicas', 'availableReplicas', 'desiredNumberScheduled', 'numberAvailable', 'updatedNumberScheduled', 'conditions'];
  return {
    apiVersion: obj.apiVersion, kind: obj.kind,
    metadata: { name: obj.metadata.name, ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}), ...(obj.metadata.generation !== undefined ? { generation: obj.metadata.generation } : {}) },
    spec: spec?.replicas !== undefined ? { replicas: spec.replicas } : {},
    status: Object.fromEntries(keep.filter((k) => status[k] !== undefined).map((k) => [k, status[k]])),
  };
}

/**
 * Pure: the watched workloads a rollout check may use instead of reading them: those at (or past)
 * the generation Ria's last apply produced. An older copy (the watch behind Ria's own apply) or
 * a workload this process did not apply is read.
 */
export function watchedWorkloads(memory: Pick<ReconcileMemory, 'applied' | 'workloads'>, keys: readonly string[]): Map<string, KubeObject> {
  const out = new Map<string, KubeObject>();
  for (const key of keys) {
    const seen = memory.workloads?.get(key);
    const applied = memory.applied.get(key);
    if (seen && applied !== undefined && (seen.metadata.generation ?? 0) >= applied) out.set(key, seen);
  }
  return out;
}

/** Pure: the route scope annotations (render/route-scope.ts) of the environment's Namespace among `objects`, as one string. */
export function namespaceRouteScope(objects: readonly KubeObject[], namespace: string): string {
  const ns = objects.find((o) => o.kind === 'Namespace' && o.apiVersion === 'v1' && o.metadata.name === namespace);
  const scope = Object.entries(ns?.metadata.annotations ?? {}).filter(([k]) => k.startsWith('ria.dev/route-')).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify(scope);
}

/** Pure: workloads of the inventory changed or deleted by someone else since Ria applied them. */
export function driftedWorkloads(memory: Pick<ReconcileMemory, 'applied' | 'observed'>, inventory: readonly InventoryEntry[] | undefined): string[] {
  const drifted: string[] = [];
  for (const entry of inventory ?? []) {
    const key = workloadKey(entry);
    const applied = memory.applied.get(key);
    const observed = memory.observed.get(key);
    if (applied !== undefined && observed !== undefined && (observed === -1 || observed > applied)) drifted.push(key);
  }
  return drifted;
}

/**
 * Pure: whether the environment's objects are due for a drift check. The resync tick that asks
 * comes one interval after the tick whose reconcile set `lastApplied` (a little after that tick,
 * once the queue reached it): without some slack every other tick would find it not quite due,
 * and the check would run every two intervals.
 */
export function driftCheckDue(memory: Pick<ReconcileMemory, 'lastApplied'>, key: string, nowMs: number, intervalMs: number): boolean {
  const last = memory.lastApplied.get(key);
  return last === undefined || nowMs - last >= intervalMs * 0.9;
}

/** The key of an environment in ReconcileMemory. */
export function memoryKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** Forgets what Ria applied of these objects (pruned, or the environment removed). */
export function forgetWorkloads(memory: ReconcileMemory, entries: readonly InventoryEntry[] | undefined): void {
  for (const entry of entries ?? []) {
    memory.applied.delete(workloadKey(entry));
    memory.observed.delete(workloadKey(entry));
    memory.fields.delete(workloadKey(entry));
  }
}
