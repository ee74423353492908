import type { InventoryEntry } from '../../crds/types.js';
import { workloadKey } from './apply.js';

/** What the engine remembers between reconciles. Only an optimisation: losing it costs one re-apply. */
export interface ReconcileMemory {
  /** Environment key -> when its objects were last applied or checked for drift. */
  lastApplied: Map<string, number>;
  /** Workload (`Kind/ns/name`) -> generation Ria's last apply produced. */
  applied: Map<string, number>;
  /**
   * Workload -> newest generation the watch saw (-1: deleted). Higher than `applied` means
   * someone else changed the spec (kubectl scale/edit): re-apply. Compared in the reconcile, not
   * in the watch handler, so the watch event of Ria's own apply (which may arrive before the
   * apply's response) is never mistaken for an edit.
   */
  observed: Map<string, number>;
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

/** The key of an environment in ReconcileMemory. */
export function memoryKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** Forgets what Ria applied of these objects (pruned, or the environment removed). */
export function forgetWorkloads(memory: ReconcileMemory, entries: readonly InventoryEntry[] | undefined): void {
  for (const entry of entries ?? []) {
    memory.applied.delete(workloadKey(entry));
    memory.observed.delete(workloadKey(entry));
  }
}
