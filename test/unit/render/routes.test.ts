import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from '../../../engine/render/index.js';
import type { Route } from '../../../engine/riofile/model.js';
import { input, riofile, service, port, route, router, cluster } from './model.js';
import { at, codes, find } from './helpers.js';

const twoVersions = () => riofile({ services: {
  web: service('web', { ports: [port({ port: 80, targetPort: 8080 })], weight: 80 }),
  'web-v2': service('web-v2', { app: 'web', version: 'v2', weight: 20, ports: [port({ port: 80, targetPort: 8080 })] }),
  'web-v3': service('web-v3', { app: 'web', version: 'v3', stageOnly: true, ports: [port({ port: 80, targetPort: 8080 })] }),
} });

test('an exposed HTTP port gets an HTTPRoute on the Gateway with its hostname', () => {
  const rf = riofile({ services: { api: service('api', { ports: [port({ port: 80, targetPort: 3000 }), port({ port: 9090, expose: false })] }) } });
  const result = render(input(rf));
  const r = find(result, 'HTTPRoute', 'api');
  assert.deepEqual(r.spec, {
    parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'ria-system', name: 'public' }],
    hostnames: ['api--shop--main.apps.example.com'],
    rules: [{ backendRefs: [{ name: 'api-v0', port: 80 }] }],
  });
  assert.deepEqual(result.urls, { api: ['https://api--shop--main.apps.example.com'] });
  assert.equal(result.objects.filter((o) => o.kind === 'HTTPRoute').length, 1, 'the internal port is not exposed');
  assert.deepEqual(at(find(result, 'Service', 'api-v0'), 'spec.ports'), [
    { name: 'http-80', port: 80, targetPort: 3000, protocol: 'TCP', appProtocol: 'http' },
    { name: 'http-9090', port: 9090, targetPort: 9090, protocol: 'TCP', appProtocol: 'http' },
  ]);
});

test('versions of one app: one app route weighted across version Services, plus a route per version', () => {
  const result = render(input(twoVersions()));
  const app = find(result, 'HTTPRoute', 'web');
  assert.deepEqual(at(app, 'spec.rules.0.backendRefs'), [
    { name: 'web-v0', port: 80, weight: 80 },
    { name: 'web-v2', port: 80, weight: 20 },
    { name: 'web-v3', port: 80, weight: 0 },
  ]);
  assert.deepEqual(at(find(result, 'HTTPRoute', 'web-v3'), 'spec.hostnames'), ['web-v3--shop--main.apps.example.com']);
  assert.deepEqual(result.urls['web-v3'], ['https://web-v3--shop--main.apps.example.com'], 'a stage-only version is reachable only by its own endpoint');
  assert.deepEqual(result.urls.web, ['https://web--shop--main.apps.example.com', 'https://web-v0--shop--main.apps.example.com']);
  // The app Service selects every version; version Services select one.
  assert.deepEqual(at(find(result, 'Service', 'web'), 'spec.selector'), { 'app.kubernetes.io/name': 'web', 'ria.dev/app': 'shop' });
  assert.deepEqual(at(find(result, 'Service', 'web-v2'), 'spec.selector'), { 'ria.dev/app': 'shop', 'ria.dev/service': 'web-v2' });
});

test('a second exposed port gets its own hostname', () => {
  const rf = riofile({ services: { web: service('web', { ports: [port({ port: 80 }), port({ port: 8081, name: 'admin' })] }) } });
  const result = render(input(rf));
  assert.deepEqual(at(find(result, 'HTTPRoute', 'web-admin'), 'spec.hostnames'), ['web-admin--shop--main.apps.example.com']);
  assert.deepEqual(at(find(result, 'HTTPRoute', 'web-admin'), 'spec.rules.0.backendRefs'), [{ name: 'web-v0', port: 8081 }]);
});

test('all versions without weight is a warning: the endpoint would answer with errors', () => {
  const rf = riofile({ services: { web: service('web', { weight: 0, ports: [port({ port: 80 })] }) } });
  const result = render(input(rf));
  assert.ok(codes(result).includes('EndpointNoWeight'));
  assert.deepEqual(at(find(result, 'HTTPRoute', 'web'), 'spec.rules.0.backendRefs'), [{ name: 'web-v0', port: 80, weight: 0 }], 'a lone backend without weight would get all traffic');
});

