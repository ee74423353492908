import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRiofile } from '../../../engine/riofile/index.js';
import { checkPolicy, type PolicyInput } from '../../../engine/policy/check.js';
import { isOwnHost } from '../../../engine/policy/routes.js';
import { endpointHost, environmentNamespace } from '../../../engine/render/names.js';
import type { AppSpec } from '../../../engine/crds/types.js';
import type { Environment } from '../../../engine/render/types.js';

// Setup: app "shop" with allow.routes, its custom domain shop.example.com, ria.yaml's Gateway ria-system/public.
const DOMAIN = 'apps.example.com';
const main: Environment = { app: 'shop', kind: 'branch', branch: 'main', commit: 'c' };
const pr: Environment = { app: 'shop', kind: 'pr', pr: 7, commit: 'c' };
const spec: AppSpec = { repo: 'r', branches: ['main', 'release/*'], riofile: 'Riofile', allow: { routes: true }, domains: ['shop.example.com'] };
const gateway = { namespace: 'ria-system', name: 'public' };

function input(yaml: string, environment: Environment = main, cluster: PolicyInput['cluster'] = { domain: DOMAIN, gateway }): PolicyInput {
  const source = `services:\n  web:\n    image: nginx\nkubernetes:\n  manifest: |-\n${yaml.split('\n').map((l) => `    ${l}`).join('\n')}\n`;
  return { riofile: parseRiofile(source, { file: 'Riofile' }), source, file: 'Riofile', app: 'shop', spec, namespace: environmentNamespace(environment), kind: environment.kind, environment, cluster };
}
const route = (hostnames: string[], parentRefs = '[{name: public, namespace: ria-system}]') => [
  'apiVersion: gateway.networking.k8s.io/v1', 'kind: HTTPRoute', 'metadata: {name: r}',
  'spec:', `  parentRefs: ${parentRefs}`, `  hostnames: ${JSON.stringify(hostnames)}`, '  rules: [{backendRefs: [{name: web, port: 80}]}]',
].join('\n');
const issues = (i: PolicyInput) => checkPolicy(i)?.issues ?? [];
const own = (env: Environment, part: string) => endpointHost([part], env, DOMAIN);

test('routes: a manifest HTTPRoute may claim the environment\'s own hostnames under ria.yaml\'s domain, on ria.yaml\'s Gateway', () => {
  assert.deepEqual(issues(input(route([own(main, 'web'), own(main, 'admin-ui'), endpointHost([], main, DOMAIN)]))), []);
  assert.deepEqual(issues(input(route([own(pr, 'web')]), pr)), []);
});

test('routes: another environment\'s or another app\'s hostname, another domain, or a wildcard is refused, located, naming "domains"', () => {
  const theirs = [own(pr, 'web'), endpointHost(['web'], { ...main, app: 'blog' }, DOMAIN), 'web--shop--main.evil.example', '*.apps.example.com', 'apps.example.com'];
  const found = issues(input(route(theirs)));
  assert.deepEqual(found.map((i) => i.path), theirs.map((_, n) => `kubernetes.manifest[0].spec.hostnames[${n}]`));
  assert.deepEqual(found.map((i) => i.line), theirs.map(() => 11), 'located on the hostnames line of the manifest');
  assert.match(found[2]!.message, /not under the domain apps\.example\.com \(ria\.yaml "domain"\)/);
  assert.match(found[3]!.message, /is a wildcard/);
  for (const f of found) assert.match(f.message, /add it to "domains" in apps\/shop\.yaml of the config repository/);
  // A pull request cannot take the branch's hostnames either.
  assert.equal(issues(input(route([own(main, 'web')]), pr)).length, 1);
});

