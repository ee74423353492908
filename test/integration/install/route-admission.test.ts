/**
 * Routes are held to the config repository's hostnames and Gateway by the API server itself
 * (install/route-admission.ts): with the admission policy `ria install` writes, an environment's
 * identity (the one the engine applies a Riofile's objects with, `kubernetes:` manifests included)
 * is refused a forged HTTPRoute, Ingress or Certificate (another hostname, Gateway, issuer or
 * IngressClass), while the routes Ria renders for it are accepted.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { installedEngineKubeConfig, testClients, eventually, uniqueName } from '../../support/kube.js';
import { captureIO } from '../../support/io.js';
import { main } from '../../../engine/cli/main.js';
import { KubeRest } from '../../../engine/kube/rest.js';
import { KubeObjects, type KubeObject } from '../../../engine/kube/objects.js';
import { environmentUser, identityObjects } from '../../../engine/controller/environment/identity.js';
import { render } from '../../../engine/render/index.js';
import { endpointHost, environmentNamespace } from '../../../engine/render/names.js';
import { parseRiofile } from '../../../engine/riofile/index.js';
import type { ClusterSettings, Environment } from '../../../engine/render/types.js';
import { installCertManagerCrds } from '../../support/gateway-api.js';
import { forbidden, podClient, removeInstallPolicies } from '../../support/installs.js';

const { kc } = testClients();
const admin = new KubeObjects(new KubeRest(kc));
const DOMAIN = 'apps.test';
const GATEWAY = { namespace: 'ria-gateway', name: 'public' };
/** ria.yaml `certificates` and `ingressClass` of this config. */
const ISSUER = { kind: 'ClusterIssuer' as const, name: 'letsencrypt' };
const INGRESS_CLASS = 'public';
let ns: string;
let engine: KubeObjects;
let app: string;
let env: Environment;
let namespace: string;
let asEnvironment: KubeObjects;
/** Namespaces of the environments made here, deleted at the end. */
const made: string[] = [];


async function installGatewayApiCrds(): Promise<void> {
  const path = process.env.RIA_TEST_GATEWAY_API_CRDS;
  if (!path) throw new Error('RIA_TEST_GATEWAY_API_CRDS is not set: run through node dist/test/run.js --integration');
  const crds = parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS() as KubeObject | null).filter((o): o is KubeObject => o?.kind === 'CustomResourceDefinition');
  for (const crd of crds) await admin.apply(crd, { force: true, fieldManager: 'ria-test' });
  for (const crd of crds) {
    await eventually(`CRD ${crd.metadata.name} Established`, async () => {
      const live = await admin.get<KubeObject>({ apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name });
      return ((live?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
    });
  }
}

const route = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute',
  metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'ria', 'ria.dev/app': app, 'ria.dev/environment': 'main' } },
  spec: { rules: [{ backendRefs: [{ name: 'web', port: 80 }] }], ...spec },
});

before(async () => {
  ns = uniqueName('ria-routes');
  const io = captureIO();
  assert.equal(await main(['install', '--namespace', ns, '--config-repo', 'http://unused.invalid/config.git', '--image', 'ria:test', '--kubeconfig', process.env.RIA_TEST_KUBECONFIG!], io), 0, io.err());
  await installGatewayApiCrds();
  await installCertManagerCrds(admin);
  // The engine's own identity, as installed (a token of its ServiceAccount).
  const engineKc = await installedEngineKubeConfig(kc, ns);
  engine = new KubeObjects(new KubeRest(engineKc));

  // An environment as the engine makes it: the rendered Namespace (with the route scope the
  // config gives it), then its identity; then the environment writes its objects.
  app = uniqueName('shop');
  env = { app, kind: 'branch', branch: 'main', commit: 'a'.repeat(40) };
  let rendered: KubeObject[];
  ({ namespace, asEnvironment, rendered } = await makeEnvironment(env, { gateway: GATEWAY, certificateIssuer: ISSUER, ingressClass: INGRESS_CLASS }));
  // The policy is in force once the API server has loaded it (it is read asynchronously after install).
  await eventually('the route admission policy is in force', async () => {
    const probe = route('probe', { parentRefs: [GATEWAY], hostnames: ['probe.example.org'] });
    return asEnvironment.apply(probe).then(async () => { await asEnvironment.delete({ apiVersion: probe.apiVersion, kind: probe.kind, namespace, name: 'probe' }); return false; }, () => true);
  }, 30_000);
  // Ria's own route for the app is accepted: the policy allows what Ria renders.
  for (const o of rendered.filter((x) => x.kind === 'HTTPRoute')) await asEnvironment.apply(o);
});

