/**
 * An ExternalName Service or a Service with an EndpointSlice of its own addresses sends its
 * traffic where its writer says, and a route on the shared gateway makes the gateway proxy there
 * (review9 F11, CVE-2021-25740 class). Both need `allow.externalServices`, for a Riofile's
 * `externalservices` (Ria's policy, located) and for any writer in the environment's namespace
 * (the API server's exposure policy, from the namespace's `ria.dev/host-access`). The engine runs
 * under its installed identity and policies, as `ria install` sets them up.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installedEngineKubeConfig, testClients, eventually, uniqueName } from '../../support/kube.js';
import { captureIO } from '../../support/io.js';
import { forbidden, podClient, removeInstallPolicies } from '../../support/installs.js';
import { KubeObjects, type KubeObject } from '../../../engine/kube/objects.js';
import { KubeRest } from '../../../engine/kube/rest.js';
import { main } from '../../../engine/cli/main.js';
import { startGitServer, type GitServer } from '../../../engine/dev/git-server.js';
import { commitFiles, createRepo } from '../../../engine/dev/git-fixtures.js';
import { createEngine } from '../../../engine/controller/create.js';
import { ensureCrds } from '../../../engine/controller/install-crds.js';
import type { Engine } from '../../../engine/controller/engine.js';
import type { EngineContext } from '../../../engine/controller/context.js';
import { API_VERSION, type Environment } from '../../../engine/crds/types.js';

const { kc, core } = testClients();
const admin = new KubeObjects(new KubeRest(kc));
let ns: string;
let git: GitServer;
let cacheDir: string;
let engine: Engine;
let ctx: EngineContext;

before(async () => {
  ns = uniqueName('ria-ext');
  const io = captureIO();
  assert.equal(await main(['install', '--namespace', ns, '--config-repo', 'http://unused.invalid/config.git', '--image', 'ria:test', '--kubeconfig', process.env.RIA_TEST_KUBECONFIG!], io), 0, io.err());
  git = await startGitServer();
  cacheDir = await mkdtemp(join(tmpdir(), 'ria-ext-cache-'));
  await createRepo(git, 'config');
  await commitFiles(git, 'config', 'main', { 'ria.yaml': 'pollInterval: 1s\ndomain: apps.test\n' }, 'settings');
  ({ engine, ctx } = createEngine({ kc: await installedEngineKubeConfig(kc, ns), namespace: ns, gitCacheDir: cacheDir, gitTimeoutMs: 5_000, config: { url: git.urlFor('config'), branch: 'main', path: '' } }));
  await ensureCrds(ctx.objects);
  engine.start();
});
after(async () => {
  await engine?.stop();
  await git?.stop();
  if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  if (ns) await removeInstallPolicies(admin, ns);
});

const web = 'services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n';
const external = `${web}externalservices:\n  db:\n    ipAddresses:\n    - 203.0.113.10\n  mail:\n    fqdn: smtp.example.com\n`;

async function environmentWhen(name: string, what: string, check: (e: Environment) => boolean): Promise<Environment> {
  return eventually(`Environment ${name}: ${what}`, async () => {
    const e = await ctx.objects.get<Environment>({ apiVersion: API_VERSION, kind: 'Environment', namespace: ns, name });
    return e && check(e) ? e : undefined;
  }, 90_000);
}


/** As a pod of the environment given rights on Services, EndpointSlices and Endpoints (what `permissions` can grant). */
async function podWriter(namespace: string): Promise<KubeObjects> {
  const labels = { 'app.kubernetes.io/managed-by': 'ria' };
  const rbac = 'rbac.authorization.k8s.io/v1';
  await admin.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace, labels } });
  await admin.apply({ apiVersion: rbac, kind: 'Role', metadata: { name: 'external', namespace, labels }, rules: [
    { apiGroups: [''], resources: ['services', 'endpoints'], verbs: ['create', 'update', 'patch', 'get'] },
    { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['create', 'update', 'patch', 'get'] },
  ] });
  await admin.apply({ apiVersion: rbac, kind: 'RoleBinding', metadata: { name: 'external', namespace, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'external' }, subjects: [{ kind: 'ServiceAccount', name: 'web', namespace }] });
  const pod = podClient(admin, `system:serviceaccount:${namespace}:web`);
  await eventually('the pod may write Services', async () => pod.apply(plainService(namespace, 'probe')).then(() => true, (e: Error & { status?: number }) => (e.status === 403 && /cannot/.test(e.message) ? false : Promise.reject(e))), 20_000);
  return pod;
}

const plainService = (namespace: string, name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { ports: [{ name: 'http', port: 80 }] } });
const externalName = (namespace: string, name: string, host: string): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { type: 'ExternalName', externalName: host } });
const slice = (namespace: string, name: string, service: string, ip: string, managedBy: string): KubeObject => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
  metadata: { name, namespace, labels: { 'kubernetes.io/service-name': service, 'endpointslice.kubernetes.io/managed-by': managedBy } },
  addressType: 'IPv4', endpoints: [{ addresses: [ip] }], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } as unknown as KubeObject);
