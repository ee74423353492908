/**
 * The engine under the identity `ria install` gives it: RBAC, CRDs and the admission policy
 * installed as `ria install` does, a token for the engine's ServiceAccount (TokenRequest), and the
 * in-process engine running with a kubeconfig of that token. An app deploys end to end, and what
 * a Riofile must not do is refused by the API server itself.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installedEngineKubeConfig, testClients, eventually, uniqueName } from '../../support/kube.js';
import { captureIO } from '../../support/io.js';
import { podClient, removeInstallPolicies } from '../../support/installs.js';
import { KubeObjects } from '../../../engine/kube/objects.js';
import { KubeRest } from '../../../engine/kube/rest.js';
import { main } from '../../../engine/cli/main.js';
import { startGitServer, type GitServer } from '../../../engine/dev/git-server.js';
import { commitFiles, createRepo } from '../../../engine/dev/git-fixtures.js';
import { createEngine } from '../../../engine/controller/create.js';
import { ensureCrds } from '../../../engine/controller/install-crds.js';
import type { Engine } from '../../../engine/controller/engine.js';
import type { EngineContext } from '../../../engine/controller/context.js';
import { API_VERSION, type Environment } from '../../../engine/crds/types.js';
import { environmentUser } from '../../../engine/controller/environment/identity.js';
import { endpointHost, environmentNamespace } from '../../../engine/render/names.js';
import { stringify } from 'yaml';

const { kc, core } = testClients();
let ns: string;
let git: GitServer;
let cacheDir: string;
let engine: Engine;
let ctx: EngineContext;
/** A namespace `ria install --secrets-from` names, and one it does not. */
let source: string;
let unrelated: string;

before(async () => {
  ns = uniqueName('ria-sa');
  source = uniqueName('src');
  unrelated = uniqueName('other');
  for (const name of [source, unrelated]) {
    await core.createNamespace({ body: { metadata: { name } } });
    await core.createNamespacedSecret({ namespace: name, body: { metadata: { name: 'db' }, stringData: { password: `pw-of-${name}` } } });
  }
  const io = captureIO();
  assert.equal(await main(['install', '--namespace', ns, '--config-repo', 'http://unused.invalid/config.git', '--image', 'ria:test', '--secrets-from', source, '--kubeconfig', process.env.RIA_TEST_KUBECONFIG!], io), 0, io.err());
  const engineKc = await installedEngineKubeConfig(kc, ns);
  git = await startGitServer();
  cacheDir = await mkdtemp(join(tmpdir(), 'ria-sa-cache-'));
  await createRepo(git, 'config');
  await commitFiles(git, 'config', 'main', { 'ria.yaml': 'pollInterval: 1s\ndomain: apps.test\n' }, 'settings');
  ({ engine, ctx } = createEngine({ kc: engineKc, namespace: ns, gitCacheDir: cacheDir, gitTimeoutMs: 5_000, config: { url: git.urlFor('config'), branch: 'main', path: '' } }));
  // What the engine does at start (issue 10, item 8: it used to be refused here).
  await ensureCrds(ctx.objects);
  engine.start();
});
after(async () => {
  await engine?.stop();
  await git?.stop();
  if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  for (const name of [source, unrelated]) if (name) await core.deleteNamespace({ name }).catch(() => undefined);
  if (ns) await removeInstallPolicies(new KubeObjects(new KubeRest(testClients().kc)), ns);
});

