import { test } from 'node:test';
import assert from 'node:assert/strict';
import { traefikConfig } from '../../../engine/dev/cluster/gateway.js';
import { GATEWAY_CLASS, TRAEFIK_CONTROLLER, gatewayControllerObjects, gatewayObject, tlsSecret } from '../../../engine/dev/cluster/gateway-objects.js';

test('Traefik config: entry points on the listener ports, the Gateway provider with a token file, never calling home', () => {
  const config = traefikConfig({ server: 'https://10.244.0.1:6443', apiCaCert: '/pki/ca.crt', tokenFile: '/run/traefik.token', statusAddress: '10.244.0.1', ports: { http: 80, https: 443 } });
  assert.deepEqual(config.global, { checkNewVersion: false, sendAnonymousUsage: false });
  assert.deepEqual(config.entryPoints, { web: { address: ':80' }, websecure: { address: ':443' } });
  const provider = (config.providers as { kubernetesGateway: Record<string, unknown> }).kubernetesGateway;
  assert.equal(provider.token, '/run/traefik.token', 'a path: the token itself is never in the config or argv');
  assert.deepEqual(provider.statusAddress, { ip: '10.244.0.1' });
  assert.equal(provider.endpoint, 'https://10.244.0.1:6443');
  const onLoopback = traefikConfig({ server: 's', apiCaCert: 'c', tokenFile: 't', statusAddress: '127.0.0.1', ports: { http: 8000, https: 8443, host: '127.0.0.1' } });
  assert.deepEqual(onLoopback.entryPoints, { web: { address: '127.0.0.1:8000' }, websecure: { address: '127.0.0.1:8443' } });
  assert.equal(config.metrics, undefined, 'no metrics unless a port is given');
  const withMetrics = traefikConfig({ server: 's', apiCaCert: 'c', tokenFile: 't', statusAddress: '10.244.0.1', ports: { http: 80, https: 443, metrics: 9100 } });
  assert.deepEqual((withMetrics.entryPoints as Record<string, unknown>).metrics, { address: ':9100' });
  assert.deepEqual(withMetrics.metrics, { prometheus: { entryPoint: 'metrics', addServicesLabels: true, addEntryPointsLabels: false, addRoutersLabels: false } },
    'per-Service request counts (a rollout health gate reads them) on their own entry point');
});

test('gateway objects: Traefik\'s class, a ServiceAccount bound to read routes and write only their status', () => {
  const objs = gatewayControllerObjects();
  const gc = objs.find((o) => o.kind === 'GatewayClass')!;
  assert.equal(gc.metadata.name, GATEWAY_CLASS);
  assert.equal((gc.spec as { controllerName: string }).controllerName, TRAEFIK_CONTROLLER);
  const role = objs.find((o) => o.kind === 'ClusterRole')!;
  const rules = role.rules as { resources: string[]; verbs: string[] }[];
  const writes = rules.filter((r) => r.verbs.some((v) => !['get', 'list', 'watch'].includes(v)));
  assert.ok(writes.every((r) => r.resources.every((x) => x.endsWith('/status'))), 'the gateway writes status only');
  assert.ok(rules.some((r) => r.resources.includes('httproutes')));
});

test('the Gateway: an HTTP listener, and an HTTPS one terminating with the wildcard Secret', () => {
  const gw = gatewayObject({ namespace: 'ria-system', name: 'ria', className: GATEWAY_CLASS, hostname: '*.ria.localhost', httpPort: 80, httpsPort: 443, tlsSecretName: 'ria-tls' });
  const listeners = (gw.spec as { listeners: Record<string, unknown>[] }).listeners;
  assert.deepEqual(listeners.map((l) => [l.name, l.protocol, l.port, l.hostname]), [['http', 'HTTP', 80, '*.ria.localhost'], ['https', 'HTTPS', 443, '*.ria.localhost']]);
  assert.deepEqual(listeners[1]!.tls, { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', group: '', name: 'ria-tls' }] });
  // The gateway itself refuses routes of namespaces Ria did not make, and kinds other than HTTPRoute.
  for (const l of listeners) {
    assert.deepEqual(l.allowedRoutes, { namespaces: { from: 'Selector', selector: { matchLabels: { 'app.kubernetes.io/managed-by': 'ria' } } }, kinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }] });
  }
  assert.equal((gatewayObject({ namespace: 'a', name: 'b', className: 'c', hostname: '*.x.y', httpPort: 80 }).spec as { listeners: unknown[] }).listeners.length, 1);
  const secret = tlsSecret('ria-system', 'ria-tls', 'CERT', 'KEY');
  assert.equal(secret.type, 'kubernetes.io/tls');
  assert.deepEqual(secret.data, { 'tls.crt': Buffer.from('CERT').toString('base64'), 'tls.key': Buffer.from('KEY').toString('base64') });
});
