import { KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { toKubeApiError, type KubeObjectRef } from './errors.js';

export const FIELD_MANAGER = 'ria';

export interface ApplyOptions {
  fieldManager?: string;
  /** Server-side dry run: the server validates and defaults, nothing is stored. */
  dryRun?: boolean;
  /** Take ownership of fields another manager owns (Ria's desired state wins, like Flux). */
  force?: boolean;
}

/** Any Kubernetes object: the typed header plus whatever fields its kind has. */
export type KubeObject = KubernetesObject & Record<string, unknown>;

export interface ApplyResult {
  ref: KubeObjectRef;
  object: KubernetesObject;
  /** resourceVersion after the apply; unchanged objects keep theirs (the server writes nothing). */
  resourceVersion: string | undefined;
}

export function refOf(obj: KubernetesObject): KubeObjectRef {
  return {
    apiVersion: obj.apiVersion ?? '', kind: obj.kind ?? '', name: obj.metadata?.name ?? '',
    ...(obj.metadata?.namespace ? { namespace: obj.metadata.namespace } : {}),
  };
}

/** Server-side applies one object. An apply that changes nothing is a no-op on the server. */
export async function applyObject(client: KubernetesObjectApi, obj: KubeObject, options: ApplyOptions = {}): Promise<ApplyResult> {
  const { fieldManager = FIELD_MANAGER, dryRun = false, force = true } = options;
  const ref = refOf(obj);
  try {
    const applied = await client.patch(obj, undefined, dryRun ? 'All' : undefined, fieldManager, force, PatchStrategy.ServerSideApply);
    return { ref, object: applied, resourceVersion: applied.metadata?.resourceVersion };
  } catch (err) {
    throw toKubeApiError(dryRun ? 'dry-run apply' : 'apply', ref, err);
  }
}

/** Applies objects in order (namespaces and CRDs first is the caller's job: render orders them). */
export async function applyObjects(client: KubernetesObjectApi, objects: KubeObject[], options: ApplyOptions = {}): Promise<ApplyResult[]> {
  const results: ApplyResult[] = [];
  for (const obj of objects) results.push(await applyObject(client, obj, options));
  return results;
}