/** Made as the engine makes it: the rendered Namespace (with the route scope `cluster` gives it), then its identity. */
async function makeEnvironment(environment: Environment, cluster: Partial<ClusterSettings>, options = { permissions: false }): Promise<{ namespace: string; asEnvironment: KubeObjects; rendered: KubeObject[] }> {
  const where = environmentNamespace(environment);
  made.push(where);
  const riofile = parseRiofile('services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n');
  const rendered = render({ riofile, environment, cluster: { domain: DOMAIN, registry: 'registry.test', ...cluster } }).objects;
  await engine.apply(rendered.find((o) => o.kind === 'Namespace')!);
  const name = environment.kind === 'pr' ? `pr-${environment.pr}` : environment.branch;
  for (const o of identityObjects({ app: environment.app, environment: name, namespace: where, name: where }, options)) await engine.apply(o);
  const as = engine.as(environmentUser(where));
  // The RoleBinding reaches the authorizer: the environment can write its Services.
  await eventually('the environment identity is authorized', async () => {
    const svc = rendered.find((o) => o.kind === 'Service')!;
    return as.apply(svc).then(() => true, () => false);
  }, 20_000);
  return { namespace: where, asEnvironment: as, rendered };
}

after(async () => {
  const { core } = testClients();
  for (const name of made) await core.deleteNamespace({ name }).catch(() => undefined);
  // Its namespace policy names this install's engine: left behind, it would refuse the engines of
  // the tests that follow on this cluster the changes of their environments' namespaces.
  await removeInstallPolicies(admin, ns);
});

test('the API server refuses an environment a route with a hostname the config did not give it', async () => {
  // Setup: hostnames of another app, of another environment of this app, and outside the domain.
  const other = endpointHost([], { ...env, app: `${app}x` }, DOMAIN);
  const preview = endpointHost(['web'], { app, kind: 'pr', pr: 7, commit: env.commit }, DOMAIN);
  const parentRefs = [{ name: GATEWAY.name, namespace: GATEWAY.namespace }];

  // Test
  for (const host of [other, preview, 'shop.example.org', `*.${DOMAIN}`]) {
    await assert.rejects(asEnvironment.apply(route('forged', { parentRefs, hostnames: [host] })), forbidden(new RegExp(`hostnames ${host.replace(/[.*]/g, '\\$&')} are not this environment's`)), host);
  }
  await assert.rejects(asEnvironment.apply(route('forged', { parentRefs })), forbidden(/must name its hostnames/));
  // Its own names are accepted, on Ria's Gateway.
  await asEnvironment.apply(route('own', { parentRefs, hostnames: [endpointHost(['api'], env, DOMAIN), endpointHost([], env, DOMAIN)] }));
});

test('the API server refuses an environment a route on another Gateway, and a change of its own route scope', async () => {
  const hostnames = [endpointHost(['web'], env, DOMAIN)];
  await assert.rejects(asEnvironment.apply(route('elsewhere', { parentRefs: [{ name: 'internal', namespace: GATEWAY.namespace }], hostnames })), forbidden(/parentRefs ria-gateway\/internal are not the Gateway/));
  await assert.rejects(asEnvironment.apply(route('elsewhere', { parentRefs: [{ name: GATEWAY.name }], hostnames })), forbidden(/are not the Gateway/), 'a Gateway of the same name in its own namespace');
  // A mesh route (Service parent in its namespace) is allowed; one on another namespace's Service is not.
  await asEnvironment.apply(route('mesh', { parentRefs: [{ group: '', kind: 'Service', name: 'web', port: 80 }] }));
  await assert.rejects(asEnvironment.apply(route('mesh2', { parentRefs: [{ group: '', kind: 'Service', name: 'web', namespace: 'default', port: 80 }] })), forbidden(/not the Gateway/));
  // The scope is on the Namespace, which the environment cannot write (its manifests are applied as it).
  await assert.rejects(asEnvironment.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, annotations: { 'ria.dev/route-domain': 'example.org' } } }),
    (err: Error & { status?: number }) => err.status === 403);
  // An Ingress is held to the same hostnames.
  await assert.rejects(asEnvironment.apply(ingress('web', 'shop.example.org')), forbidden(/Ingress web: every rule needs a host of this environment/));
  await asEnvironment.apply(ingress('web', hostnames[0]!));
});

const labels = () => ({ 'app.kubernetes.io/managed-by': 'ria', 'ria.dev/app': app });
/** An Ingress of the config's class (unless `spec` says otherwise) for one host. */
const ingress = (name: string, host: string, spec: Record<string, unknown> = {}, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
  metadata: { name, namespace, labels: labels(), ...(annotations ? { annotations } : {}) },
  spec: { ingressClassName: INGRESS_CLASS, rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }], ...spec } });

