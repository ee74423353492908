import type { KubeObject } from './types.js';
import { RenderError, RenderErrorCode } from './errors.js';
import { compare } from './labels.js';

/**
 * Apply order: what others depend on goes first. The Namespace holds everything; CRDs must exist
 * before their objects; identities, config and storage before the workloads that mount them;
 * workloads before the Services, routes and autoscalers that point at them. Unknown kinds (custom
 * resources) go last, after the CRDs that define them.
 */
const RANK: Record<string, number> = {
  Namespace: 0,
  CustomResourceDefinition: 1,
  PriorityClass: 2, StorageClass: 2, IngressClass: 2,
  ServiceAccount: 3,
  ClusterRole: 4, Role: 4,
  ClusterRoleBinding: 5, RoleBinding: 5,
  Secret: 6, ConfigMap: 6,
  PersistentVolume: 7, PersistentVolumeClaim: 7,
  Deployment: 10, DaemonSet: 10, StatefulSet: 10, ReplicaSet: 10, Pod: 10, Job: 10, CronJob: 10,
  Service: 20, EndpointSlice: 21, Endpoints: 21,
  HTTPRoute: 30, GRPCRoute: 30, Ingress: 30, ReferenceGrant: 30,
  HorizontalPodAutoscaler: 40, PodDisruptionBudget: 40,
  MutatingWebhookConfiguration: 50, ValidatingWebhookConfiguration: 50,
};
const UNKNOWN = 45;

function rank(o: KubeObject): number {
  return RANK[o.kind] ?? UNKNOWN;
}

/** Sorted by rank, then kind, namespace and name: a total order, so output never depends on generation order. */
export function orderObjects(objects: KubeObject[]): KubeObject[] {
  return [...objects].sort((a, b) =>
    rank(a) - rank(b)
    || compare(a.kind, b.kind)
    || compare(a.metadata.namespace ?? '', b.metadata.namespace ?? '')
    || compare(a.metadata.name ?? '', b.metadata.name ?? ''));
}

/** API group of an apiVersion (`apps/v1` -> `apps`, `v1` -> ``): the same object may be written in two versions. */
function group(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function objectKey(o: KubeObject): string {
  return `${group(o.apiVersion)}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

/** Two rendered objects with one identity would overwrite each other on apply: refuse. */
export function assertUnique(objects: KubeObject[]): void {
  const seen = new Set<string>();
  for (const o of objects) {
    const key = objectKey(o);
    if (seen.has(key)) {
      throw new RenderError(RenderErrorCode.Conflict, `two objects would be ${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}: rename a service, router, config or manifest object`, { kind: o.kind, name: o.metadata.name });
    }
    seen.add(key);
  }
}
