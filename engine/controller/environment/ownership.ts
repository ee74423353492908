import type { Environment } from '../../crds/types.js';
import { KubeApiError, refString, type KubeObjectRef } from '../../kube/errors.js';
import { FIELD_MANAGER, PREVIEW_FIELD_MANAGER, type KubeObject } from '../../kube/objects.js';
import { LabelKeys } from '../../render/labels.js';
import { environmentSlug, labelValue } from '../../render/names.js';

/**
 * Ownership: Ria writes over, prunes and deletes only objects it created for this environment.
 * An app repository (or a pull request) names objects in its Riofile; without this rule a
 * Riofile listing `Namespace kube-system` or `ClusterRole cluster-admin` made Ria take them over
 * (forced apply) and delete them once the Riofile dropped them. An object is the environment's
 * when BOTH hold:
 * - its labels say so: `app.kubernetes.io/managed-by: ria`, `ria.dev/app` and
 *   `ria.dev/environment` of this environment (labels anyone with write access could copy, so
 *   not enough alone);
 * - one of Ria's field managers applied it, the object itself, not a subresource
 *   (`metadata.managedFields`, written by the API server: an object someone else created and
 *   labelled by hand has no Apply entry of Ria's). The manager's name is the writer's to choose:
 *   in an environment's namespace the API server refuses an entry of Ria's managers to anyone but
 *   the engine and the environment's identity (install/ownership-admission.ts), and a write of a
 *   subresource (`status`, `scale`), which that policy does not see, never counts.
 * One exception: a preview's namespace is made (with its quota) before its Environment exists,
 * labelled `ria.dev/preview` and the app but not yet the environment; it is the environment's
 * when its name is the environment's namespace.
 */

/** Field managers of Ria's own writes (the engine's applies; preview namespaces made before their Environment). */
export const RIA_FIELD_MANAGERS: ReadonlySet<string> = new Set([FIELD_MANAGER, PREVIEW_FIELD_MANAGER]);

/** Who owns an environment's objects: the label values render writes, and the environment's namespace. */
export interface EnvironmentOwner { app: string; environment: string; namespace: string; name: string }

export function environmentOwner(env: Pick<Environment, 'spec'> & { metadata: { name?: string } }): EnvironmentOwner {
  const { spec } = env;
  const slug = spec.kind === 'pr'
    ? environmentSlug({ app: spec.app, kind: 'pr', pr: spec.pullRequest ?? 0, commit: spec.commit })
    : environmentSlug({ app: spec.app, kind: 'branch', branch: spec.branch ?? spec.target, commit: spec.commit });
  return { app: labelValue(spec.app), environment: labelValue(slug), namespace: spec.namespace, name: env.metadata.name ?? spec.namespace };
}

/** The labels that mark an object as this environment's (a subset of what render writes). */
export function ownershipLabels(owner: EnvironmentOwner): Record<string, string> {
  return { [LabelKeys.managedBy]: 'ria', [LabelKeys.app]: owner.app, [LabelKeys.environment]: owner.environment };
}

type LiveMeta = Pick<KubeObject['metadata'], 'name' | 'labels' | 'managedFields'>;

const PREVIEW_LABEL = 'ria.dev/preview';

/** Pure: why `live` is not this environment's object, or undefined when it is. */
export function notOwnedReason(owner: EnvironmentOwner, live: { kind: string; metadata: LiveMeta }): string | undefined {
  const labels = live.metadata.labels ?? {};
  const expected = ownershipLabels(owner);
  const previewNamespace = live.kind === 'Namespace' && live.metadata.name === owner.namespace && labels[PREVIEW_LABEL] === 'true'
    && labels[LabelKeys.environment] === undefined;
  if (previewNamespace) delete expected[LabelKeys.environment];
  for (const [key, value] of Object.entries(expected)) {
    if (labels[key] === undefined) return `it has no label ${key}`;
    if (labels[key] !== value) return `its label ${key} is "${labels[key]}", not "${value}"`;
  }
  const applied = (live.metadata.managedFields ?? []).some((f) => f.operation === 'Apply' && !f.subresource && RIA_FIELD_MANAGERS.has(f.manager ?? ''));
  if (!applied) return 'Ria\'s field manager never applied it (it was created by someone else)';
  return undefined;
}

/**
 * Ria refused to write to or delete an object that is not the environment's. A 409 with reason
 * `ObjectNotOwned`, so the reconcile reports it like any refused apply (ApplyRefused, the
 * objects of the last good commit keep running), with a message naming the object.
 */
export class ObjectNotOwnedError extends KubeApiError {
  constructor(ref: KubeObjectRef, owner: EnvironmentOwner, why: string) {
    super('apply', ref, 409,
      `refused: ${refString(ref)} exists and is not an object Ria created for environment ${owner.name} (${why}); Ria does not take over objects it did not create: remove it from the Riofile or delete the existing object`,
      'ObjectNotOwned');
  }
}

/** An environment writes only its own namespace and what lives in it (render never makes anything else of a namespaced kind). */
export function outsideEnvironment(owner: EnvironmentOwner, obj: { kind: string; metadata: { name: string; namespace?: string } }): string | undefined {
  if (obj.kind === 'Namespace' && obj.metadata.name !== owner.namespace) return `an environment has one namespace, ${owner.namespace}; Ria never writes another Namespace`;
  if (obj.metadata.namespace !== undefined && obj.metadata.namespace !== owner.namespace) return `it is outside the environment's namespace ${owner.namespace}`;
  return undefined;
}