test('the API server refuses an environment a Certificate from an issuer the config did not give it', async () => {
  // Setup
  const dnsNames = [endpointHost(['web'], env, DOMAIN)];
  const certificate = (issuerRef: Record<string, string>): KubeObject => ({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate',
    metadata: { name: 'web', namespace, labels: labels() }, spec: { secretName: 'web-tls', dnsNames, issuerRef } });

  // Test: another ClusterIssuer; the right name as a namespaced Issuer (cert-manager's default kind); another group.
  await assert.rejects(asEnvironment.apply(certificate({ kind: 'ClusterIssuer', name: 'internal-ca' })),
    forbidden(/Certificate web: issuer ClusterIssuer\/internal-ca is not one the config repository gives this environment \(the config repository allows ClusterIssuer\/letsencrypt, ria\.yaml "certificates"\)/));
  await assert.rejects(asEnvironment.apply(certificate({ name: ISSUER.name })), forbidden(/issuer Issuer\/letsencrypt is not one/));
  await assert.rejects(asEnvironment.apply(certificate({ group: 'issuers.example.com', kind: ISSUER.kind, name: ISSUER.name })), forbidden(/of group issuers\.example\.com is not one/));
  // The config's issuer, for its own hostnames, is accepted; a change to another issuer is not.
  await asEnvironment.apply(certificate({ group: 'cert-manager.io', kind: ISSUER.kind, name: ISSUER.name }));
  await assert.rejects(asEnvironment.apply(certificate({ kind: 'ClusterIssuer', name: 'internal-ca' })), forbidden(/issuer ClusterIssuer\/internal-ca is not one/));
});

test('the API server refuses an environment an Ingress of another IngressClass, or none (then the cluster\'s default)', async () => {
  // Setup
  const host = endpointHost(['side'], env, DOMAIN);
  const defaultClass = uniqueName('ria-default');

  // Test: another class; the legacy annotation some controllers read before the spec; no class at all.
  await assert.rejects(asEnvironment.apply(ingress('side', host, { ingressClassName: 'internal' })),
    forbidden(/Ingress side: IngressClass internal is not the one the config repository allows \(public, ria\.yaml "ingressClass"\)/));
  const { ingressClassName: _none, ...classless } = ingress('side', host).spec as Record<string, unknown>;
  await assert.rejects(asEnvironment.apply({ ...ingress('side', host, {}, { 'kubernetes.io/ingress.class': 'internal' }), spec: classless }),
    forbidden(/IngressClass \(none\), annotation kubernetes\.io\/ingress\.class internal is not the one/));
  await assert.rejects(asEnvironment.apply({ ...ingress('side', host), spec: classless }), forbidden(/IngressClass \(none\) is not the one/));
  // With a default IngressClass in the cluster the API server gives a class-less Ingress that
  // class before this policy runs: it is refused as that class.
  await admin.apply({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass',
    metadata: { name: defaultClass, annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }, spec: { controller: 'example.com/internal' } });
  try {
    await eventually('the default IngressClass is given to a class-less Ingress', async () => {
      const err = await asEnvironment.apply({ ...ingress('side', host), spec: classless }).then(() => undefined, (e: Error) => e);
      return err?.message.includes(`IngressClass ${defaultClass} is not the one`) ? true : undefined;
    }, 20_000);
  } finally {
    await admin.delete({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', name: defaultClass });
  }
  // The config's class is accepted.
  await asEnvironment.apply(ingress('side', host));
});

test('without an IngressClass or issuer in the config: the legacy class annotation and every issuer are refused', async () => {
  // Setup: a preview of the same app, on a cluster whose ria.yaml names no gateway, class or issuer.
  const preview: Environment = { app, kind: 'pr', pr: 7, commit: env.commit };
  const other = await makeEnvironment(preview, {});
  const host = endpointHost(['web'], preview, DOMAIN);
  const side = (annotations?: Record<string, string>, spec: Record<string, unknown> = {}): KubeObject => {
    const { ingressClassName: _c, ...rest } = ingress('web', host, spec, annotations).spec as Record<string, unknown>;
    return { ...ingress('web', host, spec, annotations), metadata: { name: 'web', namespace: other.namespace, labels: labels(), ...(annotations ? { annotations } : {}) }, spec: rest };
  };

  // Test: the annotation some controllers read before the spec is refused; Ria's own Ingress (no class) is accepted.
  await eventually('the policy refuses the legacy annotation', async () => {
    const err = await other.asEnvironment.apply(side({ 'kubernetes.io/ingress.class': 'internal' })).then(() => undefined, (e: Error & { status?: number }) => e);
    return err?.status === 403 && /Ingress web: the annotation kubernetes\.io\/ingress\.class picks an ingress controller the config repository did not/.test(err.message) ? true : undefined;
  }, 20_000);
  await other.asEnvironment.apply(side());
  await assert.rejects(other.asEnvironment.apply(side({ 'cert-manager.io/cluster-issuer': ISSUER.name }, { tls: [{ hosts: [host], secretName: 'tls' }] })),
    forbidden(/ask for a certificate from an issuer the config repository did not give this environment \(the config repository allows none: ria\.yaml names no "certificates" issuer\)/));
  await assert.rejects(other.asEnvironment.apply({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'web', namespace: other.namespace, labels: labels() },
    spec: { secretName: 'web-tls', dnsNames: [host], issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: ISSUER.name } } }), forbidden(/issuer ClusterIssuer\/letsencrypt is not one the config repository gives this environment \(the config repository allows none/));
});

test('the API server refuses an environment an Ingress asking cert-manager for a certificate from another issuer', async () => {
  // Setup: cert-manager's ingress-shim issues a Certificate for an annotated Ingress as cert-manager itself.
  const host = endpointHost(['tls'], env, DOMAIN);
  const tls = { tls: [{ hosts: [host], secretName: 'tls-cert' }] };
  const refused = forbidden(/Ingress tls: its cert-manager annotations \(.*\) ask for a certificate from an issuer the config repository did not give this environment \(the config repository allows ClusterIssuer\/letsencrypt/);

  // Test
  for (const annotations of <Record<string, string>[]>[
    { 'cert-manager.io/cluster-issuer': 'internal-ca' },
    { 'cert-manager.io/issuer': ISSUER.name },
    { 'cert-manager.io/issuer': ISSUER.name, 'cert-manager.io/issuer-kind': ISSUER.kind, 'cert-manager.io/issuer-group': 'issuers.example.com' },
    { 'cert-manager.io/cluster-issuer': ISSUER.name, 'cert-manager.io/issuer': 'other' },
    { 'kubernetes.io/tls-acme': 'true' },
  ]) await assert.rejects(asEnvironment.apply(ingress('tls', host, tls, annotations)), refused, JSON.stringify(annotations));
  // The config's issuer, either way cert-manager reads it.
  await asEnvironment.apply(ingress('tls', host, tls, { 'cert-manager.io/cluster-issuer': ISSUER.name }));
  await asEnvironment.apply(ingress('tls', host, tls, { 'cert-manager.io/issuer': ISSUER.name, 'cert-manager.io/issuer-kind': ISSUER.kind }));
});

test('the API server refuses an environment a Certificate that is more than a server certificate for its hostnames (CA, subject, other names, client usages)', async () => {
  // Setup: with a CA or Vault ClusterIssuer as ria.yaml's, a CA certificate would sign any hostname,
  // and a subject or client usage would name another identity for mTLS (review6, 1).
  const dnsNames = [endpointHost(['web'], env, DOMAIN)];
  const issuerRef = { group: 'cert-manager.io', kind: ISSUER.kind, name: ISSUER.name };
  const certificate = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate',
    metadata: { name: 'server', namespace, labels: labels() }, spec: { secretName: 'server-tls', dnsNames, issuerRef, ...spec } });
  const refused = (fields: string) => forbidden(new RegExp(`Certificate server: ${fields.replace(/[.*]/g, '\\$&')} would make it more than a server certificate for hostnames of this environment`));

  // Test: each field alone, located by name in the message.
  await assert.rejects(asEnvironment.apply(certificate({ isCA: true })), refused('spec.isCA'));
  await assert.rejects(asEnvironment.apply(certificate({ literalSubject: `CN=${endpointHost(['web'], { ...env, app: `${app}x` }, DOMAIN)},O=system:masters` })), refused('spec.literalSubject'));
  await assert.rejects(asEnvironment.apply(certificate({ subject: { organizations: ['system:masters'] } })), refused('spec.subject'));
  await assert.rejects(asEnvironment.apply(certificate({ otherNames: [{ oid: '1.3.6.1.4.1.311.20.2.3', utf8Value: 'admin@example.com' }] })), refused('spec.otherNames'));
  await assert.rejects(asEnvironment.apply(certificate({ usages: ['server auth', 'client auth'] })), refused('spec.usages client auth'));
  await assert.rejects(asEnvironment.apply(certificate({ isCA: true, usages: ['cert sign'] })), refused('spec.isCA, spec.usages cert sign'));
  // The common name is held like dnsNames.
  await assert.rejects(asEnvironment.apply(certificate({ commonName: 'admin.internal' })), forbidden(/Certificate server: it may name hostnames of this environment only/));
  // A server certificate of its own hostnames is accepted, with cert-manager's server usages and its own common name.
  await asEnvironment.apply(certificate({ isCA: false, commonName: dnsNames[0], usages: ['digital signature', 'key encipherment', 'server auth'] }));
});