test('the engine under its installed identity deploys an app end to end', async () => {
  // Setup
  const app = uniqueName('sa');
  await createRepo(git, app);
  await commitFiles(git, app, 'main', { Riofile: 'services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n' }, 'app');

  // Test
  await commitFiles(git, 'config', 'main', { [`apps/${app}.yaml`]: `repo: ${git.urlFor(app)}\nbranches: [main]\n` }, 'app');
  const env = await eventually(`Environment ${app}--main Ready`, async () => {
    const e = await ctx.objects.get<Environment>({ apiVersion: API_VERSION, kind: 'Environment', namespace: ns, name: `${app}--main` });
    return e?.status?.phase === 'Ready' ? e : undefined;
  }, 90_000);
  assert.equal(env.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  const sa = await core.readNamespacedServiceAccount({ namespace: `${app}--main`, name: 'ria-environment' });
  assert.equal(sa.metadata?.labels?.['app.kubernetes.io/managed-by'], 'ria');
  // Written as the environment: its managedFields name Ria's field manager, the API server let its identity create it.
  const { apps } = testClients();
  assert.equal((await apps.readNamespacedDeployment({ namespace: `${app}--main`, name: 'web' })).metadata?.labels?.['ria.dev/app'], app);
});

test('what a Riofile must not do is refused by the API server: cluster-admin binding, kube-system, a Secret elsewhere', async () => {
  // Setup: an environment namespace and identity made by the engine (as in a deploy).
  const app = uniqueName('evil');
  const owned = `${app}--main`;
  const labels = { 'app.kubernetes.io/managed-by': 'ria', 'ria.dev/app': app, 'ria.dev/environment': 'main' };
  await ctx.objects.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: owned, labels } });
  const asEnvironment = ctx.objects.as(environmentUser(owned));
  const forbidden = (err: Error & { status?: number }) => err.status === 403;

  // Test: as the engine (cluster-scoped objects are applied with its identity).
  await assert.rejects(ctx.objects.apply({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: `${app}-admin`, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: owned }] }), forbidden);
  await assert.rejects(ctx.objects.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system', labels } }), forbidden);
  await assert.rejects(ctx.objects.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'default', labels }, stringData: { a: 'b' } }), forbidden);
  // As the environment: nothing outside its namespace, nothing cluster-scoped.
  await assert.rejects(asEnvironment.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'default', labels }, stringData: { a: 'b' } }), forbidden);
  await assert.rejects(asEnvironment.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'kube-system', labels }, stringData: { a: 'b' } }), forbidden);
  await assert.rejects(asEnvironment.apply({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: `${app}-admin2`, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: owned }] }), forbidden);
  await assert.rejects(core.readNamespacedSecret({ namespace: 'default', name: 'x' }), (err: { code?: number }) => err.code === 404);
  await core.deleteNamespace({ name: owned });
});

test('the engine reads Secrets only in its own namespace and the --secrets-from ones; pods only as an environment', async () => {
  // Setup
  const forbidden = (err: Error & { status?: number }) => err.status === 403;
  await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'clone' }, stringData: { token: 't' } } });

  // Test: the API server refuses the engine a Secret of an unrelated namespace (and of kube-system), and any list.
  await assert.rejects(ctx.objects.get({ apiVersion: 'v1', kind: 'Secret', namespace: unrelated, name: 'db' }), forbidden);
  await assert.rejects(ctx.objects.get({ apiVersion: 'v1', kind: 'Secret', namespace: 'kube-system', name: 'db' }), forbidden);
  await assert.rejects(ctx.objects.list('v1', 'Secret', { namespace: source }), forbidden);
  await assert.rejects(ctx.objects.list('v1', 'Pod', { namespace: unrelated }), forbidden);
  // What it needs: its own credentials, and the secretsFrom sources install named, by name.
  assert.ok(await ctx.objects.get({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'clone' }));
  assert.ok(await ctx.objects.get({ apiVersion: 'v1', kind: 'Secret', namespace: source, name: 'db' }));
});

test('secretsFrom: an app copies from a namespace install named; from another, the Environment says which install flag would allow it', async () => {
  // Setup
  const allowed = uniqueName('cp');
  const refused = uniqueName('nocp');
  const riofile = 'services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n    env:\n    - DB_PASSWORD=secret://db/password\n';
  for (const app of [allowed, refused]) {
    await createRepo(git, app);
    await commitFiles(git, app, 'main', { Riofile: riofile }, 'app');
  }

  // Test
  await commitFiles(git, 'config', 'main', {
    [`apps/${allowed}.yaml`]: `repo: ${git.urlFor(allowed)}\nbranches: [main]\nsecretsFrom: ${source}\n`,
    [`apps/${refused}.yaml`]: `repo: ${git.urlFor(refused)}\nbranches: [main]\nsecretsFrom: ${unrelated}\n`,
  }, 'apps with secretsFrom');
  // Found by app, not by name (the naming scheme is names.ts's).
  const environmentOf = async (app: string) => (await ctx.objects.list<Environment>(API_VERSION, 'Environment', { namespace: ns })).find((e) => e.spec.app === app);
  await eventually(`the Environment of ${allowed} Ready`, async () => {
    const e = await environmentOf(allowed);
    return e?.status?.phase === 'Ready' ? e : undefined;
  }, 90_000);
  const copy = await core.readNamespacedSecret({ namespace: environmentNamespace({ app: allowed, kind: 'branch', branch: 'main', commit: 'c' }), name: 'db' });
  assert.equal(Buffer.from(copy.data!.password!, 'base64').toString(), `pw-of-${source}`);
  const failing = await eventually(`the Environment of ${refused} reports the refused read`, async () => {
    const e = await environmentOf(refused);
    const ready = e?.status?.conditions?.find((c) => c.type === 'Ready');
    return ready?.reason === 'SecretCopyFailed' ? ready : undefined;
  }, 90_000);
  assert.match(failing.message, new RegExp(`may not read Secrets in namespace ${unrelated} \\(secretsFrom\\): run "ria install --secrets-from ${unrelated}"`));
  assert.doesNotMatch(failing.message, /pw-of-/);
});

