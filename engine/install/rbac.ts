/**
 * Who may do what, as RBAC rules, each saying why. Two identities (SECURITY.md has the trust model):
 *
 * - The engine's ServiceAccount (`ria-engine`): what the engine needs itself. Its own state
 *   (Apps, Environments, its CRDs, Lease, build Jobs), reads (workload health; Secrets only in
 *   its own namespace and the `--secrets-from` namespaces, by Role), and the frame of each environment: its Namespace,
 *   a ServiceAccount `ria-environment` in it, and a RoleBinding of that ServiceAccount to the
 *   fixed ClusterRoles below. It writes no Deployment, Service or Secret itself.
 * - Each environment's ServiceAccount, which the engine impersonates to apply what a Riofile
 *   renders. Bound in the environment's namespace only, to `ria-environment` (the namespaced
 *   kinds Ria renders) and, when the config allows the app `permissions`, to
 *   `ria-environment-permissions` (Roles and RoleBindings in that namespace). So the API server,
 *   not only Ria's code, refuses a Riofile's ClusterRoleBinding, its `Namespace kube-system` or a
 *   Secret in another namespace: the identity that applies them has no right to.
 *
 * Trade-offs, said here because RBAC cannot say them:
 * - `impersonate` on serviceaccounts can be limited by name (`ria-environment`) but not by
 *   namespace (the namespaces are made at runtime): the engine may impersonate a ServiceAccount of
 *   that name in any namespace. The admission policy (admission-policy.ts) keeps what such an
 *   identity writes to its own namespace, never `kube-*` nor Ria's own.
 * - Binding the environment roles needs `bind`, limited by resourceNames to those two ClusterRoles.
 *   No `escalate`, and no other `bind` unless `ria install --global-role NAME` names ClusterRoles
 *   apps may be bound to cluster-wide (Riofile `globalPermissions: role=NAME`, allowed per app by
 *   `allow.globalPermissions`). A `globalPermissions` rule list (a new ClusterRole) would need
 *   `escalate`, which Ria never holds: the API server refuses it.
 * - The engine creates namespaces and ServiceAccounts/RoleBindings in any namespace (the
 *   environments' are made at runtime); the admission policy limits those writes to objects
 *   carrying Ria's labels, created by Ria, outside `kube-*` and Ria's own namespace.
 *
 * No wildcards anywhere; no `update` on rendered kinds (server-side apply is a PATCH, creating
 * through it also needs `create`).
 */
import { GROUP } from '../crds/types.js';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

export interface ManagedResource { group: string; resource: string; kind: string }

/** The environment's ServiceAccount (one per environment namespace) the engine impersonates. */
export const ENVIRONMENT_SERVICE_ACCOUNT = 'ria-environment';
/** ClusterRole of the namespaced kinds Ria renders, bound per environment namespace. */
export const ENVIRONMENT_ROLE = 'ria-environment';
/** ClusterRole for Riofile `permissions` (Roles/RoleBindings), bound only when the config allows them. */
export const ENVIRONMENT_PERMISSIONS_ROLE = 'ria-environment-permissions';

