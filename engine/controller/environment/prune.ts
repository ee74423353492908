import type { InventoryEntry } from '../../crds/types.js';
import { KubeApiError, isConflict, refString } from '../../kube/errors.js';
import type { KubeObject } from '../../kube/objects.js';
import type { EngineContext } from '../context.js';
import { notOwnedReason, type EnvironmentOwner } from './ownership.js';

/**
 * Pure: an inventory entry's identity, `Kind.group/namespace/name`: the version is not part of it
 * (as in Flux's ObjMetadata), because one object is served at every version of its group. An
 * object written at another version of its group (an HPA moved from autoscaling/v1 to /v2) is the
 * same object: keyed by version, the old entry looked removed and prune deleted the object just
 * applied. Entries keep the version they were applied at (the stored format is unchanged), so an
 * inventory written before is read as it is.
 */
export function inventoryKey(e: { apiVersion: string; kind: string; namespace?: string; name: string }): string {
  const slash = e.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : e.apiVersion.slice(0, slash);
  return `${e.kind}${group ? `.${group}` : ''}/${e.namespace ?? ''}/${e.name}`;
}

/** Pure: what the old inventory has that the new one does not (Flux's prune rule, by {@link inventoryKey}), newest-applied last. */
export function toPrune(previous: readonly InventoryEntry[] | undefined, current: readonly InventoryEntry[]): InventoryEntry[] {
  const keep = new Set(current.map(inventoryKey));
  // Delete in reverse apply order: routes before Services before workloads before the config they use.
  return [...(previous ?? [])].filter((e) => !keep.has(inventoryKey(e))).reverse();
}

export interface PruneOutcome {
  deleted: InventoryEntry[];
  /** Listed in the old inventory but not the environment's (see ownership.ts): left alone. */
  skipped: Array<{ entry: InventoryEntry; why: string }>;
}

/** What became of one entry: deleted, already gone, or left alone (not the environment's, with why). */
export type PruneResult = { result: 'deleted' | 'gone' } | { result: 'skipped'; why: string };

/**
 * Deletes one object the new inventory dropped, but only if it is still the environment's: labels
 * and field manager are checked on the live object (read as the identity the delete is made as),
 * and the delete is conditional on its uid (a name taken over in between is not deleted).
 * Namespaces are never pruned: the environment's own goes with the environment (finalize.ts),
 * and no other is ever Ria's.
 */
export async function pruneEntry(ctx: EngineContext, owner: EnvironmentOwner, entry: InventoryEntry): Promise<PruneResult> {
  if (entry.kind === 'Namespace') {
    return entry.name === owner.namespace ? { result: 'gone' } : { result: 'skipped', why: 'Ria never deletes a namespace other than the environment\'s own' };
  }
  const client = ctx.identities.clientFor(entry);
  let live: KubeObject | undefined;
  try {
    live = await client.get<KubeObject>(entry);
  } catch (err) {
    // The identity the delete would be made as may not even read it: not the environment's.
    if (!(err instanceof KubeApiError && err.status === 403)) throw err;
    return { result: 'skipped', why: `the environment may not access it (${err.message})` };
  }
  if (!live) return { result: 'gone' };
  const why = notOwnedReason(owner, live);
  if (why) return { result: 'skipped', why };
  try {
    return { result: await client.delete(entry, 'Background', live.metadata.uid ? { uid: live.metadata.uid } : {}) ? 'deleted' : 'gone' };
  } catch (err) {
    if (!isConflict(err)) throw err;
    return { result: 'skipped', why: 'it was replaced by another object of the same name while being pruned' };
  }
}

/** {@link pruneEntry} for each entry, in order; what was left alone is logged with why. */
export async function pruneEntries(ctx: EngineContext, owner: EnvironmentOwner, entries: readonly InventoryEntry[]): Promise<PruneOutcome> {
  const outcome: PruneOutcome = { deleted: [], skipped: [] };
  for (const entry of entries) {
    const r = await pruneEntry(ctx, owner, entry);
    if (r.result === 'deleted') outcome.deleted.push(entry);
    else if (r.result === 'skipped') {
      outcome.skipped.push({ entry, why: r.why });
      ctx.log.warn('not pruned: not the environment\'s object', { environment: owner.name, object: refString(entry), why: r.why });
    }
  }
  return outcome;
}
