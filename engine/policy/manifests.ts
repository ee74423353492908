import type { KubernetesObject, Riofile } from '../riofile/model.js';
import { CLUSTER_SCOPED_KINDS } from '../render/manifests.js';
import { isOwnNamespace, NAMESPACE_ANNOTATION_KEYS, NAMESPACE_LABEL_KEYS } from '../render/namespace.js';
import { howToAllow, type Allow } from './allow.js';
import type { Finding } from './finding.js';
import { podSpecHostAccess, podSpecs } from './pods.js';
import { manifestExternalFindings } from './external-services.js';
import { certificateFindings, isCertificate, isIssuanceRequest, isRouteKind, routeFindings, type RouteScope } from './routes.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
/** Rights inside the environment's namespace: what `permissions` renders. */
const NAMESPACE_RBAC = new Set(['Role', 'RoleBinding']);
/** Cluster-wide rights: what `globalPermissions` renders. */
const CLUSTER_RBAC = new Set(['ClusterRole', 'ClusterRoleBinding']);

/**
 * `kubernetes:` manifests stay inside the environment: namespaced kinds only (render moves them
 * into the environment's namespace, whatever namespace they name), no Namespace but the
 * environment's own (and that one with no label or annotation but Ria's), RBAC only as `permissions`/`globalPermissions` would allow, bindings only
 * to ClusterRoles the config names, routes only on the config's Gateway and hostnames (routes.ts),
 * ExternalName Services and EndpointSlices only as `externalservices` would be (external-services.ts),
 * and the same pod rules as services.
 */
export function manifestFindings(app: string, riofile: Riofile, namespace: string, allow: Allow, routes: RouteScope): Finding[] {
  const manifests = riofile.kubernetesManifests;
  const clusterKinds = new Set(CLUSTER_SCOPED_KINDS);
  for (const m of manifests) {
    const spec = m.kind === 'CustomResourceDefinition' ? (m.spec as { scope?: string; names?: { kind?: string } } | undefined) : undefined;
    if (spec?.scope === 'Cluster' && spec.names?.kind) clusterKinds.add(spec.names.kind);
  }
  const ownClusterRoles = new Set(manifests.filter((m) => m.kind === 'ClusterRole' && isRbac(m)).map((m) => m.metadata?.name ?? ''));
  const out: Finding[] = [];
  manifests.forEach((m, i) => {
    const at = ['kubernetes', 'manifest', i] as const;
    const what = `${m.kind} ${m.metadata?.name ?? ''}`.trim();
    if (m.kind === 'Namespace' && isCore(m)) {
      // Only the environment's own namespace (which Ria renders anyway): another one would be
      // created, relabelled or deleted by an app repository.
      if (m.metadata?.name !== namespace) {
        out.push({ path: [...at, 'metadata', 'name'], message: `${what}: a manifest may not create or change a Namespace other than the environment's own ("${namespace}"); no allow key grants this` });
      }
    } else if (isRbac(m) && NAMESPACE_RBAC.has(m.kind)) {
      if (!allow.permissions) out.push({ path: [...at, 'kind'], message: `${what} grants rights in the environment's namespace, which app "${app}" is not allowed: ${howToAllow(app, 'permissions')}` });
    } else if (isRbac(m) && CLUSTER_RBAC.has(m.kind)) {
      if (!allow.globalPermissions) out.push({ path: [...at, 'kind'], message: `${what} grants cluster-wide rights, which app "${app}" is not allowed: ${howToAllow(app, 'globalPermissions')}` });
    } else if (clusterKinds.has(m.kind) && !allow.clusterKinds.includes(m.kind)) {
      out.push({ path: [...at, 'kind'], message: `${what} is cluster-scoped (outside the environment), which app "${app}" is not allowed: ${howToAllow(app, 'clusterKinds', m.kind)}` });
    }
    if (isOwnNamespace(m, namespace)) out.push(...namespaceMetadataFindings(m, what, at));
    if (isRbac(m) && (m.kind === 'RoleBinding' || m.kind === 'ClusterRoleBinding')) {
      const ref = (m.roleRef ?? {}) as { kind?: string; name?: string };
      if (ref.kind === 'ClusterRole' && ref.name && !ownClusterRoles.has(ref.name) && !allow.clusterRoles.includes(ref.name)) {
        out.push({ path: [...at, 'roleRef', 'name'], message: `${what} binds the ClusterRole ${ref.name}, which app "${app}" is not allowed: ${howToAllow(app, 'clusterRoles', ref.name)}` });
      }
    }
    if (isRouteKind(m)) out.push(...routeFindings(m, what, at, allow, routes, manifests));
    if (isCertificate(m)) out.push(...certificateFindings(m, what, at, allow, routes));
    // A CSR may name anything and no check reads it: the API server refuses these too (install/route-admission.ts).
    if (isIssuanceRequest(m)) out.push({ path: [...at, 'kind'], message: `${what}: only cert-manager writes ${m.kind}s, from a Certificate (which is held to the environment's hostnames and ria.yaml's issuer): ask for a certificate with a Certificate; no allow key grants this` });
    if (m.kind === 'Service' && isCore(m)) out.push(...serviceFindings(app, m, what, at, allow));
    out.push(...manifestExternalFindings(app, m, what, at, allow));
    for (const pod of podSpecs(m)) out.push(...podSpecHostAccess(app, what, pod.spec, [...at, ...pod.path], allow, pod.metadata));
  });
  return out;
}

