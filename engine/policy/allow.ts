import type { AppSpec } from '../crds/types.js';

/**
 * `allow:` of apps/<name>.yaml with defaults: everything off. What a Riofile (or a pull request)
 * may ask for beyond plain workloads in its own namespace is granted here, by whoever writes
 * the config repository, never by the app repository. SECURITY.md lists each key.
 */
export interface Allow {
  /** services' `permissions`, and Role/RoleBinding in `kubernetes:` manifests. */
  permissions: boolean;
  /** services' `globalPermissions`, and ClusterRole/ClusterRoleBinding in manifests. */
  globalPermissions: boolean;
  /** Existing ClusterRoles a Riofile may bind (`role=NAME`, a manifest binding's roleRef). */
  clusterRoles: string[];
  /** Other cluster-scoped kinds `kubernetes:` manifests may apply (e.g. CustomResourceDefinition). */
  clusterKinds: string[];
  /** HTTPRoute/GRPCRoute/TLSRoute/Gateway/Ingress in manifests (hostnames still limited to the environment's own). */
  routes: boolean;
  /** `privileged: true` and `allowPrivilegeEscalation: true`. */
  privileged: boolean;
  /** Linux capabilities a container may add (`securityContext.capabilities.add`). */
  capabilities: string[];
  /** hostNetwork, hostPID, hostIPC. */
  hostNamespaces: boolean;
  /** hostPath volumes (Riofile `/host/dir:/path` volumes included). */
  hostPath: boolean;
  /** Ports bound on the node (`hostPort`; Riofile `,hostport`). */
  hostPorts: boolean;
  /** `runAsUser: 0` and `runAsNonRoot: false`, written explicitly. */
  runAsRoot: boolean;
  /**
   * Riofile `externalservices` (an ExternalName Service, or a Service with an EndpointSlice of its
   * own addresses), and such Services, EndpointSlices and Endpoints in manifests: traffic sent to
   * them (a route on the shared gateway included) goes wherever they name.
   */
  externalServices: boolean;
}

export type AllowKey = keyof Allow;

export function allowOf(spec: Pick<AppSpec, 'allow'>): Allow {
  const a = (spec.allow ?? {}) as Partial<Record<AllowKey, unknown>>;
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return {
    permissions: a.permissions === true,
    globalPermissions: a.globalPermissions === true,
    clusterRoles: list(a.clusterRoles),
    clusterKinds: list(a.clusterKinds),
    routes: a.routes === true,
    privileged: a.privileged === true,
    capabilities: list(a.capabilities).map((c) => c.toUpperCase().replace(/^CAP_/, '')),
    hostNamespaces: a.hostNamespaces === true,
    hostPath: a.hostPath === true,
    hostPorts: a.hostPorts === true,
    runAsRoot: a.runAsRoot === true,
    externalServices: a.externalServices === true,
  };
}

/** The sentence every refusal ends with: which line of which config file would allow it. */
export function howToAllow(app: string, key: AllowKey, item?: string): string {
  const value = item === undefined ? 'true' : `[${item}]`;
  return `set "allow: { ${key}: ${value} }" in apps/${app}.yaml of the config repository`;
}
