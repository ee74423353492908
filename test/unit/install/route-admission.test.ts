import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installManifests } from '../../../engine/install/manifests.js';
import { CERT_MANAGER_INGRESS_ANNOTATIONS, GUARDED_ROUTE_RESOURCES, LEGACY_INGRESS_CLASS_ANNOTATION, ROUTE_RESOURCES, routeValidations, routeVariables } from '../../../engine/install/route-admission.js';
import { defaultSettings } from '../../../engine/config/load.js';
import { clusterSettings } from '../../../engine/controller/environment/cluster-settings.js';
import { ENVIRONMENT_RESOURCES } from '../../../engine/install/rbac.js';
import { ROUTE_KINDS, isOwnHost, type RouteScope } from '../../../engine/policy/routes.js';
import { render } from '../../../engine/render/index.js';
import { endpointHost, environmentNamespace } from '../../../engine/render/names.js';
import { RouteScopeAnnotations } from '../../../engine/render/route-scope.js';
import { parseRiofile } from '../../../engine/riofile/index.js';
import type { ClusterSettings, Environment, KubeObject } from '../../../engine/render/types.js';

type Obj = Record<string, any>;
const DOMAIN = 'apps.example.com';
const cluster: ClusterSettings = { domain: DOMAIN, registry: 'registry.example', gateway: { namespace: 'ria-gateway', name: 'public', sectionName: 'https' } };
const main: Environment = { app: 'shop', kind: 'branch', branch: 'main', commit: 'a'.repeat(40) };
const pr: Environment = { app: 'shop', kind: 'pr', pr: 7, commit: 'a'.repeat(40) };

function namespaceOf(riofile: string, env: Environment, over: Partial<Parameters<typeof render>[0]> = {}): KubeObject {
  const { objects } = render({ riofile: parseRiofile(riofile), environment: env, cluster, ...over });
  return objects.find((o) => o.kind === 'Namespace' && o.metadata.name === environmentNamespace(env))!;
}

test('the installed route admission policy holds every route kind to the route scope, in every environment namespace, for every writer but system:masters and cert-manager', () => {
  // Setup
  const policies = (installManifests({ image: 'ria:1', configRepo: 'https://git.example/c.git', namespace: 'ria-ops', certManagerNamespace: 'certs' }) as Obj[]).filter((o) => o.kind === 'ValidatingAdmissionPolicy');
  const policy = policies.find((p) => p.metadata.name === 'ria-engine-routes-ria-ops');
  const guarded = new Set(policy!.spec.matchConstraints.resourceRules.flatMap((r: Obj) => r.resources.map((x: string) => `${r.apiGroups[0]}/${x}`)));
  const hostKinds = new Set([...ROUTE_KINDS, 'cert-manager.io/Certificate']);

  // Test: each kind of the environment role that claims hostnames is checked, and guarded (CREATE and UPDATE).
  const writable = ENVIRONMENT_RESOURCES.filter((r) => hostKinds.has(`${r.group}/${r.kind}`));
  assert.deepEqual(writable.map((r) => r.kind).sort(), ROUTE_RESOURCES.map((r) => r.kind).slice().sort());
  // Every route kind of Ria's own check (policy/routes.ts), whoever writes it, and cert-manager's issuance requests.
  for (const key of hostKinds) assert.ok(GUARDED_ROUTE_RESOURCES.some((r) => `${r.group}/${r.kind}` === key), key);
  for (const r of GUARDED_ROUTE_RESOURCES) assert.ok(guarded.has(`${r.group}/${r.resource}`), r.resource);
  assert.ok(['certificaterequests', 'orders', 'challenges'].every((r) => [...guarded].some((g) => String(g).endsWith(`/${r}`))));
  const [status, ...objects] = [...policy!.spec.matchConstraints.resourceRules].reverse();
  assert.ok(objects.every((r: Obj) => r.operations.includes('CREATE') && r.operations.includes('UPDATE')));
  // An Ingress's status write can change its annotations (its status strategy resets only the spec: review10 F2).
  assert.deepEqual([status.apiGroups, status.resources, status.operations], [['networking.k8s.io'], ['ingresses/status'], ['UPDATE']]);
  assert.deepEqual(policy!.spec.matchConstraints.namespaceSelector, { matchLabels: { 'app.kubernetes.io/managed-by': 'ria' }, matchExpressions: [{ key: 'ria.dev/app', operator: 'Exists' }] });
  const conditions = policy!.spec.matchConditions.map((c: Obj) => c.expression).join('\n');
  assert.match(conditions, /'system:masters' in request\.userInfo\.groups/);
  assert.match(conditions, /startsWith\('system:serviceaccount:certs:'\)/);
  assert.doesNotMatch(conditions, /ria-engine/, 'the engine is held like any writer');
  // The identity policy no longer carries them; the route policy does, reads the Namespace's annotations, and says why.
  const identity = policies.find((p) => p.metadata.name === 'ria-engine-ria-ops')!;
  assert.ok(!identity.spec.variables.some((v: Obj) => v.name.startsWith('route')));
  const names = policy!.spec.variables.map((v: Obj) => v.name);
  for (const v of routeVariables()) assert.ok(names.includes(v.name), v.name);
  const expressions = policy!.spec.validations.map((v: Obj) => v.expression);
  for (const v of routeValidations()) {
    assert.ok(expressions.includes(v.expression));
    assert.equal(v.reason, 'Forbidden');
    if (v.expression.startsWith('!variables.routeStatus')) continue;
    assert.match(v.expression, /^object == null \|\| variables\.routeStatus \|\| (variables\.routeKind != '\w+'|!\(variables\.routeKind in \[[^\]]+\]\))/, 'a no-op for other requests, and for a status write');
  }
  // A status write: only its labels and annotations are held, both unchanged.
  const statusChecks = routeValidations().filter((v) => v.expression.startsWith('!variables.routeStatus'));
  assert.equal(statusChecks.length, 1);
  assert.match(statusChecks[0]!.expression, /oldObject\.metadata\.labels.*oldObject\.metadata\.annotations/);
  const variables = routeVariables().map((v) => v.expression).join('\n');
  for (const key of Object.values(RouteScopeAnnotations)) assert.ok(variables.includes(`'${key}'`), key);
  assert.ok(variables.includes('namespaceObject.metadata.annotations'));
});