function ruleOf(r: Route) {
  const rf = twoVersions();
  rf.routers = { api: router([r]) };
  const result = render(input(rf));
  return { rule: at(find(result, 'HTTPRoute', 'api'), 'spec.rules.0'), result };
}

test('router: path exact / prefix / regexp', () => {
  assert.deepEqual(ruleOf(route({ match: { path: { exact: '/v0' }, methods: [], headers: [] }, to: [{ app: 'web', version: 'v0' }] })).rule.matches, [{ path: { type: 'Exact', value: '/v0' } }]);
  assert.deepEqual(ruleOf(route({ match: { path: { prefix: '/api' }, methods: [], headers: [] }, to: [{ app: 'web', version: 'v0' }] })).rule.matches, [{ path: { type: 'PathPrefix', value: '/api' } }]);
  assert.deepEqual(ruleOf(route({ match: { path: { regexp: '/b.*' }, methods: [], headers: [] }, to: [{ app: 'web', version: 'v0' }] })).rule.matches, [{ path: { type: 'RegularExpression', value: '/b.*' } }]);
});

test('router: header matches and one match per method', () => {
  const { rule } = ruleOf(route({
    match: { path: { prefix: '/' }, methods: ['get', 'POST'], headers: [{ name: 'x-user', value: { exact: 'a' } }, { name: 'x-tag', value: { prefix: 'b.c' } }, { name: 'x-re', value: { regexp: 'v[0-9]+' } }] },
    to: [{ app: 'web', version: 'v0' }],
  }));
  const headers = [
    { name: 'x-user', type: 'Exact', value: 'a' },
    { name: 'x-tag', type: 'RegularExpression', value: '^b\\.c.*' },
    { name: 'x-re', type: 'RegularExpression', value: 'v[0-9]+' },
  ];
  assert.deepEqual(rule.matches, [
    { path: { type: 'PathPrefix', value: '/' }, headers, method: 'GET' },
    { path: { type: 'PathPrefix', value: '/' }, headers, method: 'POST' },
  ]);
});

test('router: weighted to, and an app target expands into its weighted versions', () => {
  assert.deepEqual(ruleOf(route({ to: [{ app: 'web', version: 'v0', weight: 70 }, { app: 'web', version: 'v2', weight: 30 }] })).rule.backendRefs,
    [{ name: 'web-v0', port: 80, weight: 70 }, { name: 'web-v2', port: 80, weight: 30 }]);
  assert.deepEqual(ruleOf(route({ to: [{ app: 'web' }] })).rule.backendRefs,
    [{ name: 'web-v0', port: 80, weight: 80 }, { name: 'web-v2', port: 80, weight: 20 }, { name: 'web-v3', port: 80, weight: 0 }]);
  assert.deepEqual(ruleOf(route({ to: [{ app: 'web', version: 'v2', port: 8080 }] })).rule.backendRefs, [{ name: 'web-v2', port: 8080 }]);
});

