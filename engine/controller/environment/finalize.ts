import type { Environment } from '../../crds/types.js';
import { ENVIRONMENT_FINALIZER } from '../../crds/types.js';
import type { EngineContext } from '../context.js';

export type FinalizeResult = 'done' | 'waiting';

/**
 * Tears an environment down: its namespace (which takes every namespaced object with it) and
 * the cluster-scoped objects of its inventory (ClusterRoles/Bindings). The finalizer is removed
 * only once the namespace is gone, so "Environment deleted" means "resources gone".
 */
export async function finalizeEnvironment(ctx: EngineContext, env: Environment): Promise<FinalizeResult> {
  if (!env.metadata.finalizers?.includes(ENVIRONMENT_FINALIZER)) return 'done';
  for (const entry of env.status?.inventory ?? []) {
    if (!entry.namespace && entry.kind !== 'Namespace') await ctx.objects.delete(entry);
  }
  const nsRef = { apiVersion: 'v1', kind: 'Namespace', name: env.spec.namespace };
  const ns = await ctx.objects.get(nsRef);
  if (ns) {
    if (!ns.metadata.deletionTimestamp) await ctx.objects.delete(nsRef);
    return 'waiting';
  }
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
