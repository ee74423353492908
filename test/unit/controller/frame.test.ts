/**
 * The frame step (review9 F2): what the config lets an environment do at the API server (its
 * Namespace's Pod Security labels, route scope and host access, the identity's rights) follows a
 * change of the config also while the commit is refused, and a reconcile whose config did not
 * change reads and writes nothing for it. And the run that started with an older App ends before
 * applying (review9 F8).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { API_VERSION, type Environment } from '../../../engine/crds/types.js';
import { defaultSettings } from '../../../engine/config/load.js';
import { silentLog, type EngineContext } from '../../../engine/controller/context.js';
import { reconcileEnvironment, type ReconcileMemory } from '../../../engine/controller/environment/reconcile.js';
import type { LoadedApp } from '../../../engine/controller/environment/outcome.js';
import { EnvironmentIdentities } from '../../../engine/controller/environment/identity.js';
import { frameContext, frameHash, namespaceFrameObject, urlHosts, withdrawnEntries } from '../../../engine/controller/environment/frame.js';
import { appRenderSettings } from '../../../engine/controller/environment/cluster-settings.js';
import { renderEnvironment } from '../../../engine/controller/environment/render-environment.js';
import { namespaceFrame } from '../../../engine/render/frame.js';
import { render } from '../../../engine/render/index.js';
import { environmentNamespace } from '../../../engine/render/names.js';
import { parseRiofile } from '../../../engine/riofile/index.js';
import { HOST_ACCESS_ANNOTATION } from '../../../engine/render/host-access.js';
import { RouteScopeAnnotations } from '../../../engine/render/route-scope.js';
import { Reason } from '../../../engine/controller/reasons.js';
import type { GitClient } from '../../../engine/git/index.js';
import type { KubeObject } from '../../../engine/kube/objects.js';
import { FakeCluster } from '../../support/fake-cluster.js';

const NS = 'ria';
const C1 = 'a'.repeat(40);
const C2 = 'b'.repeat(40);
const HOSTPORT = 'services:\n  web:\n    image: nginx:1.27\n    ports:\n    - 80/http\n    - 9090/tcp,hostport\n';
const ROLES = 'services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n    permissions:\n    - get,list configmaps\n';
const PLAIN = 'services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n';

function setup(riofile: string, allow: Record<string, unknown>) {
  // Setup: an App, its main Environment at C1, a git client serving the Riofile of each commit.
  const cluster = new FakeCluster();
  cluster.put({ apiVersion: API_VERSION, kind: 'App', metadata: { name: 'shop', namespace: NS, uid: 'shop-uid' },
    spec: { repo: 'https://git.example.com/acme/shop.git', branches: ['main'], riofile: 'Riofile', allow } });
  cluster.put({ apiVersion: API_VERSION, kind: 'Environment', metadata: { name: 'shop--main', namespace: NS, generation: 1 },
    spec: { app: 'shop', kind: 'branch', target: 'main', branch: 'main', commit: C1, namespace: 'shop--main' } });
  const files: Record<string, string> = { [C1]: riofile };
  const git: GitClient = {
    listRemoteRefs: async () => { throw new Error('not used'); },
    fetchCommit: async (o) => o.sha ?? C1,
    readFileAt: async (o) => files[o.sha] ?? null,
  };
  let clock = Date.UTC(2026, 0, 1);
  const events: string[] = [];
  const ctx: EngineContext = {
    objects: cluster.objects, identities: new EnvironmentIdentities(cluster.objects, silentLog), git, gitCacheDir: '/nonexistent', namespace: NS, settings: defaultSettings, log: silentLog,
    hooks: {}, events: { record: async (_t, type, reason, message) => { events.push(`${type} ${reason}: ${message}`); } },
    now: () => new Date(clock), driftIntervalMs: 5 * 60_000, credentials: async () => undefined, listings: undefined as never,
  };
  const memory: ReconcileMemory = { lastApplied: new Map(), applied: new Map(), observed: new Map(), fields: new Map() };
  const app = () => cluster.find(API_VERSION, 'App', NS, 'shop') as unknown as LoadedApp;
  return {
    cluster, ctx, memory, events, files,
    tick(ms: number) { clock += ms; },
    reconcile: (appOf?: () => LoadedApp | undefined) => reconcileEnvironment(ctx, memory, NS, 'shop--main', undefined, undefined, appOf),
    env: () => cluster.find(API_VERSION, 'Environment', NS, 'shop--main') as unknown as Environment,
    namespace: () => cluster.find('v1', 'Namespace', '', 'shop--main')!,
    /** The operator changes apps/shop.yaml: the config sync writes the App's spec. */
    setAllow(next: Record<string, unknown>) {
      const a = app();
      cluster.put({ ...a, spec: { ...a.spec, allow: next } } as unknown as KubeObject);
    },
    push(commit: string, text: string) {
      files[commit] = text;
      const env = cluster.find(API_VERSION, 'Environment', NS, 'shop--main')!;
      cluster.put({ ...env, spec: { ...(env.spec as object), commit }, metadata: { ...env.metadata, generation: (env.metadata.generation ?? 1) + 1 } });
    },
    calls: () => cluster.calls.filter((c) => c.kind !== 'Environment' && c.kind !== 'App').map((c) => `${c.verb} ${c.kind}/${c.name ?? ''}`),
  };
}