test('router: redirect, rewrite, header changes, mirror and timeout', () => {
  const redirect = ruleOf(route({ redirect: { host: 'www.example.com', path: '/new', toHTTPS: true } })).rule;
  assert.deepEqual(redirect, { filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', hostname: 'www.example.com', path: { type: 'ReplaceFullPath', replaceFullPath: '/new' }, statusCode: 301 } }] });

  const rewritePrefix = ruleOf(route({ match: { path: { prefix: '/api' }, methods: [], headers: [] }, rewrite: { host: 'internal', path: '/' }, to: [{ app: 'web', version: 'v0' }] })).rule;
  assert.deepEqual(rewritePrefix.filters, [{ type: 'URLRewrite', urlRewrite: { hostname: 'internal', path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }]);
  const rewriteFull = ruleOf(route({ match: { path: { exact: '/a' }, methods: [], headers: [] }, rewrite: { path: '/b' }, to: [{ app: 'web', version: 'v0' }] })).rule;
  assert.deepEqual(rewriteFull.filters, [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/b' } } }]);

  const headers = ruleOf(route({ headers: { add: [{ name: 'x-a', value: '1' }], set: [{ name: 'x-s', value: '2' }], remove: ['x-r'] }, to: [{ app: 'web', version: 'v0' }] })).rule;
  assert.deepEqual(headers.filters, [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-s', value: '2' }], add: [{ name: 'x-a', value: '1' }], remove: ['x-r'] } }]);

  const mirror = ruleOf(route({ mirror: { app: 'web', version: 'v3' }, to: [{ app: 'web', version: 'v0' }], timeoutSeconds: 5 })).rule;
  assert.deepEqual(mirror.filters, [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'web-v3', port: 80 } } }]);
  assert.deepEqual(mirror.timeouts, { request: '5s' });
});

test('router features the standard Gateway API cannot express are warnings, never silently dropped', () => {
  const { result, rule } = ruleOf(route({
    match: { path: { exact: '/v0' }, scheme: { exact: 'https' }, methods: [], headers: [] },
    to: [{ app: 'web', version: 'v0' }],
    redirect: { host: 'a', toHTTPS: false }, rewrite: { path: '/x' }, mirror: { app: 'web' },
    fault: { percentage: 80, delayMillis: 100, abortHTTPStatus: 502 }, retry: { attempts: 10, timeoutSeconds: 1 },
  }));
  assert.deepEqual(codes(result).sort(), ['RouteFaultUnsupported', 'RouteRedirectWithMirror', 'RouteRedirectWithRewrite', 'RouteRedirectWithTargets', 'RouteRetryUnsupported', 'RouteSchemeMatchUnsupported']);
  assert.equal(rule.backendRefs, undefined, 'a redirect has no backends');
  assert.equal(result.warnings.find((w) => w.code === 'RouteFaultUnsupported')!.path, 'routers.api.routes[0].fault');
});

test('router targets: unknown apps and other namespaces are warnings', () => {
  const { result, rule } = ruleOf(route({ to: [{ app: 'ghost', version: 'v1', port: 8080 }, { app: 'web', version: 'v0', namespace: 'other' }] }));
  assert.deepEqual(codes(result), ['RouteTargetUnknown', 'RouteCrossNamespace']);
  assert.deepEqual(rule.backendRefs, [{ name: 'ghost-v1', port: 8080, weight: 100 }, { name: 'web-v0', namespace: 'other', port: 80, weight: 100 }]);
});

test('a router gets its own hostname; an internal one becomes a mesh (GAMMA) route on a Service', () => {
  const rf = twoVersions();
  rf.routers = { pub: router([route({ to: [{ app: 'web', version: 'v0' }] })]), priv: router([route({ to: [{ app: 'web', version: 'v0' }] })], true) };
  const result = render(input(rf));
  assert.deepEqual(at(find(result, 'HTTPRoute', 'pub'), 'spec.hostnames'), ['pub--shop--main.apps.example.com']);
  assert.deepEqual(result.urls.pub, ['https://pub--shop--main.apps.example.com']);
  const priv = find(result, 'HTTPRoute', 'priv');
  assert.deepEqual(at(priv, 'spec.parentRefs'), [{ group: '', kind: 'Service', name: 'priv', port: 80 }]);
  assert.equal(at(priv, 'spec.hostnames'), undefined);
  find(result, 'Service', 'priv');
  assert.equal(result.urls.priv, undefined);
  assert.ok(codes(result).includes('RouterInternalNeedsMesh'));
});

test('more than 16 routes are split across HTTPRoutes (the CRD limit)', () => {
  const rf = twoVersions();
  rf.routers = { many: router(Array.from({ length: 20 }, (_, i) => route({ match: { path: { exact: `/p${i}` }, methods: [], headers: [] }, to: [{ app: 'web', version: 'v0' }] }))) };
  const result = render(input(rf));
  assert.equal(at(find(result, 'HTTPRoute', 'many'), 'spec.rules').length, 16);
  assert.equal(at(find(result, 'HTTPRoute', 'many-2'), 'spec.rules').length, 4);
  assert.deepEqual(at(find(result, 'HTTPRoute', 'many-2'), 'spec.hostnames'), ['many--shop--main.apps.example.com']);
});

test('without a Gateway: Ingress, with warnings for what Ingress cannot do', () => {
  const rf = twoVersions();
  rf.routers = { api: router([
    route({ match: { path: { prefix: '/api' }, methods: ['GET'], headers: [] }, to: [{ app: 'web', version: 'v0' }], timeoutSeconds: 3 }),
    route({ match: { path: { regexp: '/r.*' }, methods: [], headers: [] }, to: [{ app: 'web', version: 'v0', weight: 50 }, { app: 'web', version: 'v2', weight: 50 }] }),
  ]) };
  const { gateway: _, ...noGateway } = cluster;
  const result = render(input(rf, { cluster: { ...noGateway, ingressClass: 'nginx' } }));
  assert.equal(result.objects.some((o) => o.kind === 'HTTPRoute'), false);
  const app = find(result, 'Ingress', 'web');
  assert.deepEqual(app.spec, { ingressClassName: 'nginx', rules: [{ host: 'web--shop--main.apps.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] });
  const api = find(result, 'Ingress', 'api');
  assert.deepEqual(at(api, 'spec.rules.0.http.paths'), [
    { path: '/api', pathType: 'Prefix', backend: { service: { name: 'web-v0', port: { number: 80 } } } },
    { path: '/r.*', pathType: 'ImplementationSpecific', backend: { service: { name: 'web-v0', port: { number: 80 } } } },
  ]);
  const warned = new Set(codes(result));
  for (const code of ['IngressNoWeights', 'IngressUnsupported', 'IngressRegexPath']) assert.ok(warned.has(code), code);
});

test('a prefix rewrite on a route matching several methods becomes one rule per method (the API allows one PathPrefix match)', () => {
  const rf = twoVersions();
  rf.routers = { api: router([route({ match: { path: { prefix: '/api' }, methods: ['GET', 'POST'], headers: [] }, rewrite: { path: '/' }, to: [{ app: 'web', version: 'v0' }] })]) };
  const rules = at(find(render(input(rf)), 'HTTPRoute', 'api'), 'spec.rules');
  assert.equal(rules.length, 2);
  assert.deepEqual(rules.map((r: { matches: unknown[] }) => r.matches), [
    [{ path: { type: 'PathPrefix', value: '/api' }, method: 'GET' }],
    [{ path: { type: 'PathPrefix', value: '/api' }, method: 'POST' }],
  ]);
  for (const r of rules) assert.deepEqual(r.filters, [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }]);
});

test('a gateway that declares its features: mirror and timeouts it does not serve are left out with a warning naming the Riofile path', () => {
  // Traefik v3.6's GatewayClass declares no HTTPRouteRequestMirror and no HTTPRouteRequestTimeout.
  const traefik = { ...cluster, gateway: { ...cluster.gateway!, supportedFeatures: ['HTTPRoute', 'HTTPRouteMethodMatching', 'HTTPRoutePathRewrite'] } };
  const rf = twoVersions();
  rf.services.web = { ...rf.services.web!, requestTimeoutSeconds: 7 };
  rf.routers = { api: router([route({ mirror: { app: 'web', version: 'v3' }, to: [{ app: 'web', version: 'v0' }], timeoutSeconds: 5 })]) };
  const result = render(input(rf, { cluster: traefik }));
  const rule = at(find(result, 'HTTPRoute', 'api'), 'spec.rules.0');
  assert.equal(rule.filters, undefined, 'no RequestMirror filter: Traefik would answer the whole rule with 500');
  assert.equal(rule.timeouts, undefined);
  assert.deepEqual(rule.backendRefs, [{ name: 'web-v0', port: 80 }]);
  assert.equal(at(find(result, 'HTTPRoute', 'web'), 'spec.rules.0.timeouts'), undefined);
  const unsupported = result.warnings.filter((w) => w.code === 'GatewayFeatureUnsupported');
  assert.deepEqual(unsupported.map((w) => w.path).sort(), [
    'routers.api.routes[0].mirror', 'routers.api.routes[0].timeoutSeconds', 'services.web.requestTimeoutSeconds', 'services.web.requestTimeoutSeconds',
  ]);
  assert.match(unsupported.find((w) => w.path.endsWith('.mirror'))!.message, /request mirroring \(Gateway API feature HTTPRouteRequestMirror/);

  // A gateway declaring both gets both; one declaring nothing is assumed to serve the standard.
  const full = render(input(rf, { cluster: { ...cluster, gateway: { ...cluster.gateway!, supportedFeatures: ['HTTPRouteRequestMirror', 'HTTPRouteRequestTimeout'] } } }));
  assert.deepEqual(at(find(full, 'HTTPRoute', 'api'), 'spec.rules.0.timeouts'), { request: '5s' });
  assert.equal(full.warnings.filter((w) => w.code === 'GatewayFeatureUnsupported').length, 0);
  assert.equal(render(input(rf)).warnings.filter((w) => w.code === 'GatewayFeatureUnsupported').length, 0);
});