test('a Riofile manifest\'s Ingress of another IngressClass, or asking cert-manager for another issuer, is refused by Ria\'s policy on its Riofile line; the config\'s deploys past the API server', async () => {
  // Setup: ria.yaml names the class and the issuer; the app may have routes. Ria's own check
  // (policy/ingress.ts) refuses these before anything is applied, located in the Riofile; the API
  // server's refusal of the same objects (the enforcement) is tested in install/route-admission.
  const app = uniqueName('ing');
  const host = endpointHost(['side'], { app, kind: 'branch', branch: 'main', commit: 'c' }, 'apps.test');
  const riofile = (spec: Record<string, unknown>, annotations: Record<string, string> = {}) => {
    const manifest = stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'side', annotations },
      spec: { rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }], ...spec } });
    return `services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\nkubernetes:\n  manifest: |-\n${manifest.trimEnd().split('\n').map((l) => `    ${l}`).join('\n')}\n`;
  };
  const lineOf = (text: string, what: string) => text.split('\n').findIndex((l) => l.includes(what)) + 1;
  const environment = async () => (await ctx.objects.list<Environment>(API_VERSION, 'Environment', { namespace: ns })).find((e) => e.spec.app === app);
  const refusal = (commit: string, path: string, what: RegExp) => eventually(`the Environment of ${app} says ${what}`, async () => {
    const e = await environment();
    const stalled = e?.status?.conditions?.find((c) => c.type === 'Stalled');
    return e?.status?.observedCommit === commit && stalled?.status === 'True' && stalled.reason === 'PolicyDenied' && e.status.lastError?.path === path
      && what.test(e.status.lastError.message) ? e : undefined;
  }, 90_000);
  await createRepo(git, app);
  const otherClass = riofile({ ingressClassName: 'internal' });
  const first = await commitFiles(git, app, 'main', { Riofile: otherClass }, 'another class');

  // Test
  await commitFiles(git, 'config', 'main', {
    'ria.yaml': 'pollInterval: 1s\ndomain: apps.test\ningressClass: public\ncertificates:\n  issuer: letsencrypt\n',
    [`apps/${app}.yaml`]: `repo: ${git.urlFor(app)}\nbranches: [main]\nallow:\n  routes: true\n`,
  }, 'an app with routes; the class and issuer');
  const refused = await refusal(first, 'kubernetes.manifest[0].spec.ingressClassName', /Ingress side: IngressClass internal is not the one the config repository allows public only \(ria\.yaml "ingressClass"\)/);
  assert.equal(refused.status?.lastError?.file, 'Riofile');
  assert.equal(refused.status?.lastError?.line, lineOf(otherClass, 'ingressClassName'));
  assert.equal(refused.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
  const otherIssuer = riofile({ ingressClassName: 'public' }, { 'cert-manager.io/cluster-issuer': 'internal-ca' });
  const second = await commitFiles(git, app, 'main', { Riofile: otherIssuer }, 'another issuer');
  const byIssuer = await refusal(second, 'kubernetes.manifest[0].metadata.annotations.cert-manager.io/cluster-issuer',
    /Ingress side: the annotation cert-manager\.io\/cluster-issuer: internal-ca asks cert-manager for a certificate from ClusterIssuer\/internal-ca, which the config repository did not give this environment; the config repository allows ClusterIssuer\/letsencrypt/);
  assert.equal(byIssuer.status?.lastError?.line, lineOf(otherIssuer, 'cert-manager.io/cluster-issuer'));
  // The config's class and issuer: past Ria's check and the API server's (the annotations Ria wrote on the Namespace): deployed.
  await commitFiles(git, app, 'main', { Riofile: riofile({ ingressClassName: 'public' }, { 'cert-manager.io/cluster-issuer': 'letsencrypt' }) }, 'the config\'s');
  await eventually(`the Environment of ${app} Ready`, async () => ((await environment())?.status?.phase === 'Ready' ? true : undefined), 90_000);
});