/** Every namespaced kind the renderer writes into an environment namespace (the environment identity's rights). */
export const ENVIRONMENT_RESOURCES: readonly ManagedResource[] = [
  { group: '', resource: 'configmaps', kind: 'ConfigMap' },
  { group: '', resource: 'secrets', kind: 'Secret' },
  { group: '', resource: 'services', kind: 'Service' },
  { group: '', resource: 'serviceaccounts', kind: 'ServiceAccount' },
  { group: '', resource: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim' },
  { group: 'apps', resource: 'deployments', kind: 'Deployment' },
  { group: 'apps', resource: 'daemonsets', kind: 'DaemonSet' },
  { group: 'batch', resource: 'jobs', kind: 'Job' },
  { group: 'autoscaling', resource: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler' },
  { group: 'discovery.k8s.io', resource: 'endpointslices', kind: 'EndpointSlice' },
  { group: 'networking.k8s.io', resource: 'ingresses', kind: 'Ingress' },
  { group: 'gateway.networking.k8s.io', resource: 'httproutes', kind: 'HTTPRoute' },
  // Custom domains' Certificates (ria.yaml certificates); a manifest's are checked like routes (policy/routes.ts).
  { group: 'cert-manager.io', resource: 'certificates', kind: 'Certificate' },
];

/** Kinds of Riofile `permissions` (namespaced) and `globalPermissions` (cluster-scoped). */
export const PERMISSION_RESOURCES: readonly ManagedResource[] = [
  { group: 'rbac.authorization.k8s.io', resource: 'roles', kind: 'Role' },
  { group: 'rbac.authorization.k8s.io', resource: 'rolebindings', kind: 'RoleBinding' },
  { group: 'rbac.authorization.k8s.io', resource: 'clusterroles', kind: 'ClusterRole' },
  { group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings', kind: 'ClusterRoleBinding' },
];

/** Every kind the renderer may produce. */
export const MANAGED_RESOURCES: readonly ManagedResource[] = [...ENVIRONMENT_RESOURCES, ...PERMISSION_RESOURCES];

/** The verbs an environment needs on each of its kinds: apply (patch, create), read, prune. */
export const MANAGED_VERBS = ['get', 'list', 'watch', 'create', 'patch', 'delete'] as const;

export interface Rule { why: string; rule: PolicyRule }

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const groups = (list: readonly ManagedResource[]) => [...new Set(list.map((r) => r.group))];
const inGroup = (list: readonly ManagedResource[], group: string) => list.filter((r) => r.group === group).map((r) => r.resource);

/** The engine's cluster-wide rules. `globalRoles`: ClusterRoles apps may be bound to cluster-wide (`--global-role`). */
export function engineClusterRules(options: { globalRoles?: readonly string[]; crdNames: readonly string[] }): Rule[] {
  const globalRoles = [...new Set(options.globalRoles ?? [])].sort();
  return [
    { why: 'Ria\'s own state: Apps are written from the config repo, Environments from polled refs; both are pruned.',
      rule: { apiGroups: [GROUP], resources: ['apps', 'environments'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] } },
    { why: 'Conditions, phase and inventory are written through the status subresource.',
      rule: { apiGroups: [GROUP], resources: ['apps/status', 'environments/status'], verbs: ['get', 'update', 'patch'] } },
    { why: 'Setting ownerReferences with blockOwnerDeletion (Environments owned by Apps) needs update on finalizers.',
      rule: { apiGroups: [GROUP], resources: ['apps/finalizers', 'environments/finalizers'], verbs: ['update'] } },
    { why: 'At start the engine checks its CRDs match its version and updates them if not (`ria install` creates them).',
      rule: { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['get', 'patch'], resourceNames: [...options.crdNames] } },
    { why: 'Each environment gets its own namespace, deleted with the environment (admission policy: only namespaces labelled by Ria).',
      rule: { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'create', 'patch', 'delete'] } },
    { why: 'The identity of each environment: a ServiceAccount in its namespace and the RoleBindings to the environment roles.',
      rule: { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'create', 'patch'] } },
    { why: 'The identity of each environment (RoleBindings to the environment roles; the permissions one is removed when the config withdraws it).',
      rule: { apiGroups: [RBAC_GROUP], resources: ['rolebindings'], verbs: ['get', 'create', 'patch', 'delete'] } },
    { why: 'Binding an environment\'s ServiceAccount to the fixed environment roles, and to nothing else; reading them checks `ria install` ran.',
      rule: { apiGroups: [RBAC_GROUP], resources: ['clusterroles'], verbs: ['get', 'bind'], resourceNames: [ENVIRONMENT_ROLE, ENVIRONMENT_PERMISSIONS_ROLE] } },
    { why: 'Applying an environment\'s objects as the environment: by name only (namespaces are made at runtime; see the header).',
      rule: { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'], resourceNames: [ENVIRONMENT_SERVICE_ACCOUNT] } },
    { why: 'Previews get a ResourceQuota (`previews.quota`) the environment cannot change.',
      rule: { apiGroups: [''], resources: ['resourcequotas'], verbs: ['get', 'create', 'patch'] } },
    ...groups(ENVIRONMENT_RESOURCES).filter((g) => g !== '').map((group) => ({
      why: `Workload health and ownership checks read what environments applied (${group}); writes are the environments' own.`,
      rule: { apiGroups: [group], resources: inGroup(ENVIRONMENT_RESOURCES, group), verbs: ['get', 'list', 'watch'] },
    })),
    { why: 'Ownership checks read what environments applied (core kinds other than Secrets).',
      rule: { apiGroups: [''], resources: inGroup(ENVIRONMENT_RESOURCES, '').filter((r) => r !== 'secrets'), verbs: ['get', 'list', 'watch'] } },
    { why: 'Whether a controller serves the cluster Gateway (its GatewayClass Accepted) and which route features it declares (supportedFeatures).',
      rule: { apiGroups: ['gateway.networking.k8s.io'], resources: ['gateways', 'gatewayclasses'], verbs: ['get'] } },
    ...(globalRoles.length ? [
      { why: `Riofile globalPermissions as role=NAME: ClusterRoleBindings to the ClusterRoles \`ria install --global-role\` named (${globalRoles.join(', ')}).`,
        rule: { apiGroups: [RBAC_GROUP], resources: ['clusterrolebindings'], verbs: ['get', 'create', 'patch', 'delete'] } },
      { why: 'Binding those ClusterRoles, and only those.',
        rule: { apiGroups: [RBAC_GROUP], resources: ['clusterroles'], verbs: ['bind'], resourceNames: globalRoles } },
    ] : []),
  ];
}

/** The environment role: the namespaced kinds Ria renders, bound in one namespace per environment. */
export function environmentRules(): Rule[] {
  return [
    ...groups(ENVIRONMENT_RESOURCES).map((group) => ({
      why: `What Riofiles render in the ${group || 'core'} group: applied, read, pruned in the environment's namespace.`,
      rule: { apiGroups: [group], resources: inGroup(ENVIRONMENT_RESOURCES, group), verbs: [...MANAGED_VERBS] },
    })),
    { why: 'Rollouts list the pods of a new version (crash loop or slow start?) as the environment: the engine itself lists no pods.',
      rule: { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] } },
  ];
}

/**
 * Secrets the engine reads, in the namespaces that hold them and nowhere else (it holds no
 * cluster-wide Secret right): in Ria's namespace the clone, push, webhook, GitHub token and config
 * credentials the config names; in each namespace `ria install --secrets-from` names, the
 * `secretsFrom` sources it copies into environments. Read by name, never listed.
 */
export function secretReadRules(where: 'ria' | 'secrets-from'): Rule[] {
  const why = where === 'ria'
    ? 'Credentials the config names (clone, push, webhook, GitHub token, config repository): read by name, here only.'
    : 'Secrets apps copy into their environments (`secretsFrom` of apps/<app>.yaml): read by name, in this namespace only.';
  return [{ why, rule: { apiGroups: [''], resources: ['secrets'], verbs: ['get'] } }];
}

/**
 * Riofile `permissions` (when the config allows them): Roles with any rules and RoleBindings to
 * any role, which needs `escalate`/`bind`. Bound by a RoleBinding, they hold in the environment's
 * namespace only: an app allowed `permissions` may give its own ServiceAccounts any right in its
 * own namespace, nothing beyond.
 */
export function environmentPermissionRules(): Rule[] {
  return [
    { why: 'Roles and RoleBindings of Riofile `permissions`.',
      rule: { apiGroups: [RBAC_GROUP], resources: ['roles', 'rolebindings'], verbs: [...MANAGED_VERBS] } },
    { why: 'A Role grants what a Riofile asks for (the environment does not hold it itself), in its namespace only.',
      rule: { apiGroups: [RBAC_GROUP], resources: ['roles'], verbs: ['escalate'] } },
    { why: '`permissions: role=NAME` binds an existing (Cluster)Role, in the environment\'s namespace only.',
      rule: { apiGroups: [RBAC_GROUP], resources: ['roles', 'clusterroles'], verbs: ['bind'] } },
  ];
}

/** In Ria's own namespace only: the leader-election Lease, the leader's Pod label, Events. */
export function leaseRules(leaseName: string): Rule[] {
  return [
    { why: 'Creating a Lease cannot be limited by name (the name is not known to the authorizer before it exists).',
      rule: { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] } },
    { why: 'Leader election reads and renews its one Lease.',
      rule: { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update'], resourceNames: [leaseName] } },
    { why: 'The leader labels its own Pod so the engine Service sends webhooks to it (Pod names are not known in advance).',
      rule: { apiGroups: [''], resources: ['pods'], verbs: ['patch'] } },
    { why: 'Events on Apps and Environments (build started, deploy failed) for `kubectl describe`.',
      rule: { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] } },
  ];
}

/**
 * In the builder namespace (`<ria-namespace>-builds`, made by `ria install`) only: build Jobs, the
 * copies of exactly the Secrets a build mounts, and the egress NetworkPolicy of build pods.
 */
export function builderRules(): Rule[] {
  return [
    { why: 'Image builds run as Jobs here, apart from Ria\'s namespace and its credentials.',
      rule: { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] } },
    { why: 'A failed build\'s last log lines go on its Environment and commit status: its pod is found and its log read.',
      rule: { apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list'] } },
    { why: 'A build gets copies of the Secrets it mounts (clone and push credentials), and nothing else.',
      rule: { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create', 'patch', 'delete'] } },
    { why: 'ria.yaml builder.egress becomes a NetworkPolicy on build pods (removed when unset).',
      rule: { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['get', 'create', 'patch', 'delete'] } },
  ];
}