test('the API server refuses an environment an Ingress whose cert-manager annotations shape the certificate cert-manager writes for it', async () => {
  // Setup: cert-manager's ingress-shim copies these into the Certificate it writes as itself (review6, 2).
  const host = endpointHost(['shim'], env, DOMAIN);
  const tls = { tls: [{ hosts: [host], secretName: 'shim-cert' }] };
  const issuer = { 'cert-manager.io/cluster-issuer': ISSUER.name };
  const shaping = /Ingress shim: the annotations (\S+) would shape the certificate cert-manager writes beyond the hostnames and issuer the config repository gives this environment/;

  // Test: a key outside the allowlist, each alone; the common name outside the environment's hostnames.
  for (const key of ['cert-manager.io/email-sans', 'cert-manager.io/subject-organizations', 'cert-manager.io/usages', 'cert-manager.io/ip-sans', 'acme.cert-manager.io/http01-ingress-class', 'acme.cert-manager.io/http01-edit-in-place']) {
    await assert.rejects(asEnvironment.apply(ingress('shim', host, tls, { ...issuer, [key]: 'x' })), (err: Error & { status?: number }) => {
      forbidden(shaping)(err);
      assert.equal(shaping.exec(err.message)![1], key);
      return true;
    }, key);
  }
  await assert.rejects(asEnvironment.apply(ingress('shim', host, tls, { ...issuer, 'cert-manager.io/common-name': 'admin.internal' })),
    forbidden(/Ingress shim: the annotation cert-manager\.io\/common-name admin\.internal is not a hostname of this environment/));
  // Its own common name and the keys that only tune the certificate's lifetime and key are accepted.
  await asEnvironment.apply(ingress('shim', host, tls, { ...issuer, 'cert-manager.io/common-name': host, 'cert-manager.io/duration': '2160h', 'cert-manager.io/private-key-algorithm': 'ECDSA' }));
});

