/**
 * The permissions the engine runs with: exactly the verbs on exactly the resources it uses, each
 * rule saying why. `MANAGED_RESOURCES` lists every kind the renderer can produce; a unit test
 * checks the ClusterRole covers each, so adding a kind to the renderer without RBAC fails early.
 *
 * Verbs for rendered kinds: server-side apply is a PATCH, and applying an object that does not
 * exist yet also needs `create`; `get`/`list`/`watch` read health and inventory; `delete` prunes.
 * No `update`: Ria never PUTs rendered objects.
 */
import { GROUP } from '../crds/types.js';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

export interface ManagedResource { group: string; resource: string; kind: string }

/** Every kind the renderer may write into an environment namespace (or cluster-wide). */
export const MANAGED_RESOURCES: readonly ManagedResource[] = [
  { group: '', resource: 'configmaps', kind: 'ConfigMap' },
  { group: '', resource: 'secrets', kind: 'Secret' },
  { group: '', resource: 'services', kind: 'Service' },
  { group: '', resource: 'serviceaccounts', kind: 'ServiceAccount' },
  { group: '', resource: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim' },
  { group: '', resource: 'resourcequotas', kind: 'ResourceQuota' },
  { group: 'apps', resource: 'deployments', kind: 'Deployment' },
  { group: 'apps', resource: 'daemonsets', kind: 'DaemonSet' },
  { group: 'batch', resource: 'jobs', kind: 'Job' },
  { group: 'autoscaling', resource: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler' },
  { group: 'discovery.k8s.io', resource: 'endpointslices', kind: 'EndpointSlice' },
  { group: 'networking.k8s.io', resource: 'ingresses', kind: 'Ingress' },
  { group: 'gateway.networking.k8s.io', resource: 'httproutes', kind: 'HTTPRoute' },
  { group: 'rbac.authorization.k8s.io', resource: 'roles', kind: 'Role' },
  { group: 'rbac.authorization.k8s.io', resource: 'rolebindings', kind: 'RoleBinding' },
  { group: 'rbac.authorization.k8s.io', resource: 'clusterroles', kind: 'ClusterRole' },
  { group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings', kind: 'ClusterRoleBinding' },
];

/** The verbs Ria needs on each managed kind (see the header for why these and no others). */
export const MANAGED_VERBS = ['get', 'list', 'watch', 'create', 'patch', 'delete'] as const;

const byGroup = (group: string) => MANAGED_RESOURCES.filter((r) => r.group === group).map((r) => r.resource);

/** The cluster-wide rules, with the reason for each kept next to it (rendered as YAML comments would be lost). */
export const CLUSTER_RULES: ReadonlyArray<{ why: string; rule: PolicyRule }> = [
  { why: 'Ria\'s own state: Apps are written from the config repo, Environments from polled refs; both are pruned.',
    rule: { apiGroups: [GROUP], resources: ['apps', 'environments'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] } },
  { why: 'Conditions, phase and inventory are written through the status subresource.',
    rule: { apiGroups: [GROUP], resources: ['apps/status', 'environments/status'], verbs: ['get', 'update', 'patch'] } },
  { why: 'Setting ownerReferences with blockOwnerDeletion (Environments owned by Apps) needs update on finalizers.',
    rule: { apiGroups: [GROUP], resources: ['apps/finalizers', 'environments/finalizers'], verbs: ['update'] } },
  { why: 'Each environment gets its own namespace, deleted with the environment.',
    rule: { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] } },
  { why: 'Core kinds rendered from Riofiles; Secrets are also read to copy `secretsFrom` and to use clone secrets.',
    rule: { apiGroups: [''], resources: byGroup(''), verbs: [...MANAGED_VERBS] } },
  { why: 'Workloads rendered from Riofiles.',
    rule: { apiGroups: ['apps'], resources: byGroup('apps'), verbs: [...MANAGED_VERBS] } },
  { why: 'Image builds run as Jobs; Riofiles can declare jobs too.',
    rule: { apiGroups: ['batch'], resources: byGroup('batch'), verbs: [...MANAGED_VERBS] } },
  { why: 'Autoscaling declared in Riofiles.',
    rule: { apiGroups: ['autoscaling'], resources: byGroup('autoscaling'), verbs: [...MANAGED_VERBS] } },
  { why: 'External services are rendered as selector-less Services with EndpointSlices.',
    rule: { apiGroups: ['discovery.k8s.io'], resources: byGroup('discovery.k8s.io'), verbs: [...MANAGED_VERBS] } },
  { why: 'Environment URLs: Ingress where the Gateway API is absent.',
    rule: { apiGroups: ['networking.k8s.io'], resources: byGroup('networking.k8s.io'), verbs: [...MANAGED_VERBS] } },
  { why: 'Environment URLs: HTTPRoutes attached to the cluster Gateway.',
    rule: { apiGroups: ['gateway.networking.k8s.io'], resources: byGroup('gateway.networking.k8s.io'), verbs: [...MANAGED_VERBS] } },
  { why: [
    'Riofile `permissions`/`globalPermissions` become Roles/ClusterRoles and their bindings. The API server only lets',
    'a subject create a role granting what it holds itself, or holding `escalate` (roles) and `bind` (bindings).',
    'Ria cannot hold every permission an app may ask for without wildcards, so it holds escalate and bind: the',
    'gate is the config repo (`allow.permissions` / `allow.globalPermissions` per app), reviewed by its owners.',
  ].join(' '),
  rule: { apiGroups: ['rbac.authorization.k8s.io'], resources: byGroup('rbac.authorization.k8s.io'), verbs: [...MANAGED_VERBS, 'bind', 'escalate'] } },
  { why: 'Rollouts: the pods of a new version are listed to tell a crash loop (roll back at once) from a slow start (read only).',
    rule: { apiGroups: [''], resources: ['pods'], verbs: ['list'] } },
  { why: 'Events on Apps and Environments (build started, deploy failed) for `kubectl describe`.',
    rule: { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] } },
];

/** In Ria's own namespace only: the leader-election Lease. */
export function leaseRules(leaseName: string): Array<{ why: string; rule: PolicyRule }> {
  return [
    { why: 'Creating a Lease cannot be limited by name (the name is not known to the authorizer before it exists).',
      rule: { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] } },
    { why: 'Leader election reads and renews its one Lease.',
      rule: { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update'], resourceNames: [leaseName] } },
    { why: 'The leader labels its own Pod so the engine Service sends webhooks to it (Pod names are not known in advance).',
      rule: { apiGroups: [''], resources: ['pods'], verbs: ['patch'] } },
  ];
}