test('hostPorts revoked while the commit keeps its hostPort: the Environment is PolicyDenied, and the namespace no longer lets a pod given rights write a NodePort Service (review9 F2)', async () => {
  // Setup: an app allowed hostPorts and permissions, deployed with a hostPort; a ServiceAccount of
  // its namespace given rights on Services (what the app's Role would do; written by the admin here).
  const app = uniqueName('hp');
  const namespace = environmentNamespace({ app, kind: 'branch', branch: 'main', commit: 'c' });
  await createRepo(git, app);
  const first = await commitFiles(git, app, 'main', { Riofile: 'services:\n  web:\n    image: nginx:1.27\n    ports:\n    - 80/http\n    - 31977/tcp,hostport\n' }, 'a hostPort');
  const appFile = (allow: string) => `repo: ${git.urlFor(app)}\nbranches: [main]\nallow: { permissions: true${allow} }\n`;
  await commitFiles(git, 'config', 'main', { [`apps/${app}.yaml`]: appFile(', hostPorts: true') }, 'an app allowed hostPorts');
  const environment = async () => (await ctx.objects.list<Environment>(API_VERSION, 'Environment', { namespace: ns })).find((e) => e.spec.app === app);
  await eventually(`the Environment of ${app} Ready`, async () => ((await environment())?.status?.phase === 'Ready' ? true : undefined), 90_000);
  const hostAccess = async () => (await core.readNamespace({ name: namespace })).metadata?.annotations?.['ria.dev/host-access'];
  assert.equal(await hostAccess(), 'hostPorts');
  const admin = new KubeObjects(new KubeRest(kc));
  const labels = { 'app.kubernetes.io/managed-by': 'ria', 'ria.dev/app': app };
  const rbacGroup = 'rbac.authorization.k8s.io';
  await admin.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'writer', namespace, labels } });
  await admin.apply({ apiVersion: `${rbacGroup}/v1`, kind: 'Role', metadata: { name: 'writer', namespace, labels }, rules: [{ apiGroups: [''], resources: ['services'], verbs: ['create', 'get', 'patch'] }] });
  await admin.apply({ apiVersion: `${rbacGroup}/v1`, kind: 'RoleBinding', metadata: { name: 'writer', namespace, labels },
    roleRef: { apiGroup: rbacGroup, kind: 'Role', name: 'writer' }, subjects: [{ kind: 'ServiceAccount', name: 'writer', namespace }] });
  const pod = podClient(admin, `system:serviceaccount:${namespace}:writer`);
  const nodePort = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace },
    spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 80 }] } });
  // Allowed: accepted (once the binding reaches the authorizer).
  await eventually('a NodePort Service written by the pod is accepted while hostPorts is allowed', async () => pod.apply(nodePort('allowed'))
    .then(() => true, (e: Error & { status?: number }) => (e.status === 403 && /cannot/.test(e.message) ? undefined : Promise.reject(e))), 20_000);

  // Test: the operator revokes hostPorts; the commit still asks for its hostPort.
  await commitFiles(git, 'config', 'main', { [`apps/${app}.yaml`]: appFile('') }, 'hostPorts revoked');
  const denied = await eventually(`the Environment of ${app} PolicyDenied`, async () => {
    const e = await environment();
    const stalled = e?.status?.conditions?.find((c) => c.type === 'Stalled');
    return stalled?.status === 'True' && stalled.reason === 'PolicyDenied' ? e : undefined;
  }, 90_000);
  assert.equal(denied?.status?.observedCommit, first);
  assert.equal(await hostAccess(), '', 'the namespace follows the config though the commit is refused');
  assert.equal((await core.readNamespace({ name: namespace })).metadata?.labels?.['pod-security.kubernetes.io/enforce'], 'baseline');
  await assert.rejects(pod.apply(nodePort('revoked')), (err: Error & { status?: number }) => {
    assert.equal(err.status, 403, err.message);
    assert.match(err.message, /type NodePort opens a port on every node, which app .* is not allowed: set "allow: \{ hostPorts: true \}"/);
    return true;
  });
});