const endpoints = (namespace: string, name: string, ip: string): KubeObject => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace },
  subsets: [{ addresses: [{ ip }], ports: [{ name: 'http', port: 80 }] }] } as unknown as KubeObject);

test('externalservices and pod-written ExternalName Services, EndpointSlices and Endpoints are refused without allow.externalServices (the Riofile located, the pods by the API server) and accepted with it; loopback and link-local addresses never', async () => {
  // Setup: an app deployed, whose pods were given rights on Services and endpoints.
  const app = uniqueName('ext');
  const env = `${app}--main`;
  const appFile = (allow: string) => `repo: ${git.urlFor(app)}\nbranches: [main]\nallow: { permissions: true${allow} }\n`;
  await createRepo(git, app);
  await commitFiles(git, app, 'main', { Riofile: web }, 'app');
  await commitFiles(git, 'config', 'main', { [`apps/${app}.yaml`]: appFile('') }, 'app');
  await environmentWhen(env, 'Ready', (e) => e.status?.phase === 'Ready');
  const pod = await podWriter(env);

  // Test: without the key.
  await commitFiles(git, app, 'main', { Riofile: external }, 'external services');
  const failed = await environmentWhen(env, 'Failed (PolicyDenied)', (e) => e.status?.phase === 'Failed' && e.status.observedCommit === e.spec.commit);
  assert.equal(failed.status?.conditions?.find((c) => c.type === 'Stalled')?.reason, 'PolicyDenied');
  assert.equal(failed.status?.lastError?.path, 'externalservices.db');
  assert.equal(failed.status?.lastError?.line, 6);
  assert.match(failed.status?.lastError?.message ?? '', new RegExp(`external service "db" .*set "allow: \\{ externalServices: true \\}" in apps/${app}\\.yaml`));
  assert.equal(await admin.get({ apiVersion: 'v1', kind: 'Service', namespace: env, name: 'mail' }), undefined, 'nothing of the refused commit was applied');
  const how = new RegExp(`which app ${app} is not allowed: set "allow: \\{ externalServices: true \\}" in apps/${app}\\.yaml`);
  await eventually('the exposure policy holds ExternalName Services', async () => pod.apply(externalName(env, 'meta', 'metadata.google.internal')).then(() => false, () => true), 30_000);
  await assert.rejects(pod.apply(externalName(env, 'meta', 'kubernetes.default.svc.cluster.local')), forbidden(/Service meta: type ExternalName sends the traffic for it to kubernetes\.default\.svc\.cluster\.local/));
  await assert.rejects(pod.apply(externalName(env, 'meta', 'x.example.com')), forbidden(how));
  // A ClusterIP Service turned into an ExternalName one by an update: the same.
  await assert.rejects(pod.apply(externalName(env, 'probe', 'x.example.com')), forbidden(how));
  // A selector-less Service is fine; addresses of its own for it are not, whatever the slice's label claims.
  await pod.apply(plainService(env, 'outside'));
  await assert.rejects(pod.apply(slice(env, 'outside-1', 'outside', '10.96.0.1', 'by-hand')), forbidden(/EndpointSlice outside-1: an EndpointSlice not written by the EndpointSlice controller/));
  await assert.rejects(pod.apply(slice(env, 'outside-2', 'outside', '10.96.0.1', 'endpointslice-controller.k8s.io')), forbidden(how));
  await assert.rejects(pod.apply(endpoints(env, 'outside', '10.96.0.1')), forbidden(/Endpoints outside: Endpoints written in the environment/));

  // Test: with the key, the commit deploys and the pods may write them; never the node's or link-local addresses.
  await commitFiles(git, 'config', 'main', { [`apps/${app}.yaml`]: appFile(', externalServices: true') }, 'allow external services');
  await environmentWhen(env, 'Ready with the external services', (e) => e.status?.phase === 'Ready' && e.status.observedCommit === e.spec.commit);
  const mail = await admin.get<KubeObject & { spec: { type: string; externalName: string } }>({ apiVersion: 'v1', kind: 'Service', namespace: env, name: 'mail' });
  assert.equal(mail?.spec.externalName, 'smtp.example.com');
  assert.ok(await admin.get({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', namespace: env, name: 'db-ipv4' }), 'the Riofile\'s EndpointSlice, applied as the environment');
  assert.equal((await core.readNamespace({ name: env })).metadata?.annotations?.['ria.dev/host-access'], 'externalServices');
  await eventually('the pod may write an ExternalName Service', async () => pod.apply(externalName(env, 'meta', 'x.example.com')).then(() => true, () => false), 30_000);
  await pod.apply(slice(env, 'outside-1', 'outside', '198.51.100.7', 'by-hand'));
  await pod.apply(endpoints(env, 'outside', '198.51.100.7'));
  for (const ip of ['169.254.169.254', '127.0.0.1']) {
    await assert.rejects(pod.apply(slice(env, 'outside-3', 'outside', ip, 'by-hand')), (err: Error & { status?: number }) => err.status === 422 && /loopback|link-local/.test(err.message), ip);
  }
});
