import type { KubernetesObject } from '../riofile/model.js';
import type { RenderContext } from './context.js';
import { scope, warn } from './context.js';
import type { KubeObject } from './types.js';
import { LabelKeys, objectLabels, sortKeys } from './labels.js';
import { isOwnNamespace, NAMESPACE_ANNOTATION_KEYS, NAMESPACE_LABEL_KEYS, namespaceSecurityLabels } from './namespace.js';
import { secretWithData } from './secret-data.js';

/** Kinds that have no namespace (core and common add-ons). CRDs in the same manifest add their own. */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'APIService', 'CertificateSigningRequest', 'ClusterIssuer', 'ClusterRole', 'ClusterRoleBinding', 'ClusterTask',
  'ComponentStatus', 'CSIDriver', 'CSINode', 'CustomResourceDefinition', 'FlowSchema', 'GatewayClass', 'IngressClass',
  'MutatingWebhookConfiguration', 'Namespace', 'Node', 'PersistentVolume', 'PodSecurityPolicy', 'PriorityClass',
  'PriorityLevelConfiguration', 'RuntimeClass', 'StorageClass', 'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding', 'ValidatingWebhookConfiguration', 'VolumeAttachment',
]);

/** API versions Kubernetes no longer serves: the API server will refuse these objects. */
const REMOVED_APIS: Record<string, string> = {
  'extensions/v1beta1': '1.22', 'apps/v1beta1': '1.16', 'apps/v1beta2': '1.16', 'policy/v1beta1': '1.25',
  'rbac.authorization.k8s.io/v1beta1': '1.22', 'apiextensions.k8s.io/v1beta1': '1.22',
  'admissionregistration.k8s.io/v1beta1': '1.22', 'networking.k8s.io/v1beta1': '1.22', 'batch/v1beta1': '1.25',
  'autoscaling/v2beta1': '1.25', 'autoscaling/v2beta2': '1.26', 'scheduling.k8s.io/v1beta1': '1.22',
  'storage.k8s.io/v1beta1': '1.22', 'apiregistration.k8s.io/v1beta1': '1.22', 'certificates.k8s.io/v1beta1': '1.22',
  'coordination.k8s.io/v1beta1': '1.22', 'discovery.k8s.io/v1beta1': '1.25', 'events.k8s.io/v1beta1': '1.25',
};

/**
 * `kubernetes.manifest` objects, included as the user wrote them with three changes: namespaced
 * objects go into the environment's namespace (whatever namespace they named: an environment
 * must not write into another one), and Ria's labels are added so the engine can track and prune
 * them (the user's own labels stay; Ria's `ria.dev/*` keys win; the environment's own Namespace
 * keeps no label or annotation but Ria's: {@link NAMESPACE_LABEL_KEYS}); a Secret's `stringData` is
 * applied as `data`, as the API server would store it (secret-data.ts). Kinds are cluster-scoped when
 * they are in {@link CLUSTER_SCOPED_KINDS} or a CRD in the same manifest says `scope: Cluster` for
 * their group (see {@link customClusterKinds}).
 * Removed API versions are reported, since the API server will refuse them.
 */
