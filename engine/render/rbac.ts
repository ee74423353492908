import type { Permission, Service } from '../riofile/model.js';
import type { RenderContext } from './context.js';
import { metadata, scope, warn } from './context.js';
import type { KubeObject } from './types.js';
import { clusterScopedName, dnsLabel, joinLabel } from './names.js';
import { workloadName } from './apps.js';

const RBAC = 'rbac.authorization.k8s.io/v1';

export function hasPermissions(service: Service): boolean {
  return service.permissions.length > 0 || service.globalPermissions.length > 0;
}

/**
 * The identity of a service that asked for permissions: a ServiceAccount named like the workload,
 * a Role + RoleBinding for `permissions` (this namespace) and a ClusterRole + ClusterRoleBinding
 * for `globalPermissions`. Cluster-scoped names are `ria--<namespace>--<name>` (names.ts) so two environments
 * of one app never share (or fight over) a ClusterRole. `role=NAME` binds the existing ClusterRole
 * NAME (in a RoleBinding for `permissions`, which limits it to the namespace). Whether an app may
 * ask for this is the engine's policy, not render's.
 */
export function renderRbac(ctx: RenderContext, key: string, service: Service): KubeObject[] {
  if (!hasPermissions(service)) return [];
  const path = `services.${key}`;
  const sa = workloadName(key);
  const labelScope = scope(ctx, key, service);
  const subjects = [{ kind: 'ServiceAccount', name: sa, namespace: ctx.namespace }];
  const out: KubeObject[] = [{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(ctx, sa, labelScope) }];

  const local = service.permissions.filter((p, i) => {
    if (p.nonResourceURL === undefined) return true;
    warn(ctx, 'PermissionNonResourceURL', `${path}.permissions[${i}]`, `"${p.nonResourceURL}" is not a resource: only globalPermissions can grant URLs (a Role cannot); left out`);
    return false;
  });
  const localRules = local.filter((p) => p.role === undefined).map(rule);
  if (localRules.length > 0) {
    out.push({ apiVersion: RBAC, kind: 'Role', metadata: metadata(ctx, sa, labelScope), rules: localRules });
    out.push({ apiVersion: RBAC, kind: 'RoleBinding', metadata: metadata(ctx, sa, labelScope), roleRef: roleRef('Role', sa), subjects });
  }
  for (const role of uniqueRoles(local)) {
    const name = joinLabel([sa, 'role', dnsLabel(role)]);
    out.push({ apiVersion: RBAC, kind: 'RoleBinding', metadata: metadata(ctx, name, labelScope), roleRef: roleRef('ClusterRole', role), subjects });
  }

  const globalRules = service.globalPermissions.filter((p) => p.role === undefined).map(rule);
  if (globalRules.length > 0) {
    const name = clusterScopedName(ctx.namespace, sa);
    out.push({ apiVersion: RBAC, kind: 'ClusterRole', metadata: metadata(ctx, name, labelScope, { namespaced: false }), rules: globalRules });
    out.push({ apiVersion: RBAC, kind: 'ClusterRoleBinding', metadata: metadata(ctx, name, labelScope, { namespaced: false }), roleRef: roleRef('ClusterRole', name), subjects });
  }
  for (const role of uniqueRoles(service.globalPermissions)) {
    const name = clusterScopedName(ctx.namespace, `${sa}-role-${dnsLabel(role)}`);
    out.push({ apiVersion: RBAC, kind: 'ClusterRoleBinding', metadata: metadata(ctx, name, labelScope, { namespaced: false }), roleRef: roleRef('ClusterRole', role), subjects });
  }
  return out;
}

function rule(p: Permission): Record<string, unknown> {
  if (p.nonResourceURL !== undefined) return { nonResourceURLs: [p.nonResourceURL], verbs: p.verbs };
  return {
    apiGroups: [p.apiGroup],
    resources: [p.resource],
    ...(p.resourceNames && p.resourceNames.length > 0 ? { resourceNames: p.resourceNames } : {}),
    verbs: p.verbs,
  };
}

function roleRef(kind: 'Role' | 'ClusterRole', name: string): Record<string, string> {
  return { apiGroup: 'rbac.authorization.k8s.io', kind, name };
}

function uniqueRoles(permissions: Permission[]): string[] {
  return [...new Set(permissions.flatMap((p) => (p.role !== undefined ? [p.role] : [])))];
}
