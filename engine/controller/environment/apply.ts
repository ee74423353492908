import { isConflict } from '../../kube/errors.js';
import { refOf, type KubeObject } from '../../kube/objects.js';
import type { InventoryEntry } from '../../crds/types.js';
import type { EngineContext } from '../context.js';

export interface ApplyOutcome {
  inventory: InventoryEntry[];
  /** "field X of Deployment/ns/web was owned by kubectl-edit": taken over, said in a condition. */
  conflicts: string[];
  /** resourceVersion/generation of workloads after the apply, for drift detection. */
  generations: Map<string, number>;
}

/**
 * Server-side applies the objects in order (field manager `ria`). An apply is first tried
 * without force so a conflict names who else owns the field; then Ria's desired state wins.
 */
export async function applyEnvironmentObjects(ctx: EngineContext, objects: KubeObject[]): Promise<ApplyOutcome> {
  const outcome: ApplyOutcome = { inventory: [], conflicts: [], generations: new Map() };
  for (const obj of objects) {
    let applied: KubeObject;
    try {
      applied = await ctx.objects.apply(obj, { force: false });
    } catch (err) {
      if (!isConflict(err)) throw err;
      outcome.conflicts.push((err as Error).message);
      applied = await ctx.objects.apply(obj, { force: true });
    }
    const ref = refOf(obj);
    outcome.inventory.push(ref);
    if (applied.metadata.generation !== undefined) outcome.generations.set(workloadKey(ref), applied.metadata.generation);
  }
  return outcome;
}

export function workloadKey(ref: { kind: string; namespace?: string; name: string }): string {
  return `${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}
