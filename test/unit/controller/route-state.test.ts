import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gatewayRoutes, rejectionMessage, routeState } from '../../../engine/controller/environment/routes.js';
import type { KubeObject } from '../../../engine/kube/objects.js';

const gw = { namespace: 'ria-system', name: 'ria' };
const parentRef = { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'ria-system', name: 'ria' };

function route(generation: number, conditions?: Array<{ type: string; status: string; reason?: string; message?: string; observedGeneration?: number }>, ref: Record<string, unknown> = parentRef): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'hello', namespace: 'hello--main', generation },
    spec: { parentRefs: [parentRef] },
    ...(conditions ? { status: { parents: [{ parentRef: ref, controllerName: 'traefik.io/gateway-controller', conditions }] } } : {}),
  };
}
const ok = (g: number) => [
  { type: 'Accepted', status: 'True', reason: 'Accepted', observedGeneration: g },
  { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', observedGeneration: g },
];

test('route state: served when Accepted and ResolvedRefs are True at the current generation', () => {
  assert.deepEqual(routeState(route(2, ok(2)), gw), { state: 'served', route: 'HTTPRoute hello' });
});

test('route state: pending without status, for another parent only, or for an older generation', () => {
  assert.equal(routeState(route(1), gw).state, 'pending');
  assert.equal(routeState(route(1, ok(1), { ...parentRef, name: 'other' }), gw).state, 'pending');
  const stale = routeState(route(3, ok(2)), gw);
  assert.equal(stale.state, 'pending', 'conditions of generation 2 say nothing about generation 3');
  assert.match((stale as { message: string }).message, /not yet accepted by Gateway ria-system\/ria/);
  // A parentRef without namespace means the route's own namespace.
  assert.equal(routeState(route(1, ok(1), { name: 'ria' }), { namespace: 'hello--main', name: 'ria' }).state, 'served');
});

test('route state: a False condition is the gateway\'s verdict, with its reason and message', () => {
  const r = routeState(route(1, [
    { type: 'Accepted', status: 'False', reason: 'NoMatchingListenerHostname', message: 'no listener for shop.example.com', observedGeneration: 1 },
    { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', observedGeneration: 1 },
  ]), gw);
  assert.equal(r.state, 'rejected');
  if (r.state !== 'rejected') return;
  assert.equal(r.reason, 'NoMatchingListenerHostname');
  assert.equal(rejectionMessage(r, gw), 'HTTPRoute hello: Gateway ria-system/ria says Accepted=False (NoMatchingListenerHostname): no listener for shop.example.com');
  const unresolved = routeState(route(1, [ok(1)[0]!, { type: 'ResolvedRefs', status: 'False', reason: 'BackendNotFound', observedGeneration: 1 }]), gw);
  assert.equal(unresolved.state === 'rejected' && unresolved.condition, 'ResolvedRefs');
});

test('gatewayRoutes: only HTTPRoutes whose parent is the Gateway (not an internal router\'s Service)', () => {
  const onGateway = route(1);
  const internal: KubeObject = { ...route(1), metadata: { name: 'internal', namespace: 'hello--main' }, spec: { parentRefs: [{ group: '', kind: 'Service', name: 'internal', port: 80 }] } };
  const svc: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'hello' } };
  assert.deepEqual(gatewayRoutes([onGateway, internal, svc], gw).map((o) => o.metadata.name), ['hello']);
});

test('gatewayRoutes: an HTTPRoute of another API group, or a parent of kind Gateway of another group, is not a route on the Gateway', () => {
  const custom: KubeObject = { ...route(1), apiVersion: 'example.com/v1', metadata: { name: 'custom', namespace: 'hello--main' } };
  const otherGateway: KubeObject = { ...route(1), metadata: { name: 'other', namespace: 'hello--main' },
    spec: { parentRefs: [{ group: 'example.com', kind: 'Gateway', name: gw.name, namespace: gw.namespace }] } };
  const defaults: KubeObject = { ...route(1), metadata: { name: 'defaults', namespace: 'ria-system' }, spec: { parentRefs: [{ name: gw.name }] } };
  assert.deepEqual(gatewayRoutes([route(1), custom, otherGateway, defaults], gw).map((o) => o.metadata.name), ['hello', 'defaults']);
  // Nor does a status entry of another group's Gateway say the route is served.
  assert.equal(routeState(route(1, ok(1), { ...parentRef, group: 'example.com' }), gw).state, 'pending');
  assert.equal(routeState(route(1, ok(1), { name: gw.name, namespace: gw.namespace }), gw).state, 'served', 'group and kind default to the Gateway API\'s');
});

test('warnings name the Riofile line of their path (or of its nearest ancestor)', async () => {
  const { locateWarnings, parsePath } = await import('../../../engine/controller/environment/warning-lines.js');
  assert.deepEqual(parsePath('routers.api.routes[0]["a.b"].mirror'), ['routers', 'api', 'routes', 0, 'a.b', 'mirror']);
  const text = ['services:', '  web:', '    image: nginx', 'routers:', '  api:', '    routes:', '    - to: web', '      mirror: web-v2', ''].join('\n');
  assert.deepEqual(locateWarnings(text, 'Riofile', [
    { path: 'routers.api.routes[0].mirror', message: 'not served' },
    { path: 'services.web.requestTimeoutSeconds', message: 'not served' },
  ]), ['Riofile:8 routers.api.routes[0].mirror: not served', 'Riofile:2 services.web.requestTimeoutSeconds: not served']);
  assert.deepEqual(locateWarnings('services: [', 'Riofile', [{ path: 'services', message: 'x' }]), ['services: x'], 'no document, no line');
});