test('revoking hostPorts while the commit keeps a hostPort: PolicyDenied, and the namespace no longer grants it (F2)', async () => {
  const s = setup(HOSTPORT, { hostPorts: true });
  assert.equal((await s.reconcile()).result, 'success');
  assert.equal(s.namespace().metadata.annotations?.[HOST_ACCESS_ANNOTATION], 'hostPorts');
  assert.equal(s.namespace().metadata.labels?.['pod-security.kubernetes.io/enforce'], 'privileged');
  // Test
  s.setAllow({});
  s.cluster.calls.length = 0;
  const outcome = await s.reconcile();
  assert.equal(outcome.result, 'stalled');
  assert.equal(s.env().status?.conditions?.find((c) => c.type === 'Ready')?.reason, Reason.PolicyDenied);
  assert.equal(s.namespace().metadata.annotations?.[HOST_ACCESS_ANNOTATION], '', 'the frame is written though the commit is refused');
  assert.equal(s.namespace().metadata.labels?.['pod-security.kubernetes.io/enforce'], 'baseline');
  assert.deepEqual(s.calls(), ['get Namespace/shop--main', 'apply Namespace/shop--main'], 'one read and one write, nothing else');
  // The same config again (a resync, a drift check due): the frame is not read or written again.
  s.cluster.calls.length = 0;
  assert.equal((await s.reconcile()).result, 'noop');
  s.tick(10 * 60_000);
  await s.reconcile();
  assert.ok(!s.calls().some((c) => c.includes('Namespace')), s.calls().join(', '));
  assert.equal(s.cluster.writes, 0, 'a stalled environment whose config did not change writes nothing');
});

test('a reconcile of a deployed environment whose config did not change reads and writes nothing for the frame', async () => {
  const s = setup(HOSTPORT, { hostPorts: true });
  await s.reconcile();
  assert.ok(s.env().status?.frameHash, 'recorded by the first deploy');
  s.cluster.calls.length = 0;
  assert.equal((await s.reconcile()).result, 'noop');
  assert.deepEqual(s.calls(), [], 'a no-op reconcile makes no request but its own reads of the Environment and App');
  // A new commit: the frame is the same, the render's apply writes the Namespace as before (no extra request).
  s.push(C2, HOSTPORT.replace('nginx:1.27', 'nginx:1.28'));
  s.cluster.calls.length = 0;
  await s.reconcile();
  // (The apply reads the Namespace before writing it, as it always did: its ownership check.)
  assert.deepEqual(s.calls().filter((c) => c.endsWith('Namespace/shop--main')), ['get Namespace/shop--main', 'apply Namespace/shop--main']);
});

test('after an upgrade, a stalled environment whose namespace an older engine wrote without host-access gets it on its first reconcile (F11)', async () => {
  const s = setup(HOSTPORT, { hostPorts: true });
  await s.reconcile();
  s.push(C2, `${HOSTPORT}    privileged: true\n`);
  assert.equal((await s.reconcile()).result, 'stalled');
  // What an older engine left: no annotation on the namespace, no frame recorded.
  const ns = s.namespace();
  s.cluster.put({ ...ns, metadata: { ...ns.metadata, annotations: {} } });
  const env = s.env();
  const { frameHash: _recorded, ...status } = env.status!;
  s.cluster.put({ ...env, status } as unknown as KubeObject);
  s.memory.lastApplied.clear();
  // Test: the first reconcile of the new engine is not a no-op.
  s.cluster.calls.length = 0;
  assert.equal((await s.reconcile()).result, 'stalled');
  assert.equal(s.namespace().metadata.annotations?.[HOST_ACCESS_ANNOTATION], 'hostPorts');
  assert.ok(s.env().status?.frameHash);
  s.cluster.calls.length = 0;
  assert.equal((await s.reconcile()).result, 'noop');
  assert.deepEqual(s.calls(), []);
});

