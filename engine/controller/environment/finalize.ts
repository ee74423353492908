import type { Environment } from '../../crds/types.js';
import { ENVIRONMENT_FINALIZER } from '../../crds/types.js';
import type { EngineContext } from '../context.js';
import { pruneEntries } from './prune.js';
import { environmentOwner, notOwnedReason } from './ownership.js';
import { refString } from '../../kube/errors.js';

/** `waiting`: for the namespace to go. */
export type FinalizeResult = 'done' | 'waiting';

/**
 * Tears an environment down: its namespace (which takes every namespaced object with it) and
 * the cluster-scoped objects of its inventory (ClusterRoles/Bindings). The finalizer is removed
 * only once the namespace is gone, so "Environment deleted" means "resources gone". Only the
 * environment's own objects are deleted (ownership.ts): a namespace or ClusterRole some Riofile
 * listed but Ria did not create stays, whatever the inventory says. A cluster-scoped object whose
 * kind the API server serves at no version is let go, logged: its CRD was removed, and the API
 * server deletes a CRD's objects with it (when it is back, they are not), or it is a built-in kind
 * no version of the server has. Holding the finalizer for it (abb8e32) held the Environment for
 * good: an app shipping a cluster-scoped CRD and an object of it had the CRD pruned first, and
 * its object's kind was then served nowhere (review8 F4).
 */
export async function finalizeEnvironment(ctx: EngineContext, env: Environment): Promise<FinalizeResult> {
  if (!env.metadata.finalizers?.includes(ENVIRONMENT_FINALIZER)) return 'done';
  const owner = environmentOwner(env);
  const clusterScoped = (env.status?.inventory ?? []).filter((e) => !e.namespace && e.kind !== 'Namespace');
  const { skipped, unserved } = await pruneEntries(ctx, owner, clusterScoped);
  const nsRef = { apiVersion: 'v1', kind: 'Namespace', name: env.spec.namespace };
  const ns = await ctx.objects.get(nsRef);
  const why = ns && notOwnedReason(owner, ns);
  if (ns && why) {
    ctx.log.warn('namespace not deleted: not the environment\'s', { environment: env.metadata.name, namespace: env.spec.namespace, why });
  } else if (ns) {
    if (!ns.metadata.deletionTimestamp) await ctx.objects.delete(nsRef, 'Background', ns.metadata.uid ? { uid: ns.metadata.uid } : {});
    return 'waiting';
  }
  if (unserved.length) ctx.log.warn('let go: kinds served at no version (their objects went with their CRDs)', { environment: env.metadata.name, objects: unserved.map((u) => refString(u.entry)).join(', ') });
  if (skipped.length) ctx.log.info('left in place: not the environment\'s objects', { environment: env.metadata.name, objects: skipped.length });
  await ctx.objects.mergePatch({ apiVersion: env.apiVersion, kind: env.kind, namespace: env.metadata.namespace!, name: env.metadata.name }, {
    metadata: { finalizers: env.metadata.finalizers.filter((f) => f !== ENVIRONMENT_FINALIZER), resourceVersion: env.metadata.resourceVersion },
  });
  ctx.log.info('environment removed', { environment: env.metadata.name, namespace: env.spec.namespace });
  return 'done';
}

export async function ensureFinalizer(ctx: EngineContext, env: Environment): Promise<void> {
  if (env.metadata.finalizers?.includes(ENVIRONMENT_FINALIZER)) return;
  const finalizers = [...(env.metadata.finalizers ?? []), ENVIRONMENT_FINALIZER];
  const updated = await ctx.objects.mergePatch({ apiVersion: env.apiVersion, kind: env.kind, namespace: env.metadata.namespace!, name: env.metadata.name },
    { metadata: { finalizers, resourceVersion: env.metadata.resourceVersion } });
  env.metadata.finalizers = finalizers;
  env.metadata.resourceVersion = updated.metadata.resourceVersion;
}