test('the API server holds every writer in an environment\'s namespace to its route scope, not only Ria\'s identities (a pod given route rights by the app\'s permissions); system:masters and cert-manager pass', async () => {
  // Setup: an app allowed `permissions` grants its pods' ServiceAccount the right to write routes
  // in its namespace; the Gateway takes routes from every namespace Ria labels (review6, 4).
  // cert-manager's HTTP-01 solver writes its own route (the issuer's Gateway listener) and the
  // CertificateRequests of the Certificates it issues.
  const rbac = 'rbac.authorization.k8s.io/v1';
  const certManager = 'system:serviceaccount:cert-manager:cert-manager';
  await admin.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace, labels: labels() } });
  await admin.apply({ apiVersion: rbac, kind: 'Role', metadata: { name: 'routes', namespace, labels: labels() }, rules: [
    { apiGroups: ['gateway.networking.k8s.io', 'networking.k8s.io', 'cert-manager.io'], resources: ['httproutes', 'grpcroutes', 'gateways', 'ingresses', 'certificates', 'certificaterequests'], verbs: ['create', 'update', 'patch', 'get', 'delete'] },
  ] });
  await admin.apply({ apiVersion: rbac, kind: 'RoleBinding', metadata: { name: 'routes', namespace, labels: labels() },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'routes' },
    subjects: [{ kind: 'ServiceAccount', name: 'web', namespace }, { kind: 'ServiceAccount', name: 'cert-manager', namespace: 'cert-manager' }] });
  const pod = podClient(admin, `system:serviceaccount:${namespace}:web`);
  const own = endpointHost(['pod'], env, DOMAIN);
  const victim = endpointHost(['web'], { ...env, app: `${app}x` }, DOMAIN);
  const parentRefs = [{ name: GATEWAY.name, namespace: GATEWAY.namespace }];
  const plain = (kind: string, apiVersion: string, name: string, spec: Record<string, unknown>, annotations?: Record<string, string>): KubeObject =>
    ({ apiVersion, kind, metadata: { name, namespace, ...(annotations ? { annotations } : {}) }, spec });
  const http = (name: string, hostnames: string[], refs: unknown[] = parentRefs) => plain('HTTPRoute', 'gateway.networking.k8s.io/v1', name, { parentRefs: refs, hostnames, rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] });
  const request = (name: string) => plain('CertificateRequest', 'cert-manager.io/v1', name, { request: Buffer.from('-----BEGIN CERTIFICATE REQUEST-----\n-----END CERTIFICATE REQUEST-----\n').toString('base64'), issuerRef: { group: 'cert-manager.io', kind: ISSUER.kind, name: ISSUER.name } });
  // The pod's rights reach the authorizer: its own route, unlabelled, is accepted.
  await eventually('the pod may write routes', async () => pod.apply(http('pod-own', [own])).then(() => true, (e: Error & { status?: number }) => (e.status === 403 && /cannot/.test(e.message) ? false : Promise.reject(e))), 20_000);

  // Test: as the pod, each forged route kind is refused with the policy's message.
  await assert.rejects(pod.apply(http('forged', [victim])), forbidden(new RegExp(`HTTPRoute forged: hostnames ${victim.replace(/\./g, '\\.')} are not this environment's`)));
  await assert.rejects(pod.apply(http('forged', [own], [{ name: 'internal', namespace: GATEWAY.namespace }])), forbidden(/HTTPRoute forged: parentRefs ria-gateway\/internal are not the Gateway/));
  await assert.rejects(pod.apply(plain('GRPCRoute', 'gateway.networking.k8s.io/v1', 'forged', { parentRefs, hostnames: [victim] })), forbidden(/GRPCRoute forged: hostnames .* are not this environment's/));
  await assert.rejects(pod.apply(ingress('forged', victim)), forbidden(/Ingress forged: every rule needs a host of this environment/));
  await assert.rejects(pod.apply({ ...ingress('forged', own), metadata: { name: 'forged', namespace, annotations: { 'cert-manager.io/cluster-issuer': 'internal-ca' } } }), forbidden(/Ingress forged: its cert-manager annotations/));
  const gateway = (listeners: unknown[], annotations?: Record<string, string>) => plain('Gateway', 'gateway.networking.k8s.io/v1', 'forged', { gatewayClassName: 'any', listeners }, annotations);
  await assert.rejects(pod.apply(gateway([{ name: 'h', port: 80, protocol: 'HTTP' }])), forbidden(/Gateway forged: every listener needs a hostname of this environment/));
  await assert.rejects(pod.apply(gateway([{ name: 'h', port: 80, protocol: 'HTTP', hostname: victim }])), forbidden(/Gateway forged: every listener needs a hostname of this environment/));
  await assert.rejects(pod.apply(gateway([{ name: 'h', port: 80, protocol: 'HTTP', hostname: own }], { 'cert-manager.io/cluster-issuer': ISSUER.name, 'cert-manager.io/email-sans': 'admin@example.com' })),
    forbidden(/Gateway forged: the annotations cert-manager\.io\/email-sans would shape the certificate/), 'gateway-shim writes a Certificate from a Gateway\'s annotations too');
  await assert.rejects(pod.apply(plain('Certificate', 'cert-manager.io/v1', 'forged', { secretName: 'x', dnsNames: [own], isCA: true, issuerRef: { group: 'cert-manager.io', kind: ISSUER.kind, name: ISSUER.name } })),
    forbidden(/Certificate forged: spec\.isCA would make it more than a server certificate/));
  await assert.rejects(pod.apply(request('forged')), forbidden(/CertificateRequest forged: only cert-manager writes CertificateRequests in the namespace of an environment/));
  // cert-manager passes: its solver's route on the issuer's own listener, its CertificateRequests.
  const asCertManager = podClient(admin, certManager, 'cert-manager');
  await asCertManager.apply(http('cm-acme-http-solver', [own], [{ name: 'acme', namespace: GATEWAY.namespace }]));
  await asCertManager.apply(request('web-1'));
  // A cluster admin (system:masters) passes: it can change or remove the policy anyway.
  await admin.apply(http('by-admin', [victim]));
  // Ria's own identity is held as before (the policy is one, for every writer).
  await assert.rejects(asEnvironment.apply(route('forged', { parentRefs, hostnames: [victim] })), forbidden(/HTTPRoute forged: hostnames/));
});