test('an environment that never applied anything gets no frame write: its first apply writes it', async () => {
  const s = setup(HOSTPORT, {});
  assert.equal((await s.reconcile()).result, 'stalled');
  assert.equal(s.cluster.find('v1', 'Namespace', '', 'shop--main'), undefined);
  // A refused run with no inventory looks for a namespace an earlier apply left (review10 F4): none, so no frame is recorded.
  assert.deepEqual(s.calls(), ['get Namespace/shop--main'], 'nothing else but the Environment (its finalizer, its status)');
  assert.equal(s.env().status?.frameHash, undefined, 'not recorded: nothing was made to hold');
  // Allowed now: the first apply writes the frame and records it, with no read more than the apply's own.
  s.setAllow({ hostPorts: true });
  s.cluster.calls.length = 0;
  assert.equal((await s.reconcile()).result, 'success');
  assert.deepEqual(s.calls().filter((c) => c.endsWith('Namespace/shop--main')), ['get Namespace/shop--main', 'apply Namespace/shop--main']);
  assert.ok(s.env().status?.frameHash);
  assert.equal(s.namespace().metadata.annotations?.[HOST_ACCESS_ANNOTATION], 'hostPorts');
});

test('no inventory recorded (a first apply that failed half-way, or whose status was never written) and the config revoked: the namespace gets the narrowed frame and loses the Roles though the commit is refused (review10 F4)', async () => {
  const s = setup(`${HOSTPORT}    permissions:\n    - get,list configmaps\n`, { hostPorts: true, permissions: true });
  assert.equal((await s.reconcile()).result, 'success');
  const before = (s.env().status?.inventory ?? []).filter((e) => e.apiVersion.startsWith('rbac.') && e.name !== 'ria-environment');
  assert.ok(before.some((e) => e.name === 'ria-environment-permissions') && before.some((e) => e.kind === 'Role'), before.map((e) => e.name).join(', '));
  const rbac = () => before.filter((e) => s.cluster.find(e.apiVersion, e.kind, e.namespace, e.name)).length;
  // What such an apply leaves: its objects live, the Environment with no status (no inventory, no frame).
  const env = s.env();
  s.cluster.put({ ...env, status: undefined } as unknown as KubeObject);
  s.memory.lastApplied.clear();
  s.memory.pending?.clear();
  // Test
  s.setAllow({});
  assert.equal((await s.reconcile()).result, 'stalled');
  assert.equal(s.env().status?.conditions?.find((c) => c.type === 'Ready')?.reason, Reason.PolicyDenied);
  assert.equal(s.namespace().metadata.annotations?.[HOST_ACCESS_ANNOTATION], '', 'the frame is written though no inventory names the namespace');
  assert.equal(s.namespace().metadata.labels?.['pod-security.kubernetes.io/enforce'], 'baseline');
  assert.equal(rbac(), 0, 'the Roles and bindings the config withdrew are deleted');
  assert.ok(s.cluster.find('rbac.authorization.k8s.io/v1', 'RoleBinding', 'shop--main', 'ria-environment'), 'the identity\'s base binding stays');
  assert.equal(s.env().status?.inventory, undefined, 'still no inventory: the next apply finds the rest in the namespace');
  assert.ok(s.env().status?.frameHash, 'recorded once it holds');
  // The same config again: nothing read or written for the frame.
  s.cluster.calls.length = 0;
  assert.equal((await s.reconcile()).result, 'noop');
  assert.deepEqual(s.calls(), []);
});

test('revoking permissions while the commit keeps its Role: the Role, its binding and the identity\'s permissions binding are deleted (F2)', async () => {
  const s = setup(ROLES, { permissions: true });
  assert.equal((await s.reconcile()).result, 'success');
  const rbac = () => (s.env().status?.inventory ?? []).filter((e) => e.apiVersion.startsWith('rbac.')).map((e) => `${e.kind}/${e.name}`).sort();
  const before = rbac();
  assert.ok(before.includes('RoleBinding/ria-environment-permissions'), before.join(', '));
  assert.ok(before.some((e) => e.startsWith('Role/')), before.join(', '));
  // Test
  s.setAllow({});
  assert.equal((await s.reconcile()).result, 'stalled');
  assert.deepEqual(rbac(), ['RoleBinding/ria-environment'], 'only the identity\'s base binding is left');
  for (const name of before.filter((e) => e !== 'RoleBinding/ria-environment')) {
    const [kind, n] = name.split('/') as [string, string];
    assert.equal(s.cluster.find('rbac.authorization.k8s.io/v1', kind, 'shop--main', n), undefined, `${name} deleted`);
  }
  assert.ok(s.cluster.find('rbac.authorization.k8s.io/v1', 'RoleBinding', 'shop--main', 'ria-environment'));
  assert.ok(s.events.some((e) => /^Normal Pruned: .*no longer allows/.test(e)), s.events.join('\n'));
  // Granted again, the commit unchanged: the same render is applied again (widening waits for it).
  s.setAllow({ permissions: true });
  assert.equal((await s.reconcile()).result, 'success');
  assert.deepEqual(rbac(), before);
});

