import type { InventoryEntry } from '../../crds/types.js';
import { KubeApiError, isConflict, refString } from '../../kube/errors.js';
import type { KubeObject, KubeObjects } from '../../kube/objects.js';
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
  /** Its kind is served at no version now: neither read nor deleted, so still to be pruned. */
  unserved: Array<{ entry: InventoryEntry; why: string }>;
}

/**
 * What became of one entry: deleted, already gone, left alone (not the environment's, with why),
 * or unserved: the API server serves its kind at no version of its group any more, so it can be
 * neither read nor deleted (kept in the inventory, said with why; pruned once the kind is served).
 */
export type PruneResult = { result: 'deleted' | 'gone' } | { result: 'skipped' | 'unserved'; why: string };

/**
 * Reads the live object of an inventory entry at a version the API server serves now. An entry
 * keeps the version it was applied at, and that version may be served no more (a CRD version
 * removed, an API upgraded, `policy/v1beta1` gone): a read there answers 404 just as for an
 * object that is gone, and taking that for "gone" would drop an object still there from the
 * inventory for good. So a 404 is checked against fresh discovery: still served, the object is
 * gone; else the object is read at the group's served version (preferred first), or, with none,
 * the entry is unserved. Anything discovery cannot answer (a 503 from an aggregated API) throws:
 * the prune fails, is retried, and the entry stays.
 */
async function readServed(client: KubeObjects, entry: InventoryEntry): Promise<{ ref: InventoryEntry; live: KubeObject | undefined } | { unserved: string }> {
  const live = await client.get<KubeObject>(entry);
  if (live) return { ref: entry, live };
  const served = await client.paths.servedVersion(entry.apiVersion, entry.kind);
  if (served === entry.apiVersion) return { ref: entry, live: undefined };
  if (served === undefined) {
    const group = entry.apiVersion.includes('/') ? entry.apiVersion.slice(0, entry.apiVersion.indexOf('/')) : 'the core group';
    return { unserved: `it was applied as ${entry.apiVersion}, and the API server serves ${entry.kind} at no version of ${group} now (is its CRD installed?); it stays in the inventory and is pruned once ${entry.kind} is served again` };
  }
  const ref = { ...entry, apiVersion: served };
  return { ref, live: await client.get<KubeObject>(ref) };
}

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
  let read: Awaited<ReturnType<typeof readServed>>;
  try {
    read = await readServed(client, entry);
  } catch (err) {
    // The identity the delete would be made as may not even read it: not the environment's.
    if (!(err instanceof KubeApiError && err.status === 403)) throw err;
    return { result: 'skipped', why: `the environment may not access it (${err.message})` };
  }
  if ('unserved' in read) return { result: 'unserved', why: read.unserved };
  const { ref, live } = read;
  if (!live) return { result: 'gone' };
  const why = notOwnedReason(owner, live);
  if (why) return { result: 'skipped', why };
  try {
    return { result: await client.delete(ref, 'Background', live.metadata.uid ? { uid: live.metadata.uid } : {}) ? 'deleted' : 'gone' };
  } catch (err) {
    if (!isConflict(err)) throw err;
    return { result: 'skipped', why: 'it was replaced by another object of the same name while being pruned' };
  }
}

/** {@link pruneEntry} for each entry, in order; what was left alone is logged with why. */
export async function pruneEntries(ctx: EngineContext, owner: EnvironmentOwner, entries: readonly InventoryEntry[]): Promise<PruneOutcome> {
  const outcome: PruneOutcome = { deleted: [], skipped: [], unserved: [] };
  for (const entry of entries) {
    const r = await pruneEntry(ctx, owner, entry);
    if (r.result === 'deleted') outcome.deleted.push(entry);
    else if (r.result === 'skipped' || r.result === 'unserved') {
      outcome[r.result].push({ entry, why: r.why });
      ctx.log.warn(r.result === 'skipped' ? 'not pruned: not the environment\'s object' : 'not pruned: its kind is not served', { environment: owner.name, object: refString(entry), why: r.why });
    }
  }
  return outcome;
}
