import type { Environment } from '../../crds/types.js';
import { ENVIRONMENT_FINALIZER } from '../../crds/types.js';
import type { EngineContext } from '../context.js';
import { pruneEntries } from './prune.js';
import { environmentOwner, notOwnedReason } from './ownership.js';
import { refString } from '../../kube/errors.js';

/**
 * `waiting`: for the namespace to go; `unserved`: a cluster-scoped object of the inventory has a
 * kind the API server serves at no version now (its CRD removed during an upgrade), so it can be
 * neither read nor deleted, and letting go would leave it in the cluster with nothing that
 * records it: the finalizer stays until the kind is served again (or an admin removes it).
 */
export type FinalizeResult = 'done' | 'waiting' | { unserved: string };

/**
 * Tears an environment down: its namespace (which takes every namespaced object with it) and
 * the cluster-scoped objects of its inventory (ClusterRoles/Bindings). The finalizer is removed
 * only once the namespace is gone, so "Environment deleted" means "resources gone". Only the
 * environment's own objects are deleted (ownership.ts): a namespace or ClusterRole some Riofile
 * listed but Ria did not create stays, whatever the inventory says.
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
  if (unserved.length) return { unserved: unserved.map((u) => `${refString(u.entry)}: ${u.why}`).join('; ') };
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
