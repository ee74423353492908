/**
 * Routes are held to the config repository's hostnames and Gateway by the API server itself
 * (install/route-admission.ts): with the admission policy `ria install` writes, an environment's
 * identity (the one the engine applies a Riofile's objects with, `kubernetes:` manifests included)
 * is refused a forged HTTPRoute or Ingress, while the routes Ria renders for it are accepted.
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
import type { Environment } from '../../../engine/render/types.js';

const { kc } = testClients();
const admin = new KubeObjects(new KubeRest(kc));
const DOMAIN = 'apps.test';
const GATEWAY = { namespace: 'ria-gateway', name: 'public' };
let ns: string;
let engine: KubeObjects;
let app: string;
let env: Environment;
let namespace: string;
let asEnvironment: KubeObjects;

const forbidden = (what: RegExp) => (err: Error & { status?: number }) => {
  assert.equal(err.status, 403, err.message);
  assert.match(err.message, what);
  return true;
};

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
  // The engine's own identity, as installed (a token of its ServiceAccount).
  const engineKc = await installedEngineKubeConfig(kc, ns);
  engine = new KubeObjects(new KubeRest(engineKc));

  // An environment as the engine makes it: the rendered Namespace (with the route scope the
  // config gives it), then its identity; then the environment writes its objects.
  app = uniqueName('shop');
  env = { app, kind: 'branch', branch: 'main', commit: 'a'.repeat(40) };
  namespace = environmentNamespace(env);
  const riofile = parseRiofile('services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n');
  const rendered = render({ riofile, environment: env, cluster: { domain: DOMAIN, registry: 'registry.test', gateway: GATEWAY } });
  const ns0 = rendered.objects.find((o) => o.kind === 'Namespace')!;
  await engine.apply(ns0);
  for (const o of identityObjects({ app, environment: 'main', namespace, name: namespace }, { permissions: false })) await engine.apply(o);
  asEnvironment = engine.as(environmentUser(namespace));
  // The RoleBinding reaches the authorizer: the environment can write its Services.
  await eventually('the environment identity is authorized', async () => {
    const svc = rendered.objects.find((o) => o.kind === 'Service')!;
    return asEnvironment.apply(svc).then(() => true, () => false);
  }, 20_000);
  // The policy is in force once the API server has loaded it (it is read asynchronously after install).
  await eventually('the route admission policy is in force', async () => {
    const probe = route('probe', { parentRefs: [GATEWAY], hostnames: ['probe.example.org'] });
    return asEnvironment.apply(probe).then(async () => { await asEnvironment.delete({ apiVersion: probe.apiVersion, kind: probe.kind, namespace, name: 'probe' }); return false; }, () => true);
  }, 30_000);
  // Ria's own route for the app is accepted: the policy allows what Ria renders.
  for (const o of rendered.objects.filter((x) => x.kind === 'HTTPRoute')) await asEnvironment.apply(o);
});

after(async () => {
  const { core } = testClients();
  if (namespace) await core.deleteNamespace({ name: namespace }).catch(() => undefined);
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
  const ingress = (host: string) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
    metadata: { name: 'web', namespace, labels: { 'app.kubernetes.io/managed-by': 'ria', 'ria.dev/app': app } },
    spec: { rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } });
  await assert.rejects(asEnvironment.apply(ingress('shop.example.org')), forbidden(/Ingress web: every rule needs a host of this environment/));
  await asEnvironment.apply(ingress(hostnames[0]!));
});