test('the environment Namespace carries its route scope: domain, own label, Gateway, and listed hostnames (custom domains in production only)', () => {
  // Setup
  const riofile = `services:\n  web:\n    image: nginx\n    ports: 80/http\n  ${'b'.repeat(60)}:\n    image: nginx\n    ports: 80/http\n`;
  const domains = { customDomains: { hosts: ['Shop.Example.org', 'www.shop.example.org'] } };

  // Test
  const prod = namespaceOf(riofile, main, domains).metadata.annotations!;
  const hashed = endpointHost(['b'.repeat(60)], main, DOMAIN);
  assert.ok(!hashed.includes('--'), `a long name is shortened with a hash: ${hashed}`);
  assert.deepEqual(prod, {
    [RouteScopeAnnotations.domain]: DOMAIN,
    [RouteScopeAnnotations.gateway]: 'ria-gateway/public/https',
    [RouteScopeAnnotations.hostnames]: [hashed, 'shop.example.org', 'www.shop.example.org'].sort().join(','),
    [RouteScopeAnnotations.label]: 'shop--main',
    [RouteScopeAnnotations.issuer]: '',
    [RouteScopeAnnotations.ingressClass]: '',
    'ria.dev/host-access': '',
  });
  const preview = namespaceOf(riofile, pr, { cluster: { ...cluster, gateway: undefined } }).metadata.annotations!;
  assert.equal(preview[RouteScopeAnnotations.label], 'shop--pr-7');
  assert.equal(preview[RouteScopeAnnotations.gateway], '', 'no Gateway: Ingress, no parent allowed');
  assert.equal(preview[RouteScopeAnnotations.hostnames], endpointHost(['b'.repeat(60)], pr, DOMAIN));
});

test('the route scope names ria.yaml\'s certificates issuer and IngressClass, for every environment (previews too); none configured, none allowed', () => {
  // Setup: ria.yaml as the engine reads it (certificates, ingressClass), through the same settings function.
  const settings = { ...defaultSettings(), certificates: { issuer: 'letsencrypt', kind: 'ClusterIssuer' as const }, ingressClass: 'public' };
  const configured = { ...clusterSettings(settings, 'ria'), domain: DOMAIN };

  // Test
  for (const env of [main, pr]) {
    const ann = namespaceOf('services:\n  web:\n    image: nginx\n    ports: 80/http\n', env, { cluster: configured }).metadata.annotations!;
    assert.equal(ann[RouteScopeAnnotations.issuer], 'ClusterIssuer/letsencrypt');
    assert.equal(ann[RouteScopeAnnotations.ingressClass], 'public');
  }
  const rendered = render({ riofile: parseRiofile('services:\n  web:\n    image: nginx\n    ports: 80/http\n'), environment: main, cluster: configured });
  assert.equal((rendered.objects.find((o) => o.kind === 'Ingress')!.spec as Obj).ingressClassName, 'public', 'Ria\'s own Ingress names the class the policy allows');
  const none = namespaceOf('services:\n  web:\n    image: nginx\n', main, { cluster: clusterSettings(defaultSettings(), 'ria') }).metadata.annotations!;
  assert.equal(none[RouteScopeAnnotations.issuer], '');
  assert.equal(none[RouteScopeAnnotations.ingressClass], '');
});