test('routes: a custom domain the config lists is the production environment\'s only (not a pull request\'s, not another branch\'s)', () => {
  assert.deepEqual(issues(input(route(['shop.example.com']))), []);
  const fromPr = issues(input(route(['shop.example.com']), pr));
  assert.equal(fromPr.length, 1);
  assert.match(fromPr[0]!.message, /custom domain of app "shop" \(apps\/shop\.yaml "domains"\), served only by its production environment \("productionBranch"\), not by pull request #7/);
  const release: Environment = { app: 'shop', kind: 'branch', branch: 'release/1', commit: 'c' };
  assert.match(issues(input(route(['shop.example.com']), release))[0]!.message, /not by branch release\/1/);
  assert.equal(issues(input(route(['www.shop.example.com']))).length, 1, 'only the names listed, not their subdomains');
});

test('routes: parentRefs only to ria.yaml\'s Gateway (and its sectionName), a Gateway of the same manifests, or a Service of the environment', () => {
  const host = [own(main, 'web')];
  const refs = '[{name: internal, namespace: ria-system}, {name: public}, {kind: Service, group: "", name: web}, {kind: Service, group: "", name: db, namespace: blog--main}, {name: public, namespace: ria-system}]';
  const found = issues(input(route(host, refs)));
  assert.deepEqual(found.map((i) => i.path), [0, 1, 3].map((n) => `kubernetes.manifest[0].spec.parentRefs[${n}]`));
  assert.match(found[0]!.message, /parentRef Gateway ria-system\/internal is not the Gateway ria\.yaml names \(gateway: ria-system\/public\).*ria\.yaml "gateway" decides/);
  assert.match(found[2]!.message, /outside the environment's namespace/);
  // With a sectionName in ria.yaml, the route must name that listener.
  const sectioned = { domain: DOMAIN, gateway: { ...gateway, sectionName: 'https' } };
  assert.equal(issues(input(route(host), main, sectioned)).length, 1);
  assert.deepEqual(issues(input(route(host, '[{name: public, namespace: ria-system, sectionName: https}]'), main, sectioned)), []);
  // No gateway in ria.yaml: nothing to attach to but the environment's own.
  assert.match(issues(input(route(host), main, { domain: DOMAIN }))[0]!.message, /ria\.yaml names none \("gateway"\)/);
  // A Gateway defined by the same manifests, in the environment's namespace.
  const own2 = ['apiVersion: gateway.networking.k8s.io/v1', 'kind: Gateway', 'metadata: {name: mine}', 'spec:', '  gatewayClassName: x',
    `  listeners: [{name: h, port: 80, protocol: HTTP, hostname: ${host[0]}}]`, '---', route(host, '[{name: mine}]')].join('\n');
  assert.deepEqual(issues(input(own2)), []);
});

test('routes: catch-alls are refused: a route without hostnames, a TCPRoute, an Ingress rule without host or a defaultBackend, a listener without hostname', () => {
  const noHosts = issues(input(route([])));
  assert.match(noHosts[0]!.message, /no hostnames, so it would match every hostname of the gateway/);
  const tcp = issues(input(['apiVersion: gateway.networking.k8s.io/v1alpha2', 'kind: TCPRoute', 'metadata: {name: t}', 'spec:', '  parentRefs: [{name: public, namespace: ria-system}]', '  rules: [{backendRefs: [{name: web, port: 5432}]}]'].join('\n')));
  assert.match(tcp[0]!.message, /every connection of the listener/);
  const ingress = issues(input(['apiVersion: networking.k8s.io/v1', 'kind: Ingress', 'metadata: {name: i}', 'spec:', '  defaultBackend: {service: {name: web, port: {number: 80}}}',
    `  rules: [{host: ${own(main, 'web')}}, {http: {paths: []}}]`].join('\n')));
  assert.deepEqual(ingress.map((i) => i.path), ['kubernetes.manifest[0].spec.defaultBackend', 'kubernetes.manifest[0].spec.rules[1]']);
  const listener = issues(input(['apiVersion: gateway.networking.k8s.io/v1', 'kind: Gateway', 'metadata: {name: g}', 'spec:', '  gatewayClassName: x', '  listeners: [{name: h, port: 80, protocol: HTTP}]'].join('\n')));
  assert.deepEqual(listener.map((i) => i.path), ['kubernetes.manifest[0].spec.listeners[0]']);
});

test('routes: isOwnHost follows names.ts exactly (a suffix alone is not enough)', () => {
  const scope = { app: 'shop', environment: main, namespace: environmentNamespace(main), domain: DOMAIN, customDomains: [], production: true };
  assert.equal(isOwnHost(own(main, 'web'), scope), true);
  assert.equal(isOwnHost(`Web-${own(main, 'x')}`, scope), false, 'not a DNS label');
  assert.equal(isOwnHost(`a.${own(main, 'web')}`, scope), false, 'one label under the domain only');
  assert.equal(isOwnHost(own(main, 'web').replace(DOMAIN, `x.${DOMAIN}`), scope), false);
});

test('routes: a manifest Certificate (cert-manager) needs allow.routes, names only the environment\'s hostnames, and ria.yaml\'s issuer', () => {
  const cert = (names: string[], issuer = '{kind: ClusterIssuer, name: letsencrypt}') => ['apiVersion: cert-manager.io/v1', 'kind: Certificate', 'metadata: {name: c}', 'spec:',
    '  secretName: c-tls', `  dnsNames: ${JSON.stringify(names)}`, `  issuerRef: ${issuer}`].join('\n');
  const withIssuer = { domain: DOMAIN, gateway, issuer: { kind: 'ClusterIssuer', name: 'letsencrypt' } };
  assert.deepEqual(issues(input(cert([own(main, 'web'), 'shop.example.com']), main, withIssuer)), []);
  const theirs = issues(input(cert([endpointHost(['web'], { ...main, app: 'blog' }, DOMAIN)]), main, withIssuer));
  assert.deepEqual(theirs.map((i) => i.path), ['kubernetes.manifest[0].spec.dnsNames[0]'], 'another app\'s hostname: its HTTP-01 challenge would be served by the shared gateway');
  assert.match(issues(input(cert([own(main, 'web')], '{kind: ClusterIssuer, name: internal-ca}'), main, withIssuer))[0]!.message, /not the one ria\.yaml names \(certificates: ClusterIssuer\/letsencrypt\)/);
  assert.match(issues(input(cert([own(main, 'web')]), main))[0]!.message, /ria\.yaml names no certificates issuer/);
  assert.equal(issues(input(cert(['shop.example.com']), pr, withIssuer)).length, 1, 'a custom domain, from a preview');
  const denied = checkPolicy({ ...input(cert([own(main, 'web')]), main, withIssuer), spec: { ...spec, allow: {} } })!.issues;
  assert.match(denied[0]!.message, /certificate of hostnames.*allow: \{ routes: true \}/);
});

const ingress = (spec: string[], annotations: Record<string, string> = {}) => ['apiVersion: networking.k8s.io/v1', 'kind: Ingress', 'metadata:', '  name: side',
  ...(Object.keys(annotations).length ? ['  annotations:', ...Object.entries(annotations).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`)] : []),
  'spec:', ...spec.map((l) => `  ${l}`), `  rules: [{host: ${own(main, 'side')}}]`].join('\n');
// The manifest starts on line 6 of the Riofile (input()): `metadata:` is line 8, its annotations from line 10.
const lineOf = (yaml: string, text: string) => 5 + yaml.split('\n').findIndex((l) => l.includes(text)) + 1;

test('routes: a manifest Ingress names ria.yaml\'s IngressClass only, located (spec.ingressClassName, or the legacy annotation)', () => {
  const withClass = { domain: DOMAIN, gateway, ingressClass: 'public' };
  assert.deepEqual(issues(input(ingress(['ingressClassName: public']), main, withClass)), []);
  const other = ingress(['ingressClassName: internal']);
  const found = issues(input(other, main, withClass));
  assert.deepEqual(found.map((i) => [i.path, i.line]), [['kubernetes.manifest[0].spec.ingressClassName', lineOf(other, 'ingressClassName')]]);
  assert.match(found[0]!.message, /Ingress side: IngressClass internal is not the one the config repository allows public only \(ria\.yaml "ingressClass"\)/);
  // No class: the cluster's default, which this check cannot see (and may change): it must be written.
  const none = issues(input(ingress([]), main, withClass));
  assert.deepEqual(none.map((i) => i.path), ['kubernetes.manifest[0].spec']);
  assert.match(none[0]!.message, /names no IngressClass, so it would get the cluster's default class.*set spec\.ingressClassName: public/);
  const legacy = ingress(['ingressClassName: public'], { 'kubernetes.io/ingress.class': 'internal' });
  const legacyFound = issues(input(legacy, main, withClass));
  assert.deepEqual(legacyFound.map((i) => [i.path, i.line]), [['kubernetes.manifest[0].metadata.annotations.kubernetes.io/ingress.class', lineOf(legacy, 'kubernetes.io/ingress.class')]]);
  assert.deepEqual(issues(input(ingress(['ingressClassName: public'], { 'kubernetes.io/ingress.class': 'public' }), main, withClass)), []);
  // ria.yaml names no class: Ria's Ingresses get the cluster's default; a manifest may not pick a
  // controller either (the API server cannot tell a written class from the default: this check is the one that can).
  assert.deepEqual(issues(input(ingress([]))), []);
  const picked = ingress(['ingressClassName: internal']);
  const pickedFound = issues(input(picked));
  assert.deepEqual(pickedFound.map((i) => [i.path, i.line]), [['kubernetes.manifest[0].spec.ingressClassName', lineOf(picked, 'ingressClassName')]]);
  assert.match(pickedFound[0]!.message, /IngressClass internal picks an ingress controller the config repository did not \(ria\.yaml names no "ingressClass": the cluster's default class\); remove spec\.ingressClassName/);
  assert.match(issues(input(ingress([], { 'kubernetes.io/ingress.class': 'internal' })))[0]!.message,
    /the annotation kubernetes\.io\/ingress\.class: internal picks an ingress controller the config repository did not \(ria\.yaml names no "ingressClass"/);
});

test('routes: a manifest Ingress\'s cert-manager annotations name ria.yaml\'s issuer only, each refusal located on its annotation', () => {
  const withIssuer = { domain: DOMAIN, gateway, issuer: { kind: 'ClusterIssuer', name: 'letsencrypt' } };
  const paths = (annotations: Record<string, string>, cluster: PolicyInput['cluster'] = withIssuer) => {
    const yaml = ingress([], annotations);
    return issues(input(yaml, main, cluster)).map((i) => [i.path.replace('kubernetes.manifest[0].metadata.annotations.', ''), i.line - lineOf(yaml, 'annotations:')]);
  };
  assert.deepEqual(paths({ 'cert-manager.io/cluster-issuer': 'letsencrypt' }), []);
  assert.deepEqual(paths({ 'cert-manager.io/issuer': 'letsencrypt', 'cert-manager.io/issuer-kind': 'ClusterIssuer', 'cert-manager.io/issuer-group': 'cert-manager.io' }), []);
  assert.deepEqual(paths({ 'cert-manager.io/cluster-issuer': 'internal-ca' }), [['cert-manager.io/cluster-issuer', 1]]);
  assert.deepEqual(paths({ 'cert-manager.io/cluster-issuer': 'letsencrypt', 'cert-manager.io/issuer': 'letsencrypt' }), [['cert-manager.io/issuer', 2]], 'an Issuer of that name is another issuer');
  assert.deepEqual(paths({ 'cert-manager.io/issuer': 'letsencrypt', 'cert-manager.io/issuer-kind': 'ClusterIssuer', 'cert-manager.io/issuer-group': 'example.com' }), [['cert-manager.io/issuer-group', 3]]);
  assert.deepEqual(paths({ 'kubernetes.io/tls-acme': 'true' }), [['kubernetes.io/tls-acme', 1]], 'cert-manager\'s default issuer, which the config does not name');
  assert.deepEqual(paths({ 'cert-manager.io/cluster-issuer': 'letsencrypt' }, { domain: DOMAIN, gateway }), [['cert-manager.io/cluster-issuer', 1]], 'ria.yaml names no issuer: none');
  const [refused] = issues(input(ingress([], { 'cert-manager.io/cluster-issuer': 'internal-ca' }), main, withIssuer));
  assert.match(refused!.message, /Ingress side: the annotation cert-manager\.io\/cluster-issuer: internal-ca asks cert-manager for a certificate from ClusterIssuer\/internal-ca, which the config repository did not give this environment; the config repository allows ClusterIssuer\/letsencrypt \(ria\.yaml "certificates"; annotate cert-manager\.io\/cluster-issuer: letsencrypt\)/);
  assert.match(issues(input(ingress([], { 'cert-manager.io/cluster-issuer': 'x' })))[0]!.message, /ria\.yaml names no "certificates" issuer/);
  // The error the engine reports: PolicyDenied, located in the Riofile.
  const err = checkPolicy(input(ingress([], { 'kubernetes.io/tls-acme': 'true' }), main, withIssuer))!;
  assert.equal(err.code, 'PolicyDenied');
  assert.match(err.format(), /^Riofile:\d+:\d+: kubernetes\.manifest\[0\]\.metadata\.annotations\.kubernetes\.io\/tls-acme: Ingress side/);
});

test('routes: a manifest Certificate may not ask for a CA certificate, a literal subject or other names (none is a hostname check)', () => {
  // Setup: with a CA or Vault ClusterIssuer as ria.yaml's, a CA certificate signs any hostname at all.
  const withIssuer = { domain: DOMAIN, gateway, issuer: { kind: 'ClusterIssuer', name: 'letsencrypt' } };
  const cert = (extra: string) => ['apiVersion: cert-manager.io/v1', 'kind: Certificate', 'metadata: {name: c}', 'spec:',
    '  secretName: c-tls', `  dnsNames: ${JSON.stringify([own(main, 'web')])}`, '  issuerRef: {kind: ClusterIssuer, name: letsencrypt}', extra].join('\n');

  // Test
  assert.deepEqual(issues(input(cert('  isCA: false'), main, withIssuer)), []);
  assert.deepEqual(issues(input(cert('  isCA: true'), main, withIssuer)).map((i) => i.path), ['kubernetes.manifest[0].spec.isCA']);
  const literal = issues(input(cert('  literalSubject: "CN=web--blog--main.apps.example.com"'), main, withIssuer));
  assert.deepEqual(literal.map((i) => i.path), ['kubernetes.manifest[0].spec.literalSubject']);
  assert.deepEqual(issues(input(cert('  otherNames: [{oid: 1.3.6.1.4.1.311.20.2.3, utf8Value: admin@example.com}]'), main, withIssuer)).map((i) => i.path),
    ['kubernetes.manifest[0].spec.otherNames']);
});

test('routes: a manifest Certificate is a server certificate: no subject (its organizations name an identity), server usages only, each located', () => {
  // Setup: a client certificate whose O names another identity, for any mTLS that maps O or CN to a user.
  const withIssuer = { domain: DOMAIN, gateway, issuer: { kind: 'ClusterIssuer', name: 'letsencrypt' } };
  const cert = (extra: string) => ['apiVersion: cert-manager.io/v1', 'kind: Certificate', 'metadata: {name: c}', 'spec:',
    '  secretName: c-tls', `  dnsNames: ${JSON.stringify([own(main, 'web')])}`, '  issuerRef: {kind: ClusterIssuer, name: letsencrypt}', extra].join('\n');

  // Test
  assert.deepEqual(issues(input(cert('  usages: [digital signature, key encipherment, server auth]'), main, withIssuer)), []);
  assert.deepEqual(issues(input(cert(`  commonName: ${own(main, 'web')}`), main, withIssuer)), []);
  const subject = issues(input(cert('  subject: {organizations: ["system:masters"]}'), main, withIssuer));
  assert.deepEqual(subject.map((i) => [i.path, i.line]), [['kubernetes.manifest[0].spec.subject', 13]]);
  assert.match(subject[0]!.message, /subject names an identity/);
  const usages = issues(input(cert('  usages: [server auth, client auth, cert sign]'), main, withIssuer));
  assert.deepEqual(usages.map((i) => i.path), ['kubernetes.manifest[0].spec.usages[1]', 'kubernetes.manifest[0].spec.usages[2]']);
  assert.match(usages[0]!.message, /usage "client auth" is not a server's \(digital signature, key encipherment, server auth\)/);
  assert.deepEqual(issues(input(cert(`  commonName: ${endpointHost(['web'], { ...main, app: 'blog' }, DOMAIN)}`), main, withIssuer)).map((i) => i.path), ['kubernetes.manifest[0].spec.commonName']);
});

test('routes: an Ingress\'s cert-manager annotations for the Certificate cert-manager writes: the common name is a hostname of the environment, no e-mail SANs', () => {
  // Setup: cert-manager's ingress-shim writes the Certificate as itself, past every check of the environment's.
  const ingress = (annotations: Record<string, string>) => ['apiVersion: networking.k8s.io/v1', 'kind: Ingress', `metadata: {name: i, annotations: ${JSON.stringify(annotations)}}`, 'spec:',
    `  rules: [{host: ${own(main, 'web')}, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]`,
    `  tls: [{hosts: [${own(main, 'web')}], secretName: web-tls}]`].join('\n');

  // Test
  assert.deepEqual(issues(input(ingress({ 'cert-manager.io/common-name': own(main, 'web') }))), []);
  const theirs = issues(input(ingress({ 'cert-manager.io/common-name': endpointHost(['web'], { ...main, app: 'blog' }, DOMAIN) })));
  assert.deepEqual(theirs.map((i) => i.path), ['kubernetes.manifest[0].metadata.annotations.cert-manager.io/common-name']);
  const email = issues(input(ingress({ 'cert-manager.io/email-sans': 'admin@example.com' })));
  assert.deepEqual(email.map((i) => i.path), ['kubernetes.manifest[0].metadata.annotations.cert-manager.io/email-sans']);
  assert.match(email[0]!.message, /would shape the certificate cert-manager writes for it beyond the hostnames and issuer/);
  // Every cert-manager key outside the allowlist (issuer, common name, lifetime and key) is refused, each located.
  const shaping = { 'cert-manager.io/subject-organizations': 'system:masters', 'cert-manager.io/usages': 'client auth', 'cert-manager.io/ip-sans': '10.0.0.1',
    'acme.cert-manager.io/http01-ingress-class': 'internal', 'acme.cert-manager.io/http01-edit-in-place': 'true' };
  assert.deepEqual(issues(input(ingress(shaping))).map((i) => i.path), Object.keys(shaping).map((k) => `kubernetes.manifest[0].metadata.annotations.${k}`));
  assert.deepEqual(issues(input(ingress({ 'cert-manager.io/duration': '2160h', 'cert-manager.io/private-key-algorithm': 'ECDSA', 'cert-manager.io/renew-before': '360h' }))), []);
});

test('routes: a manifest Gateway\'s cert-manager annotations are held like an Ingress\'s (its gateway-shim writes the Certificate), each located', () => {
  // Setup
  const withIssuer = { domain: DOMAIN, gateway, issuer: { kind: 'ClusterIssuer', name: 'letsencrypt' } };
  const gw = (annotations: Record<string, string>) => ['apiVersion: gateway.networking.k8s.io/v1', 'kind: Gateway', `metadata: {name: g, annotations: ${JSON.stringify(annotations)}}`, 'spec:',
    '  gatewayClassName: x', `  listeners: [{name: h, port: 443, protocol: HTTPS, hostname: ${own(main, 'web')}}]`].join('\n');
  const paths = (annotations: Record<string, string>) => issues(input(gw(annotations), main, withIssuer)).map((i) => i.path.replace('kubernetes.manifest[0].metadata.annotations.', ''));

  // Test
  assert.deepEqual(paths({ 'cert-manager.io/cluster-issuer': 'letsencrypt', 'cert-manager.io/common-name': own(main, 'web'), 'cert-manager.io/duration': '2160h' }), []);
  assert.deepEqual(paths({ 'cert-manager.io/cluster-issuer': 'internal-ca' }), ['cert-manager.io/cluster-issuer']);
  assert.deepEqual(paths({ 'cert-manager.io/cluster-issuer': 'letsencrypt', 'cert-manager.io/usages': 'client auth', 'cert-manager.io/common-name': 'admin.internal' }),
    ['cert-manager.io/usages', 'cert-manager.io/common-name']);
});

test('routes: a manifest CertificateRequest, ACME Order or Challenge is refused, located, whatever the app is allowed (cert-manager\'s own)', () => {
  // Setup: a CSR names anything (DER in base64, which no check reads); the issuer signs what it says.
  const kinds = [['cert-manager.io/v1', 'CertificateRequest'], ['acme.cert-manager.io/v1', 'Order'], ['acme.cert-manager.io/v1', 'Challenge']];
  const yaml = kinds.map(([apiVersion, kind]) => [`apiVersion: ${apiVersion}`, `kind: ${kind}`, 'metadata: {name: x}', 'spec: {issuerRef: {kind: ClusterIssuer, name: letsencrypt}}'].join('\n')).join('\n---\n');
  const withIssuer = { domain: DOMAIN, gateway, issuer: { kind: 'ClusterIssuer', name: 'letsencrypt' } };

  // Test
  const found = issues(input(yaml, main, withIssuer));
  assert.deepEqual(found.map((i) => i.path), [0, 1, 2].map((n) => `kubernetes.manifest[${n}].kind`));
  assert.match(found[0]!.message, /CertificateRequest x: only cert-manager writes CertificateRequests, from a Certificate/);
  assert.equal(issues(input(['apiVersion: example.com/v1', 'kind: Order', 'metadata: {name: o}', 'spec: {}'].join('\n'))).length, 0, 'another group\'s Order is not cert-manager\'s');
});