test('a run whose App changed while it ran ends before applying, waiting, and is reconciled again (F8)', async () => {
  const s = setup(PLAIN, { hostPorts: true });
  const started = structuredClone(s.cluster.find(API_VERSION, 'App', NS, 'shop')) as unknown as LoadedApp;
  started.metadata.resourceVersion = '50';
  let calls = 0;
  // The view hands the run the App it started with, then the one the config sync wrote since.
  const appOf = () => (calls++ === 0 ? started : { ...started, spec: { ...started.spec, allow: {} }, metadata: { ...started.metadata, resourceVersion: '999' } });
  // Test
  const outcome = await s.reconcile(appOf);
  assert.equal(outcome.result, 'requeue');
  assert.equal(outcome.requeueAfterMs, 0);
  assert.equal(s.env().status?.conditions?.find((c) => c.type === 'Reconciling')?.reason, Reason.AppChanged);
  assert.deepEqual(s.calls().filter((c) => !c.startsWith('get')), [], 'nothing applied with the older App');
  // An older copy than the run's is no news; a newer App of the same spec (its status written) changes nothing the run used: it applies.
  let asked = 0;
  const older = () => (asked++ === 0 ? started : { ...started, spec: { ...started.spec, allow: {} }, metadata: { ...started.metadata, resourceVersion: '40' } });
  assert.equal((await s.reconcile(older)).result, 'success');
  s.push(C2, PLAIN.replace('nginx:1.27', 'nginx:1.28'));
  const same = () => ({ ...started, metadata: { ...started.metadata, resourceVersion: '1000' } });
  assert.equal((await s.reconcile(same)).result, 'success');
});

test('the frame computed from the config and the last render\'s URLs is what the render wrote (no write after a deploy)', () => {
  const settings = { ...defaultSettings(), domain: 'apps.example.com' };
  const cases: Array<{ branch: string; spec: Record<string, unknown>; riofile: string }> = [
    { branch: 'main', spec: { allow: { hostPorts: true, capabilities: ['NET_ADMIN'] }, domains: ['shop.example.com'] }, riofile: HOSTPORT },
    // Long names: the endpoint hostnames are shortened, and listed in route-hostnames.
    { branch: 'feature/a-very-long-branch-name-that-does-not-fit', spec: {}, riofile: 'services:\n  a-service-with-a-rather-long-name:\n    image: nginx:1.27\n    ports: 80/http\n' },
  ];
  for (const c of cases) {
    const spec = { repo: 'https://git.example.com/acme/shop.git', branches: ['main', 'feature/*'], riofile: 'Riofile', ...c.spec };
    const namespace = environmentNamespace({ app: 'shop', kind: 'branch', branch: c.branch, commit: C1 });
    const env = { apiVersion: API_VERSION, kind: 'Environment', metadata: { name: namespace, namespace: NS },
      spec: { app: 'shop', kind: 'branch' as const, target: c.branch, branch: c.branch, commit: C1, namespace } } as Environment;
    const renderEnv = renderEnvironment(env);
    const rendered = render({ riofile: parseRiofile(c.riofile, { file: 'Riofile' }), environment: renderEnv,
      ...appRenderSettings(settings, spec, NS, undefined, c.branch === 'main') });
    const ns = rendered.objects.find((o) => o.kind === 'Namespace')!;
    const frame = namespaceFrame(frameContext(settings, spec, env, NS), urlHosts(rendered.urls));
    assert.equal(namespaceFrameObject(ns as KubeObject, frame), undefined, `${c.branch}: ${JSON.stringify(ns.metadata.annotations)}`);
    if (c.branch !== 'main') assert.notEqual(ns.metadata.annotations?.[RouteScopeAnnotations.hostnames], '', 'a shortened hostname is listed');
  }
});

