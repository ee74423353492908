import type { InventoryEntry } from '../../crds/types.js';
import { KubeApiError } from '../../kube/errors.js';
import type { KubeObject } from '../../kube/objects.js';
import { ENVIRONMENT_RESOURCES, PERMISSION_RESOURCES, type ManagedResource } from '../../install/rbac.js';
import type { EngineContext } from '../context.js';
import { notOwnedReason, ownershipLabels, type EnvironmentOwner } from './ownership.js';

/**
 * An apply whose inventory was never recorded: the engine stopped after a first apply and before
 * its status was written (a first deploy's status is held back up to 10 s, pending-status.ts), or
 * an apply that failed half-way before any status had an inventory. The next reconcile finds the
 * Environment without an inventory while its namespace holds what that apply made; without one,
 * prune had nothing to compare with, and an object the current commit no longer has stayed in the
 * namespace until the environment was deleted. Ria's state is in Kubernetes objects, so the
 * cluster is asked instead: the namespaced kinds Ria may have written there (the environment
 * identity's kinds, rbac.ts), listed by the environment's labels, and of those only the objects
 * that are the environment's (ownership.ts: the labels AND an Apply of Ria's field manager, as
 * prune checks) are taken as the previous inventory. A user's object labelled like the
 * environment's but written by someone else, or another environment's, is never taken (the field
 * manager is the writer's to name: install/ownership-admission.ts keeps Ria's to Ria there).
 *
 * Only asked when there is no inventory and the environment's namespace existed before this apply
 * with the environment's label (an apply of this environment wrote it): ~15 lists, once. A first
 * deploy into a new namespace (every cold start) and any reconcile with a recorded inventory read
 * nothing more. A preview's namespace made before its Environment has no environment label.
 *
 * Not found this way: objects of other kinds a Riofile manifest may name (custom resources), and
 * cluster-scoped ones (the inventory of an environment with ClusterRoles is never held back).
 */

/** The namespaced kinds an environment may write in its namespace. */
export const LEFTOVER_RESOURCES: readonly ManagedResource[] = [
  ...ENVIRONMENT_RESOURCES,
  ...PERMISSION_RESOURCES.filter((r) => r.kind === 'Role' || r.kind === 'RoleBinding'),
];

/** The version each group's kinds are rendered at; another served version of the group is used if this one is not. */
const RENDERED_VERSION: Readonly<Record<string, string>> = { autoscaling: 'v2' };

/** The objects in the environment's namespace that are the environment's, as inventory entries (at a served version); of `kinds` only, if given. */
export async function leftoverInventory(ctx: EngineContext, owner: EnvironmentOwner, kinds?: readonly string[]): Promise<InventoryEntry[]> {
  const labelSelector = Object.entries(ownershipLabels(owner)).map(([k, v]) => `${k}=${v}`).join(',');
  const entries: InventoryEntry[] = [];
  for (const r of LEFTOVER_RESOURCES) {
    if (kinds && !kinds.includes(r.kind)) continue;
    // Listed as the identity that would delete them (the engine's own for its identity objects, never listed by it: it has no list).
    const client = ctx.identities.clientFor({ kind: r.kind, namespace: owner.namespace, name: '' });
    const wanted = r.group ? `${r.group}/${RENDERED_VERSION[r.group] ?? 'v1'}` : 'v1';
    const apiVersion = await client.paths.serves(wanted, r.kind) ? wanted : await client.paths.servedVersion(wanted, r.kind);
    if (!apiVersion) continue; // not served (no Gateway API, no cert-manager): nothing of it can be there
    let items: KubeObject[];
    try {
      items = await client.list<KubeObject>(apiVersion, r.kind, { namespace: owner.namespace, labelSelector });
    } catch (err) {
      // The environment may not list it (Roles without `allow.permissions`): it could not have written it either.
      if (err instanceof KubeApiError && err.status === 403) continue;
      throw err;
    }
    for (const item of items) {
      if (notOwnedReason(owner, item)) continue;
      entries.push({ apiVersion, kind: r.kind, namespace: owner.namespace, name: item.metadata.name });
    }
  }
  return entries;
}