export function renderManifests(ctx: RenderContext): KubeObject[] {
  const manifests = ctx.riofile.kubernetesManifests;
  const crdClusterKinds = customClusterKinds(manifests);
  const ria = objectLabels(scope(ctx));
  return manifests.map((m, i) => {
    const path = `kubernetes.manifest[${i}]`;
    const copy = structuredClone(m) as KubernetesObject;
    const meta = { ...(copy.metadata ?? {}) } as KubeObject['metadata'];
    const removedIn = REMOVED_APIS[copy.apiVersion];
    if (removedIn) warn(ctx, 'ManifestRemovedApi', path, `${copy.kind} ${meta.name ?? ''}: ${copy.apiVersion} is not served since Kubernetes ${removedIn}; the API server will refuse it`);
    if (CLUSTER_SCOPED_KINDS.has(copy.kind) || crdClusterKinds.has(`${apiGroup(copy.apiVersion)}/${copy.kind}`)) {
      delete meta.namespace;
      // Not an error (Rio's system stacks are full of them), but every environment applies the same object.
      if (!isOwnNamespace(copy, ctx.namespace)) {
        warn(ctx, 'ManifestClusterScoped', path, `${copy.kind} ${meta.name ?? ''} is cluster-scoped: every environment that renders it applies the same object`);
      }
    } else {
      if (meta.namespace !== undefined && meta.namespace !== ctx.namespace) {
        warn(ctx, 'ManifestNamespaceReplaced', path, `${copy.kind} ${meta.name ?? ''}: namespace "${meta.namespace}" replaced by the environment's "${ctx.namespace}"`);
      }
      meta.namespace = ctx.namespace;
    }
    checkEnvValues(ctx, path, copy);
    const user = (meta.labels ?? {}) as Record<string, string>;
    if (isOwnNamespace(copy, ctx.namespace)) {
      // The environment's own Namespace carries Ria's labels and annotations only (its Pod Security
      // levels, route scope and host access are the config's; any other key, the cluster
      // operators'): the policy refuses the others, and render drops them too.
      const dropped = [...Object.keys(user).filter((k) => !NAMESPACE_LABEL_KEYS.has(k)).map((k) => `label ${k}`),
        ...Object.keys(meta.annotations ?? {}).filter((k) => !NAMESPACE_ANNOTATION_KEYS.has(k)).map((k) => `annotation ${k}`)];
      if (dropped.length > 0) warn(ctx, 'ManifestNamespaceMetadata', path, `Namespace ${ctx.namespace}: ${dropped.join(', ')} dropped: the environment's namespace carries only Ria's labels and annotations`);
      meta.labels = sortKeys({ ...ria, ...namespaceSecurityLabels(ctx) });
      delete meta.annotations;
    } else {
      const own = Object.fromEntries(Object.entries(ria).filter(([k]) => k.startsWith('ria.dev/') || k === LabelKeys.managedBy || k === LabelKeys.partOf));
      meta.labels = sortKeys({ ...ria, ...user, ...own });
    }
    if (!meta.name) warn(ctx, 'ManifestNoName', path, `${copy.kind} has no metadata.name; server-side apply needs one (generateName cannot be applied)`);
    return secretWithData({ ...copy, metadata: meta } as KubeObject);
  });
}

/**
 * `group/kind` of the kinds a CRD in the same manifest declares `scope: Cluster`. Keyed by group,
 * and never for a built-in group (`rbac.authorization.k8s.io`, core...): a CRD declaring kind Role
 * must not make the real Role lose its namespace. This only decides whether render leaves the
 * namespace out; the applier asks API discovery and refuses a namespaced object without one.
 */
function customClusterKinds(manifests: readonly KubernetesObject[]): Set<string> {
  const out = new Set<string>();
  for (const m of manifests) {
    if (m.kind !== 'CustomResourceDefinition') continue;
    const spec = m.spec as { group?: string; scope?: string; names?: { kind?: string } } | undefined;
    const group = spec?.group;
    if (spec?.scope !== 'Cluster' || !spec.names?.kind || !group || builtInGroup(group)) continue;
    out.add(`${group}/${spec.names.kind}`);
  }
  return out;
}

function apiGroup(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
}

/** Groups Kubernetes itself serves: no dot (apps, batch...) or under k8s.io. */
function builtInGroup(group: string): boolean {
  return !group.includes('.') || group === 'k8s.io' || group.endsWith('.k8s.io');
}

/**
 * Template answers substituted into YAML become booleans or numbers (`value: ${FLAG}` -> `value:
 * false`), and Kubernetes refuses an env value that is not a string. Render keeps the manifest as
 * written but says which variable to quote.
 */
function checkEnvValues(ctx: RenderContext, path: string, obj: KubernetesObject): void {
  const spec = obj.spec as Record<string, any> | undefined;
  const podSpec = obj.kind === 'Pod' ? spec : obj.kind === 'CronJob' ? spec?.jobTemplate?.spec?.template?.spec : spec?.template?.spec;
  if (!podSpec || typeof podSpec !== 'object') return;
  for (const list of ['initContainers', 'containers']) {
    const containers = Array.isArray(podSpec[list]) ? podSpec[list] : [];
    for (const c of containers) {
      for (const e of Array.isArray(c?.env) ? c.env : []) {
        if (e && e.value !== undefined && e.value !== null && typeof e.value !== 'string') {
          warn(ctx, 'ManifestEnvNotString', path, `${obj.kind} ${obj.metadata?.name ?? ''}: env ${e.name} of container ${c.name} is ${JSON.stringify(e.value)}, not a string; quote it (the API server refuses it)`);
        }
      }
    }
  }
}
