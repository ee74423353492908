/**
 * The periodic drift check: which of an environment's objects differ from what the cluster has,
 * so that only those are applied again. A server-side apply that changes nothing is still a
 * write request (a PATCH the API server admits, diffs and answers), and re-applying every object
 * of every environment every drift interval made an idle engine write hundreds of times a minute.
 *
 * What says "unchanged" is the API server's own record of field ownership, and the values in
 * those fields. When Ria applies an object, the response's managedFields hold the set of fields
 * Ria's field manager owns. Anyone else who changes one of those fields (`kubectl edit`,
 * `kubectl scale`, a label removed, another apply with force) takes it away from Ria, so Ria's set
 * shrinks or changes. Not every change does: an apply under Ria's own manager name, or an Update
 * that writes Ria's old managedFields entry back, changes a value and leaves the set as it was;
 * so the values at Ria's fields are compared too, and the object's uid (deleted and made again
 * under the same name is a different object). So an object is unchanged when the live object's
 * uid, Ria field set and the values in it are exactly what Ria's last apply of this very object
 * (same desired content) produced; deleted when the read finds nothing. One read per object, no
 * write. Fields nobody gave Ria (a container or label someone else added) are not Ria's to check:
 * drift is about what Ria applies. Without such a record (a restart, a new leader) the object is compared as
 * Flux does it: a dry-run apply (`dryRun=All`, nothing stored) against the live object.
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { isConflict } from '../../kube/errors.js';
import { FIELD_MANAGER, refOf, type KubeObject } from '../../kube/objects.js';
import type { EngineContext } from '../context.js';
import { workloadKey } from './apply.js';
import type { ReconcileMemory } from './memory.js';

export interface DriftCheck {
  /** Objects (workloadKey) that differ from the cluster: missing, or changed by someone else. */
  drifted: Set<string>;
  /** The live objects read (status included): what the readiness step would read otherwise. */
  live: Map<string, KubeObject>;
}

/** Reads in flight at once for one environment (as many as its applies). */
const CHECK_CONCURRENCY = 8;

/** Pure: a short hash of JSON. */
function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value ?? null)).digest('hex').slice(0, 16);
}

/** Pure: the fields Ria's field manager owns in `obj` (its Apply entry, not a subresource's), as JSON. */
export function ownedFields(obj: KubeObject): unknown {
  const entry = obj.metadata.managedFields?.find((m) => m.manager === FIELD_MANAGER && m.operation === 'Apply' && !m.subresource);
  return entry?.fieldsV1;
}

type FieldSet = { [key: string]: FieldSet };

/** A key's JSON (`k:` / `v:`), or undefined if it is not JSON (managedFields can be written by others). */
function keyJson(text: string): unknown {
  try { return JSON.parse(text) as unknown; } catch { return undefined; }
}

/**
 * Pure: the values of `value` at the paths of a managedFields field set (fieldsV1): `f:<name>` a
 * field, `k:<json>` the list item with those key fields, `v:<json>` a set member, `.` the node
 * itself (present or not). A leaf (`{}`) is taken whole; a map or list Ria owns only some entries
 * of gives only those, so what others add beside them is not compared.
 */
export function projectFields(value: unknown, fields: FieldSet): unknown {
  const out: Record<string, unknown> = {};
  for (const [key, sub] of Object.entries(fields)) {
    const leaf = Object.keys(sub ?? {}).length === 0;
    if (key === '.') out[key] = value !== undefined;
    else if (key.startsWith('f:')) {
      const field = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[key.slice(2)] : undefined;
      out[key] = leaf ? field ?? null : projectFields(field, sub);
    } else if (key.startsWith('k:')) {
      const wanted = keyJson(key.slice(2));
      const item = Array.isArray(value) && wanted && typeof wanted === 'object'
        ? value.find((e) => e && typeof e === 'object' && Object.entries(wanted as Record<string, unknown>).every(([k, v]) => isDeepStrictEqual((e as Record<string, unknown>)[k], v)))
        : undefined;
      out[key] = leaf ? item ?? null : projectFields(item, sub);
    } else if (key.startsWith('v:')) {
      const member = keyJson(key.slice(2));
      out[key] = member !== undefined && Array.isArray(value) && value.some((e) => isDeepStrictEqual(e, member));
    } else out[key] = null;
  }
  return out;
}

/**
 * Pure: what to remember of one apply: the desired object, and of the live object the uid, the
 * field set the API server says Ria owns after applying it and the values in those fields. Equal
 * fingerprints later mean nobody took a field away, changed a value in one, or replaced the object.
 */
export function applyFingerprint(desired: KubeObject, live: KubeObject): string {
  const owned = ownedFields(live) as FieldSet | undefined;
  return `${digest(desired)}:${live.metadata.uid ?? ''}:${digest(owned)}:${digest(owned ? projectFields(live, owned) : null)}`;
}

/**
 * Pure: a dry-run apply's answer equals the live object: the apply would change nothing. Only
 * the resourceVersion and the managedFields' timestamps may differ.
 */
export function sameAsLive(dryRun: KubeObject, live: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { resourceVersion: _rv, managedFields, ...metadata } = o.metadata;
    return { ...o, metadata: { ...metadata, managedFields: (managedFields ?? []).map(({ time: _t, ...m }) => m) } };
  };
  return isDeepStrictEqual(strip(dryRun), strip(live));
}

/**
 * Compares each desired object with the cluster (one read each, as the identity that applies it)
 * and says which differ. Unchanged objects read without a record are recorded, so the next check
 * of them is a read alone.
 */
export async function checkDrift(ctx: EngineContext, memory: Pick<ReconcileMemory, 'fields'>, objects: readonly KubeObject[]): Promise<DriftCheck> {
  const result: DriftCheck = { drifted: new Set(), live: new Map() };
  const checkOne = async (obj: KubeObject): Promise<void> => {
    const key = workloadKey(refOf(obj));
    const client = ctx.identities.clientFor(obj);
    const live = await client.get(refOf(obj));
    if (!live) { result.drifted.add(key); return; }
    result.live.set(key, live);
    const fingerprint = applyFingerprint(obj, live);
    if (memory.fields.get(key) === fingerprint) return;
    // No record of this very object (a restart, a new leader): would an apply change anything?
    let dryRun: KubeObject;
    try {
      dryRun = await client.apply(obj, { force: false, dryRun: true });
    } catch (err) {
      // Someone else owns a field Ria sets: the apply decides what to do about it.
      if (isConflict(err)) { result.drifted.add(key); return; }
      throw err;
    }
    if (sameAsLive(dryRun, live)) memory.fields.set(key, fingerprint);
    else result.drifted.add(key);
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < objects.length) await checkOne(objects[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(CHECK_CONCURRENCY, objects.length) }, worker));
  return result;
}
