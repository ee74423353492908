/**
 * What the examples expect the cluster to have before Ria deploys them, and `ria dev` creates:
 * Ria's namespace, the Gateway their HTTPRoutes attach to, and the Secret the notes example
 * reads through `secretsFrom` (secrets never come from git). Demo values only.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../kube/objects.js';
import { RIA_ALLOWED_ROUTES } from './cluster/gateway-objects.js';

/** `secretsFrom` of examples/config/apps/notes.yaml, and the Secret its Riofile names. */
export const DEMO_SECRET = { namespace: 'notes-secrets', name: 'notes-auth', user: 'demo', password: 'demo' } as const;
export const GATEWAY_NAME = 'ria';
const GATEWAY_CLASS = 'ria-dev';

/** An htpasswd line nginx accepts ({SHA} scheme). */
export function htpasswdLine(user: string, password: string): string {
  return `${user}:{SHA}${createHash('sha1').update(password).digest('base64')}\n`;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/**
 * `recordOnlyGateway`: the Gateway of a class no controller implements (simulated nodes). On the
 * real node the Gateway is the real gateway's (see dev-gateway.ts) and is left out here.
 */
export function demoObjects(riaNamespace: string, { recordOnlyGateway = true }: { recordOnlyGateway?: boolean } = {}): KubeObject[] {
  const labels = { 'app.kubernetes.io/managed-by': 'ria-dev' };
  const gateway: KubeObject[] = [
    {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: GATEWAY_CLASS, labels },
      // No controller implements this class locally: the Gateway stays unprogrammed, and that is
      // fine, the HTTPRoutes only need a parent to name.
      spec: { controllerName: 'ria.dev/local-none', description: 'ria dev: routes are recorded, no traffic is served' },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: GATEWAY_NAME, namespace: riaNamespace, labels },
      spec: {
        gatewayClassName: GATEWAY_CLASS,
        listeners: [{ name: 'http', protocol: 'HTTP', port: 80, hostname: '*.ria.localhost', allowedRoutes: structuredClone(RIA_ALLOWED_ROUTES) }],
      },
    },
  ];
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: riaNamespace, labels } },
    ...(recordOnlyGateway ? gateway : []),
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: DEMO_SECRET.namespace, labels } },
    {
      apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
      metadata: { name: DEMO_SECRET.name, namespace: DEMO_SECRET.namespace, labels },
      data: { htpasswd: b64(htpasswdLine(DEMO_SECRET.user, DEMO_SECRET.password)), user: b64(DEMO_SECRET.user) },
    },
  ];
}
