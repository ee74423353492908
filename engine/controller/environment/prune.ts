import type { InventoryEntry } from '../../crds/types.js';

export function inventoryKey(e: InventoryEntry): string {
  return `${e.apiVersion}|${e.kind}|${e.namespace ?? ''}|${e.name}`;
}

/** Pure: what the old inventory has that the new one does not (Flux's prune rule), newest-applied last. */
export function toPrune(previous: readonly InventoryEntry[] | undefined, current: readonly InventoryEntry[]): InventoryEntry[] {
  const keep = new Set(current.map(inventoryKey));
  // Delete in reverse apply order: routes before Services before workloads before the config they use.
  return [...(previous ?? [])].filter((e) => !keep.has(inventoryKey(e))).reverse();
}