test('pure: the frame hash follows the config, not the commit', () => {
  const settings = defaultSettings();
  const env = { apiVersion: API_VERSION, kind: 'Environment', metadata: { name: 'shop--main', namespace: NS },
    spec: { app: 'shop', kind: 'branch' as const, target: 'main', branch: 'main', commit: C1, namespace: 'shop--main' } } as Environment;
  const spec = { repo: 'https://git.example.com/acme/shop.git', branches: ['main'], riofile: 'Riofile', allow: { hostPorts: true } };
  const hash = (s: typeof spec, e = env) => frameHash(frameContext(settings, s, e, NS), s);
  assert.equal(hash(spec), hash(spec, { ...env, spec: { ...env.spec, commit: C2 } }));
  assert.notEqual(hash(spec), hash({ ...spec, allow: {} } as typeof spec));
  assert.notEqual(hash(spec), hash({ ...spec, allow: { hostPorts: true, permissions: true } } as typeof spec));
  assert.notEqual(hash(spec), hash({ ...spec, domains: ['shop.example.com'] } as typeof spec), 'a custom domain of the production branch');
});

test('pure: the Namespace the frame applies keeps Ria\'s own keys its manager owns there, not a manifest\'s, and is not applied when it holds', () => {
  const frame = { labels: { 'pod-security.kubernetes.io/enforce': 'baseline' }, annotations: { [HOST_ACCESS_ANNOTATION]: '' } };
  const live: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: {
    name: 'shop--main',
    labels: { 'ria.dev/app': 'shop', 'team': 'a', 'kubernetes.io/metadata.name': 'shop--main', 'pod-security.kubernetes.io/enforce': 'privileged' },
    annotations: { [HOST_ACCESS_ANNOTATION]: 'hostPorts', 'note': 'by hand' },
    managedFields: [{ manager: 'ria', operation: 'Apply', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:ria.dev/app': {}, 'f:team': {}, 'f:pod-security.kubernetes.io/enforce': {} },
      'f:annotations': { [`f:${HOST_ACCESS_ANNOTATION}`]: {} } } } }],
  } };
  assert.deepEqual(namespaceFrameObject(live, frame)?.metadata, { name: 'shop--main',
    labels: { 'ria.dev/app': 'shop', 'pod-security.kubernetes.io/enforce': 'baseline' }, annotations: { [HOST_ACCESS_ANNOTATION]: '' } });
  const holding = { ...live, metadata: { ...live.metadata, labels: { ...live.metadata.labels, 'pod-security.kubernetes.io/enforce': 'baseline' }, annotations: { [HOST_ACCESS_ANNOTATION]: '' } } };
  // A label a Namespace manifest added before Ria refused them (team, applied by Ria's manager): written, without it.
  assert.deepEqual(namespaceFrameObject(holding, frame)?.metadata.labels, { 'ria.dev/app': 'shop', 'pod-security.kubernetes.io/enforce': 'baseline' });
  const fields = { 'f:metadata': { 'f:labels': { 'f:ria.dev/app': {}, 'f:pod-security.kubernetes.io/enforce': {} }, 'f:annotations': { [`f:${HOST_ACCESS_ANNOTATION}`]: {} } } };
  assert.equal(namespaceFrameObject({ ...holding, metadata: { ...holding.metadata, managedFields: [{ manager: 'ria', operation: 'Apply', fieldsV1: fields }] } }, frame), undefined,
    'holds: the label team is another manager\'s');
});

test('pure: the rights withdrawn are the environment\'s RBAC objects the config no longer allows, the identity\'s binding last', () => {
  const rbac = 'rbac.authorization.k8s.io/v1';
  const inventory = [
    { apiVersion: 'v1', kind: 'Namespace', name: 'shop--main' },
    { apiVersion: rbac, kind: 'RoleBinding', namespace: 'shop--main', name: 'ria-environment' },
    { apiVersion: rbac, kind: 'RoleBinding', namespace: 'shop--main', name: 'ria-environment-permissions' },
    { apiVersion: rbac, kind: 'Role', namespace: 'shop--main', name: 'web' },
    { apiVersion: rbac, kind: 'RoleBinding', namespace: 'shop--main', name: 'web' },
    { apiVersion: rbac, kind: 'ClusterRole', name: 'shop--main-web' },
    { apiVersion: 'v1', kind: 'Service', namespace: 'shop--main', name: 'web' },
  ];
  const names = (allow: { permissions: boolean; globalPermissions: boolean }) => withdrawnEntries(inventory, allow, 'shop--main').map((e) => `${e.kind}/${e.name}`);
  assert.deepEqual(names({ permissions: true, globalPermissions: true }), []);
  assert.deepEqual(names({ permissions: false, globalPermissions: true }), ['Role/web', 'RoleBinding/web', 'RoleBinding/ria-environment-permissions']);
  assert.deepEqual(names({ permissions: true, globalPermissions: false }), ['ClusterRole/shop--main-web']);
});
