import { refOf, type KubeObject, type KubeObjects } from '../../engine/kube/objects.js';
import type { KubeObjectRef } from '../../engine/kube/errors.js';

export interface ApplyResult {
  ref: KubeObjectRef;
  object: KubeObject;
  /** resourceVersion after the apply; an apply that changes nothing keeps it (the server writes nothing). */
  resourceVersion: string | undefined;
}

/**
 * Tests set up fixtures with the engine's own client (engine/kube), forced like the engine's
 * applies: one client stack applies objects, in the engine and in its tests.
 */
export async function applyObject(client: KubeObjects, obj: object, options: { dryRun?: boolean } = {}): Promise<ApplyResult> {
  const o = obj as KubeObject;
  const applied = await client.apply(o, { force: true, ...(options.dryRun ? { dryRun: true } : {}) });
  return { ref: refOf(o), object: applied, resourceVersion: applied.metadata.resourceVersion };
}