test('the Certificate and Ingress checks read the issuer and class annotations, and say what the config allows', () => {
  const variables = routeVariables();
  const issuer = variables.find((v) => v.expression.includes(`'${RouteScopeAnnotations.issuer}'`))!;
  const ingressClass = variables.find((v) => v.expression.includes(`'${RouteScopeAnnotations.ingressClass}'`))!;
  const validations = routeValidations();
  const certificate = validations.filter((v) => v.expression.includes(`variables.${issuer.name}`) && v.expression.includes(`'Certificate'`));
  assert.equal(certificate.length, 1);
  assert.match(certificate[0]!.expression, /object\.spec\.issuerRef\.kind : 'Issuer'/, 'cert-manager\'s default kind is Issuer');
  assert.match(certificate[0]!.messageExpression, /ria\.yaml "certificates"/);
  const ingress = validations.filter((v) => v.expression.includes(`'Ingress'`));
  assert.ok(ingress.some((v) => v.expression.includes(`variables.${ingressClass.name}`) && v.expression.includes(`'${LEGACY_INGRESS_CLASS_ANNOTATION}'`) && /ria\.yaml "ingressClass"/.test(v.messageExpression)));
  const shim = ingress.find((v) => v.expression.includes(`variables.${issuer.name}`))!;
  for (const key of Object.values(CERT_MANAGER_INGRESS_ANNOTATIONS)) assert.ok(shim.expression.includes(`'${key}'`), key);
});

test('a Namespace of the Riofile\'s own manifests cannot widen its route scope: Ria\'s values win', () => {
  const riofile = `services:\n  web:\n    image: nginx\nkubernetes:\n  manifest: |-\n    apiVersion: v1\n    kind: Namespace\n    metadata:\n      name: shop--main\n      annotations:\n        ${RouteScopeAnnotations.domain}: example.org\n        ${RouteScopeAnnotations.hostnames}: "bank.example.org"\n        ${RouteScopeAnnotations.gateway}: other/gw\n        ${RouteScopeAnnotations.issuer}: ClusterIssuer/internal-ca\n        ${RouteScopeAnnotations.ingressClass}: internal\n        note: kept\n`;
  const ann = namespaceOf(riofile, main).metadata.annotations!;
  assert.equal(ann[RouteScopeAnnotations.domain], DOMAIN);
  assert.equal(ann[RouteScopeAnnotations.hostnames], '');
  assert.equal(ann[RouteScopeAnnotations.gateway], 'ria-gateway/public/https');
  assert.equal(ann[RouteScopeAnnotations.issuer], '', 'an issuer the manifest names is not allowed');
  assert.equal(ann[RouteScopeAnnotations.ingressClass], '');
  assert.equal(ann.note, undefined, 'an annotation of the manifest\'s own is dropped (and refused by the policy: the cluster operators\' key)');
});

test('the policy\'s hostname pattern (as the API server builds it from the annotations) agrees with Ria\'s own check', () => {
  // Setup: the CEL pattern of route-admission.ts, built the same way from the annotations.
  const ann = namespaceOf('services:\n  web:\n    image: nginx\n', main).metadata.annotations!;
  const label = ann[RouteScopeAnnotations.label]!;
  const pattern = new RegExp(`^([a-z0-9]+(-[a-z0-9]+)*--)?${label}\\.${ann[RouteScopeAnnotations.domain]!.replace(/\./g, '\\.')}$`);
  const scope: RouteScope = { app: 'shop', environment: main, namespace: 'shop--main', domain: DOMAIN, customDomains: [], production: true };
  const hosts = [
    endpointHost([], main, DOMAIN), endpointHost(['api'], main, DOMAIN), endpointHost(['a-b'], main, DOMAIN),
    endpointHost([], { ...main, app: 'x-shop' }, DOMAIN), endpointHost(['web'], pr, DOMAIN), `x-shop--main.${DOMAIN}`,
    `a--b--shop--main.${DOMAIN}`, `shop--main.${DOMAIN}.evil.org`, `evilshop--main.${DOMAIN}`, `*.shop--main.${DOMAIN}`, `-x--shop--main.${DOMAIN}`,
  ];
  // Test
  for (const h of hosts) assert.equal(pattern.test(h) && h.length <= 64 + DOMAIN.length, isOwnHost(h, scope), h);
});