/**
 * The environment's own Namespace may carry only the keys Ria writes there (render/namespace.ts;
 * Ria's values win on them): any other label or annotation would be the app repository's choice on
 * an object the cluster operators' NetworkPolicies, gateways' `allowedRoutes` and admission
 * plugins (PodNodeSelector, PodTolerationRestriction) select on, and the engine applies it, past the
 * API server's namespace policy.
 */
function namespaceMetadataFindings(m: KubernetesObject, what: string, at: readonly (string | number)[]): Finding[] {
  const out: Finding[] = [];
  const why = 'the labels and annotations of the environment\'s namespace are the cluster operators\' (NetworkPolicies, gateways and admission plugins elsewhere select on them): a manifest may set only those Ria writes itself; no allow key grants this';
  for (const [field, keys, noun] of [['labels', NAMESPACE_LABEL_KEYS, 'label'], ['annotations', NAMESPACE_ANNOTATION_KEYS, 'annotation']] as const) {
    const map = m.metadata?.[field] as Record<string, unknown> | undefined;
    if (!map || typeof map !== 'object') continue;
    for (const key of Object.keys(map)) {
      if (!keys.has(key)) out.push({ path: [...at, 'metadata', field, key], message: `${what} sets the ${noun} ${key}: ${why}` });
    }
  }
  return out;
}

function isRbac(m: KubernetesObject): boolean {
  return m.apiVersion.split('/')[0] === RBAC_GROUP;
}

function isCore(m: KubernetesObject): boolean {
  return m.apiVersion === 'v1';
}

/** Service types that open a port on every node (or outside the cluster), like a hostPort does. */
const NODE_SERVICE_TYPES = new Set(['NodePort', 'LoadBalancer']);

/**
 * A Service stays a name inside the environment: `externalIPs` would let it take traffic meant for
 * any address, other tenants' included (CVE-2020-8554), so no allow key grants it; NodePort and
 * LoadBalancer open ports on every node, which is what `allow.hostPorts` is for.
 */
function serviceFindings(app: string, m: KubernetesObject, what: string, at: readonly (string | number)[], allow: Allow): Finding[] {
  const spec = (m.spec ?? {}) as { type?: unknown; externalIPs?: unknown };
  const out: Finding[] = [];
  if (Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0) {
    out.push({ path: [...at, 'spec', 'externalIPs'], message: `${what} sets externalIPs, which would let it take traffic meant for any address in the cluster (CVE-2020-8554); no allow key grants this` });
  }
  if (typeof spec.type === 'string' && NODE_SERVICE_TYPES.has(spec.type) && !allow.hostPorts) {
    out.push({ path: [...at, 'spec', 'type'], message: `${what} is of type ${spec.type}, which opens a port on every node, which app "${app}" is not allowed: ${howToAllow(app, 'hostPorts')}` });
  }
  return out;
}