test('a pod given rights on ingresses/status cannot change an Ingress\'s labels or annotations through it (another issuer for cert-manager); the ingress controller\'s status.loadBalancer passes, also on an Ingress outside the scope now', async () => {
  // Setup: the app's permissions give its pods `update ingresses/status`; the ingress controller
  // (a ServiceAccount of another namespace) is given the same. The Ingress status strategy resets
  // only the spec, so a status write can change metadata (review10 F2).
  const rbac = 'rbac.authorization.k8s.io/v1';
  const controllerUser = `system:serviceaccount:${GATEWAY.namespace}:traefik`;
  await admin.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'status', namespace, labels: labels() } });
  await admin.apply({ apiVersion: rbac, kind: 'Role', metadata: { name: 'ingress-status', namespace, labels: labels() }, rules: [
    { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'ingresses/status'], verbs: ['get', 'update', 'patch'] },
  ] });
  await admin.apply({ apiVersion: rbac, kind: 'RoleBinding', metadata: { name: 'ingress-status', namespace, labels: labels() },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'ingress-status' },
    subjects: [{ kind: 'ServiceAccount', name: 'status', namespace }, { kind: 'ServiceAccount', name: 'traefik', namespace: GATEWAY.namespace }] });
  const pod = podClient(admin, `system:serviceaccount:${namespace}:status`);
  const controller = admin.as(controllerUser);
  const own = endpointHost(['status'], env, DOMAIN);
  const victim = endpointHost(['web'], { ...env, app: `${app}y` }, DOMAIN);
  await admin.apply(ingress('lb-own', own, {}, { [`cert-manager.io/cluster-issuer`]: ISSUER.name }));
  // Made by a cluster admin past the policy: as an Ingress admitted before the scope narrowed.
  await admin.apply(ingress('lb-wide', victim));
  const status = (name: string, metadata: Record<string, unknown> = {}, ip = '192.0.2.20'): KubeObject =>
    ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace, ...metadata }, status: { loadBalancer: { ingress: [{ ip }] } } } as KubeObject);
  const refused = forbidden(/Ingress lb-own: a write of its status may not change its labels or annotations/);

  // Test: once the pod's rights reach the authorizer, another issuer through the status is refused.
  await eventually('the pod may write the Ingress status, and the policy refuses it another issuer', async () =>
    pod.applyStatus(status('lb-own', { annotations: { 'cert-manager.io/cluster-issuer': 'internal-ca' } }), 'pod').then(() => false,
      (e: Error & { status?: number }) => (e.status === 403 && /cannot/.test(e.message) ? false : refused(e))), 30_000);
  await assert.rejects(pod.applyStatus(status('lb-own', { annotations: { 'cert-manager.io/usages': 'client auth' } }), 'pod'), refused);
  await assert.rejects(pod.applyStatus(status('lb-own', { annotations: { 'kubernetes.io/ingress.class': 'internal' } }), 'pod'), refused);
  await assert.rejects(pod.applyStatus(status('lb-own', { labels: { team: 'other' } }), 'pod'), refused);
  const live = await admin.get<KubeObject>({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespace, name: 'lb-own' });
  assert.deepEqual(live?.metadata.annotations, { 'cert-manager.io/cluster-issuer': ISSUER.name });
  // The ingress controller's status.loadBalancer passes, on an Ingress outside the scope too (its spec is not checked again).
  await eventually('the controller may write the Ingress status', async () => controller.applyStatus(status('lb-own'), 'traefik')
    .then(() => true, (e: Error & { status?: number }) => (e.status === 403 && /cannot/.test(e.message) ? false : Promise.reject(e))), 20_000);
  await controller.applyStatus(status('lb-wide'), 'traefik');
  // A cluster admin passes.
  await admin.applyStatus(status('lb-own', {}, '192.0.2.21'), 'admin');
  const ips = ((await admin.get<KubeObject & { status?: { loadBalancer?: { ingress?: Array<{ ip: string }> } } }>({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespace, name: 'lb-own' }))?.status?.loadBalancer?.ingress ?? []).map((i) => i.ip);
  assert.deepEqual(ips, ['192.0.2.21']);
});

