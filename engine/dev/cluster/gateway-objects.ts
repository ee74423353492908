/**
 * The Kubernetes objects the local gateway (Traefik) needs, as pure functions: its GatewayClass,
 * the ServiceAccount whose token it uses (Traefik runs outside the cluster, next to the node, and
 * authenticates with a token, not a client certificate) and the least RBAC its Kubernetes Gateway
 * provider reads and writes (from Traefik's own kubernetes-gateway-rbac.yml), and the Gateway and
 * its TLS Secret `ria dev` creates for the examples.
 */
import type { KubeObject } from '../../kube/objects.js';

/** What Traefik's Kubernetes Gateway provider answers to (Traefik's fixed controller name). */
export const TRAEFIK_CONTROLLER = 'traefik.io/gateway-controller';
export const GATEWAY_CLASS = 'ria-traefik';
/** Where the gateway's ServiceAccount lives (its own namespace: nothing else runs there). */
export const GATEWAY_NAMESPACE = 'ria-gateway';
export const GATEWAY_SERVICE_ACCOUNT = 'traefik';
const LABELS = { 'app.kubernetes.io/managed-by': 'ria-dev', 'app.kubernetes.io/name': 'traefik' };

/** The GatewayClass, namespace, ServiceAccount and RBAC, in the order they can be created. */
export function gatewayControllerObjects(): KubeObject[] {
  const role = `ria-gateway-${GATEWAY_SERVICE_ACCOUNT}`;
  return [
    {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: GATEWAY_CLASS, labels: LABELS },
      spec: { controllerName: TRAEFIK_CONTROLLER, description: 'Traefik, a process of the ria dev local cluster' },
    },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: GATEWAY_NAMESPACE, labels: LABELS } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: GATEWAY_SERVICE_ACCOUNT, namespace: GATEWAY_NAMESPACE, labels: LABELS } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: role, labels: LABELS },
      rules: [
        { apiGroups: [''], resources: ['namespaces'], verbs: ['list', 'watch'] },
        { apiGroups: [''], resources: ['services', 'secrets', 'configmaps'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
        {
          apiGroups: ['gateway.networking.k8s.io'],
          resources: ['gatewayclasses', 'gateways', 'httproutes', 'grpcroutes', 'referencegrants', 'backendtlspolicies'],
          verbs: ['get', 'list', 'watch'],
        },
        {
          apiGroups: ['gateway.networking.k8s.io'],
          resources: ['gatewayclasses/status', 'gateways/status', 'httproutes/status', 'grpcroutes/status', 'backendtlspolicies/status'],
          verbs: ['update'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: role, labels: LABELS },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'ServiceAccount', name: GATEWAY_SERVICE_ACCOUNT, namespace: GATEWAY_NAMESPACE }],
    },
  ];
}

export interface GatewaySpec {
  namespace: string;
  name: string;
  className: string;
  /** Wildcard hostname of both listeners, e.g. `*.ria.localhost`. */
  hostname: string;
  /** Listener ports; Traefik serves a listener on the entry point with the same port. */
  httpPort: number;
  httpsPort?: number;
  /** kubernetes.io/tls Secret in the Gateway's namespace, for the HTTPS listener. */
  tlsSecretName?: string;
}

/**
 * Which routes a listener of a Gateway for Ria takes: HTTPRoutes only, and only from namespaces
 * Ria made (its environments; the label is Ria's, a manifest cannot remove it): the gateway, not
 * only Ria's policy, refuses a route of any other namespace. Which hostname each environment may
 * claim is the policy's (engine/policy/routes.ts): a listener cannot say that per namespace.
 */
export const RIA_ALLOWED_ROUTES = {
  namespaces: { from: 'Selector', selector: { matchLabels: { 'app.kubernetes.io/managed-by': 'ria' } } },
  kinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
} as const;

/** A Gateway with an HTTP listener and, given a TLS Secret, an HTTPS one; HTTPRoutes of Ria's namespaces only. */
export function gatewayObject(g: GatewaySpec, labels: Record<string, string> = LABELS): KubeObject {
  const allowedRoutes = structuredClone(RIA_ALLOWED_ROUTES);
  const listeners: Record<string, unknown>[] = [{ name: 'http', protocol: 'HTTP', port: g.httpPort, hostname: g.hostname, allowedRoutes }];
  if (g.httpsPort !== undefined && g.tlsSecretName) {
    listeners.push({
      name: 'https', protocol: 'HTTPS', port: g.httpsPort, hostname: g.hostname, allowedRoutes,
      tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', group: '', name: g.tlsSecretName }] },
    });
  }
  return {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: g.name, namespace: g.namespace, labels },
    spec: { gatewayClassName: g.className, listeners },
  };
}

/** The TLS Secret of the HTTPS listener (a certificate of the local CA, see gateway-tls.ts). */
export function tlsSecret(namespace: string, name: string, certPem: string, keyPem: string, labels: Record<string, string> = LABELS): KubeObject {
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  return {
    apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name, namespace, labels },
    data: { 'tls.crt': b64(certPem), 'tls.key': b64(keyPem) },
  };
}
