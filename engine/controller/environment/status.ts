import { isDeepStrictEqual } from 'node:util';
import type { Environment, EnvironmentStatus } from '../../crds/types.js';
import type { EngineContext } from '../context.js';

/**
 * Writes the status only when it differs from what is stored: a no-op reconcile writes
 * nothing. Fields Ria does not set this time are dropped (the status is owned by Ria alone).
 */
export async function writeStatus(ctx: EngineContext, env: Environment, next: EnvironmentStatus): Promise<boolean> {
  const clean = JSON.parse(JSON.stringify(next)) as EnvironmentStatus;
  if (isDeepStrictEqual(clean, env.status ?? {})) return false;
  const written = await ctx.objects.applyStatus<Environment>({
    apiVersion: env.apiVersion, kind: env.kind,
    metadata: { name: env.metadata.name, namespace: env.metadata.namespace! },
    status: clean,
  });
  env.status = clean;
  // The version this write made: the engine knows the watch has caught up when it delivers it.
  if (written?.metadata?.resourceVersion) env.metadata.resourceVersion = written.metadata.resourceVersion;
  return true;
}

export function shortCommit(sha: string): string {
  return sha.slice(0, 7);
}