test('the API server keeps every label and annotation of an environment\'s Namespace to the engine: a pod an app\'s permissions give rights on its own Namespace cannot make it privileged, widen its route scope, leave the route policy, take another label or set the scheduler\'s annotations', async () => {
  // Setup: an app allowed `permissions` (its identity holds escalate and bind in its namespace)
  // writes, as its Riofile's manifests would, a Role giving its pods patch on `namespaces` and
  // its binding: RBAC authorizes a write to the Namespace object by a RoleBinding in it (F1, review8).
  const shop = uniqueName('perm');
  const { namespace: where, asEnvironment: asShop } = await makeEnvironment({ app: shop, kind: 'branch', branch: 'main', commit: 'b'.repeat(40) },
    { gateway: GATEWAY, certificateIssuer: ISSUER, ingressClass: INGRESS_CLASS }, { permissions: true });
  const rbac = 'rbac.authorization.k8s.io/v1';
  const own = { 'app.kubernetes.io/managed-by': 'ria', 'ria.dev/app': shop };
  await asShop.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: where, labels: own } });
  await asShop.apply({ apiVersion: rbac, kind: 'Role', metadata: { name: 'own-namespace', namespace: where, labels: own }, rules: [
    { apiGroups: [''], resources: ['namespaces', 'namespaces/status', 'namespaces/finalize'], verbs: ['get', 'patch', 'update'] },
  ] });
  await asShop.apply({ apiVersion: rbac, kind: 'RoleBinding', metadata: { name: 'own-namespace', namespace: where, labels: own },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'own-namespace' }, subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: where }] });
  const pod = podClient(admin, `system:serviceaccount:${where}:web`);
  const ref = { apiVersion: 'v1', kind: 'Namespace', name: where };
  const patch = (as: KubeObjects, metadata: Record<string, unknown>) => as.mergePatch(ref, { metadata });
  const refused = (what: RegExp) => (err: Error & { status?: number }) => { assert.equal(err.status, 403, err.message); assert.match(err.message, what); return true; };
  const labelsRefused = refused(/only Ria changes the labels of an environment's namespace/);
  const annotationsRefused = refused(/only Ria changes the annotations of an environment's namespace/);

  // Test: once the pod's rights reach the authorizer (RBAC's 403 says "cannot"), a label of any
  // key is refused by the policy: another tenant's NetworkPolicy or a Gateway may select on it.
  // (A new value each try: one made before the policy was loaded would make the next no change.)
  let tries = 0;
  await eventually('the pod may patch its Namespace, and the namespace policy refuses it a label', async () => patch(pod, { labels: { team: `shop-${tries++}` } }).then(() => false,
    (e: Error & { status?: number }) => (e.status === 403 && /cannot/.test(e.message) ? false : labelsRefused(e))), 30_000);
  // Pod Security, the route scope and the labels the route policy selects on, as before.
  await assert.rejects(patch(pod, { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } }), labelsRefused);
  await assert.rejects(patch(pod, { labels: { 'pod-security.kubernetes.io/enforce-version': 'v1.20' } }), labelsRefused);
  await assert.rejects(patch(pod, { labels: { 'ria.dev/app': null } }), labelsRefused, 'out of the route policy\'s selector');
  await assert.rejects(patch(pod, { labels: { 'app.kubernetes.io/managed-by': 'someone' } }), labelsRefused);
  await assert.rejects(patch(pod, { labels: { 'ria.dev/environment': 'other' } }), labelsRefused);
  const victim = endpointHost(['web'], { ...env, app: `${shop}x` }, DOMAIN);
  await assert.rejects(patch(pod, { annotations: { 'ria.dev/route-hostnames': victim } }), annotationsRefused);
  await assert.rejects(patch(pod, { annotations: { 'ria.dev/route-domain': null } }), annotationsRefused);
  // The scheduler's annotations (PodNodeSelector, PodTolerationRestriction), and any other.
  await assert.rejects(patch(pod, { annotations: { 'scheduler.alpha.kubernetes.io/node-selector': 'node-role.kubernetes.io/control-plane=' } }), annotationsRefused);
  await assert.rejects(patch(pod, { annotations: { 'scheduler.alpha.kubernetes.io/defaultTolerations': '[{"operator":"Exists"}]' } }), annotationsRefused);
  await assert.rejects(patch(pod, { annotations: { note: 'ours' } }), annotationsRefused);
  // Through the status subresource too: a Namespace's status strategy resets only its spec, so a
  // status write changes labels and annotations as the object's own would (review10 F1).
  const viaStatus = (metadata: Record<string, unknown>) => pod.applyStatus({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: where, ...metadata } }, 'pod');
  await assert.rejects(viaStatus({ labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } }), labelsRefused);
  await assert.rejects(viaStatus({ annotations: { 'ria.dev/host-access': 'privileged,hostPath,cap:ALL' } }), annotationsRefused);
  const live = await admin.get<KubeObject>(ref);
  assert.equal(live?.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'baseline');
  assert.equal(live?.metadata.labels?.['ria.dev/app'], shop);
  assert.equal(live?.metadata.annotations?.['scheduler.alpha.kubernetes.io/node-selector'], undefined);
  // The one label left out is the API server's, which it sets to the name on every write.
  await patch(pod, { labels: { 'kubernetes.io/metadata.name': 'other' } }).catch(() => undefined);
  assert.equal((await admin.get<KubeObject>(ref))?.metadata.labels?.['kubernetes.io/metadata.name'], where);
  // A write that changes neither passes (the garbage collector's finalizers are not held).
  await patch(pod, { labels: { 'ria.dev/app': shop } });
  // The engine and a cluster admin change any key.
  await patch(engine, { labels: { 'pod-security.kubernetes.io/warn': 'baseline', team: 'shop' }, annotations: { 'ria.dev/route-hostnames': endpointHost(['web'], { app: shop, kind: 'branch', branch: 'main', commit: 'b'.repeat(40) }, DOMAIN) } });
  await patch(admin, { labels: { 'pod-security.kubernetes.io/warn': 'restricted', team: null }, annotations: { note: 'by the admin' } });
  // The environment's own identity is held the same (it never writes its Namespace).
  await assert.rejects(patch(asShop, { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } }), (e: Error & { status?: number }) => e.status === 403);

  // A preview's quota (made by the engine before the preview runs) is neither changed nor
  // deleted by the pod, nor is the namespace (the engine would make it again, without the quota).
  const quota = { apiVersion: 'v1', kind: 'ResourceQuota', name: 'ria-preview', namespace: where };
  await engine.apply({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: quota.name, namespace: where, labels: { ...own, 'ria.dev/preview': 'true' } }, spec: { hard: { pods: '5' } } }, { fieldManager: 'ria-preview', force: true });
  await asShop.apply({ apiVersion: rbac, kind: 'Role', metadata: { name: 'own-namespace', namespace: where, labels: own }, rules: [
    { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'patch', 'update', 'delete'] },
    { apiGroups: [''], resources: ['resourcequotas', 'resourcequotas/status'], verbs: ['get', 'patch', 'update', 'delete'] },
  ] });
  await eventually('the pod may read the quota', async () => pod.get(quota).then(() => true, () => false), 20_000);
  await assert.rejects(pod.mergePatch(quota, { spec: { hard: { pods: '500' } } }), refused(/only Ria changes or deletes a preview's ResourceQuota ria-preview/));
  await assert.rejects(pod.delete(quota), refused(/only Ria changes or deletes a preview's ResourceQuota ria-preview/));
  // Nor is its status reset (quota admission counts status.used + the new pod against hard).
  await assert.rejects(pod.applyStatus({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: quota.name, namespace: where }, status: { hard: { pods: '500' }, used: { pods: '0' } } }, 'attacker'),
    refused(/a preview's ResourceQuota ria-preview counts what its namespace uses: its status is the quota controller's, never written by the environment's own ServiceAccounts/));
  // The quota controller still writes it.
  await eventually('the quota controller wrote the quota\'s status', async () => ((await admin.get<KubeObject>(quota))?.status as { hard?: Record<string, string> } | undefined)?.hard?.pods === '5', 30_000);
  await assert.rejects(pod.delete(ref), refused(/only Ria deletes an environment's namespace: delete its Environment/));
  assert.equal(((await admin.get<KubeObject>(quota))?.spec as { hard?: Record<string, string> } | undefined)?.hard?.pods, '5');
  // The engine deletes the namespace, and the namespace controller its quota with it.
  await engine.delete(ref);
  await eventually('the namespace is gone', async () => (await admin.get(ref)) === undefined, 60_000);
});
