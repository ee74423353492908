/**
 * The periodic drift check writes only what drifted: with nothing changed it reads each object
 * and writes nothing (no apply, no status, no Event); a field taken by someone else, a label
 * removed or an object deleted is applied again, that object alone. Fake API server
 * (test/support/fake-cluster.ts): its managedFields stand for what the API server reports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { API_VERSION } from '../../../engine/crds/types.js';
import { defaultSettings } from '../../../engine/config/load.js';
import { silentLog, type EngineContext } from '../../../engine/controller/context.js';
import { reconcileEnvironment, type ReconcileMemory } from '../../../engine/controller/environment/reconcile.js';
import { EnvironmentIdentities } from '../../../engine/controller/environment/identity.js';
import { projectFields, sameAsLive } from '../../../engine/controller/environment/drift.js';
import { workloadKey } from '../../../engine/controller/environment/apply.js';
import { resyncCronFor } from '../../../engine/controller/resync.js';
import type { GitClient } from '../../../engine/git/index.js';
import type { KubeObject } from '../../../engine/kube/objects.js';
import { FakeCluster, fieldSet } from '../../support/fake-cluster.js';

const NS = 'ria';
const C1 = 'a'.repeat(40);
const DRIFT_MS = 5 * 60_000;
const RIOFILE = 'services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n    replicas: 2\n';

function setup(riofile = RIOFILE) {
  // Setup
  const cluster = new FakeCluster();
  cluster.put({ apiVersion: API_VERSION, kind: 'App', metadata: { name: 'shop', namespace: NS },
    spec: { repo: 'https://git.example.com/acme/shop.git', branches: ['main'], riofile: 'Riofile' } });
  cluster.put({ apiVersion: API_VERSION, kind: 'Environment', metadata: { name: 'shop--main', namespace: NS, generation: 1 },
    spec: { app: 'shop', kind: 'branch', target: 'main', branch: 'main', commit: C1, namespace: 'shop--main' } });
  const git: GitClient = {
    listRemoteRefs: async () => { throw new Error('not used'); },
    fetchCommit: async () => C1,
    readFileAt: async () => riofile,
  };
  const events: string[] = [];
  let clock = Date.UTC(2026, 0, 1);
  const ctx: EngineContext = {
    objects: cluster.objects, identities: new EnvironmentIdentities(cluster.objects, silentLog), git, gitCacheDir: '/nonexistent', namespace: NS,
    settings: defaultSettings, log: silentLog, hooks: {},
    events: { record: async (_target, _type, reason) => { events.push(reason); } },
    now: () => new Date(clock), driftIntervalMs: DRIFT_MS, credentials: async () => undefined, listings: undefined as never,
  };
  const fresh = (): ReconcileMemory => ({ lastApplied: new Map(), applied: new Map(), observed: new Map(), fields: new Map() });
  const s = {
    cluster, events, memory: fresh(),
    /** The engine restarted (or another replica leads): nothing remembered. */
    restart() { s.memory = fresh(); },
    tick(ms: number) { clock += ms; },
    reconcile: () => reconcileEnvironment(ctx, s.memory, NS, 'shop--main'),
    /** Calls made from now on. */
    since() { const n = cluster.calls.length; return () => cluster.calls.slice(n); },
    objects: () => [...cluster.store.values()].filter((o) => o.metadata.namespace === 'shop--main' || (o.kind === 'Namespace' && o.metadata.name === 'shop--main')),
    deployment: () => cluster.find('apps/v1', 'Deployment', 'shop--main', 'web')!,
    /** Another client writes `next` and takes the fields it changed from Ria (as an Update does). */
    editByHand(next: KubeObject, riaFields: Record<string, unknown>) {
      cluster.put({ ...next, metadata: { ...next.metadata, managedFields: [
        { manager: 'ria', operation: 'Apply', fieldsV1: riaFields }, { manager: 'kubectl-edit', operation: 'Update', fieldsV1: {} }] } });
    },
  };
  return s;
}

const writesOf = (calls: FakeCluster['calls']) => calls.filter((c) => !['get', 'list', 'dryRun'].includes(c.verb));

test('a drift check with nothing changed reads each object and writes nothing: no apply, no status, no Event', async () => {
  const s = setup();
  assert.equal((await s.reconcile()).result, 'success');
  const events = s.events.length;
  const objects = s.objects().length;
  assert.ok(objects >= 4, `deployed: ${s.objects().map((o) => o.kind).join(', ')}`);
  // Test
  s.tick(DRIFT_MS);
  const calls = s.since();
  const out = await s.reconcile();
  assert.equal(out.result, 'noop');
  assert.deepEqual(writesOf(calls()), [], 'no write at all');
  assert.equal(calls().filter((c) => c.verb === 'dryRun').length, 0, 'remembered applies: no dry run either');
  assert.ok(calls().filter((c) => c.verb === 'get').length >= objects, 'every object was read (the check ran)');
  assert.equal(s.events.length, events, 'no Event');
  // The check counts as the drift interval's: the next reconcile before the next interval reads nothing.
  const later = s.since();
  s.tick(DRIFT_MS / 2);
  assert.equal((await s.reconcile()).result, 'noop');
  assert.deepEqual(later().filter((c) => c.kind !== 'Environment' && c.kind !== 'App' && c.kind !== 'Gateway'), []);
});

test('after a restart the drift check compares by dry run, writes nothing, and remembers: the next check is reads alone', async () => {
  const s = setup();
  await s.reconcile();
  s.restart();
  // Test
  const first = s.since();
  await s.reconcile(); // a restart's first look: up to date, nothing checked yet
  s.tick(DRIFT_MS);
  assert.equal((await s.reconcile()).result, 'noop');
  assert.deepEqual(writesOf(first()), []);
  assert.ok(first().some((c) => c.verb === 'dryRun'), 'compared by dry run');
  const second = s.since();
  s.tick(DRIFT_MS);
  assert.equal((await s.reconcile()).result, 'noop');
  assert.deepEqual(writesOf(second()), []);
  assert.equal(second().filter((c) => c.verb === 'dryRun').length, 0);
});

test('kubectl scale: the replicas taken from Ria are applied again, the Deployment alone', async () => {
  const s = setup();
  await s.reconcile();
  const d = s.deployment();
  assert.equal((d.spec as { replicas: number }).replicas, 2);
  const fields = fieldSet(d) as { 'f:spec': Record<string, unknown> };
  const { 'f:replicas': _taken, ...spec } = fields['f:spec'];
  s.editByHand({ ...d, spec: { ...(d.spec as object), replicas: 7 } }, { ...fields, 'f:spec': spec });
  // Test
  s.tick(DRIFT_MS);
  const calls = s.since();
  assert.equal((await s.reconcile()).result, 'success');
  assert.deepEqual(writesOf(calls()).map((c) => `${c.verb} ${c.kind}/${c.name}`), ['apply Deployment/web']);
  assert.equal((s.deployment().spec as { replicas: number }).replicas, 2);
});

test('a label removed by hand, or an object deleted, is applied again, that object alone', async () => {
  const s = setup();
  await s.reconcile();
  const svc = s.cluster.find('v1', 'Service', 'shop--main', 'web')!;
  const labels = { ...svc.metadata.labels };
  const removed = Object.keys(labels)[0]!;
  delete labels[removed];
  const { managedFields: _m, ...meta } = svc.metadata;
  s.editByHand({ ...svc, metadata: { ...meta, labels } }, fieldSet({ ...svc, metadata: { ...meta, labels } }));
  // Test
  s.tick(DRIFT_MS);
  let calls = s.since();
  await s.reconcile();
  assert.deepEqual(writesOf(calls()).map((c) => `${c.verb} ${c.kind}/${c.name}`), ['apply Service/web']);
  assert.ok(s.cluster.find('v1', 'Service', 'shop--main', 'web')!.metadata.labels?.[removed], 'label back');

  s.cluster.store.delete('apps/v1|Deployment|shop--main|web');
  s.tick(DRIFT_MS);
  calls = s.since();
  await s.reconcile();
  assert.deepEqual(writesOf(calls()).map((c) => `${c.verb} ${c.kind}/${c.name}`), ['apply Deployment/web']);
  assert.ok(s.deployment(), 'Deployment back');
});

test('sameAsLive: equal but for resourceVersion and managedFields times; any other difference counts', () => {
  const live: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', resourceVersion: '5',
    managedFields: [{ manager: 'ria', operation: 'Apply', time: '2026-01-01T00:00:00Z', fieldsV1: { 'f:spec': {} } }] }, spec: { port: 80 } };
  const answer = structuredClone(live);
  answer.metadata.resourceVersion = '6';
  answer.metadata.managedFields![0]!.time = '2026-01-01T00:05:00Z';
  assert.ok(sameAsLive(answer, live));
  assert.ok(!sameAsLive({ ...answer, spec: { port: 81 } }, live));
  answer.metadata.managedFields![0]!.fieldsV1 = { 'f:spec': { 'f:port': {} } };
  assert.ok(!sameAsLive(answer, live), 'Ria would own another field set');
});

test('the resync ticks every drift interval; intervals no cron field can hold are refused', () => {
  assert.equal(resyncCronFor(5 * 60_000), '0 */5 * * * *');
  assert.equal(resyncCronFor(20_000), '*/20 * * * * *');
  assert.equal(resyncCronFor(3_600_000), '0 0 * * * *');
  assert.throws(() => resyncCronFor(7 * 60_000), /divide a minute or an hour/);
  assert.throws(() => resyncCronFor(90_000), /divide a minute or an hour/);
});

test('a value changed in a field Ria still owns (an apply under Ria\'s manager name, managedFields written back) is drift', async () => {
  const s = setup();
  await s.reconcile();
  const d = s.deployment();
  const riaFields = d.metadata.managedFields!.find((m) => m.manager === 'ria')!.fieldsV1 as Record<string, unknown>;
  const spec = structuredClone(d.spec) as { template: { spec: { containers: { image: string }[] } } };
  spec.template.spec.containers[0]!.image = 'evil/backdoor:1';
  s.editByHand({ ...d, spec }, riaFields);
  // Test
  s.tick(DRIFT_MS);
  const calls = s.since();
  await s.reconcile();
  assert.deepEqual(writesOf(calls()).map((c) => `${c.verb} ${c.kind}/${c.name}`), ['apply Deployment/web']);
  assert.equal((s.deployment().spec as typeof spec).template.spec.containers[0]!.image, 'nginx:1.27');
});

test('an object deleted and made again under the same name (a new uid), Ria\'s field set copied, is drift', async () => {
  const s = setup();
  await s.reconcile();
  const d = s.deployment();
  const riaFields = d.metadata.managedFields!.find((m) => m.manager === 'ria')!.fieldsV1 as Record<string, unknown>;
  s.cluster.store.delete('apps/v1|Deployment|shop--main|web');
  s.editByHand({ ...d, metadata: { ...d.metadata, uid: `${d.metadata.uid ?? ''}-recreated` } }, riaFields);
  // Test
  s.tick(DRIFT_MS);
  const calls = s.since();
  await s.reconcile();
  assert.deepEqual(writesOf(calls()).map((c) => `${c.verb} ${c.kind}/${c.name}`), ['apply Deployment/web']);
});

test('projectFields: the values at the paths of a field set; what others add beside Ria\'s entries is left out', () => {
  const obj = {
    metadata: { labels: { app: 'web', added: 'by someone else' }, annotations: { 'deployment.kubernetes.io/revision': '3' } },
    spec: { ports: [{ port: 80, protocol: 'TCP', name: 'http' }, { port: 9000, protocol: 'TCP' }], finalizers: ['a', 'b'] },
  };
  const fields = {
    'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} }, 'f:annotations': { '.': {} } },
    'f:spec': { 'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:name': {} } }, 'f:finalizers': { 'v:"a"': {} } },
  };
  const projected = projectFields(obj, fields);
  assert.deepEqual(projected, {
    'f:metadata': { 'f:labels': { '.': true, 'f:app': 'web' }, 'f:annotations': { '.': true } },
    'f:spec': { 'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': true, 'f:name': 'http' } }, 'f:finalizers': { 'v:"a"': true } },
  });
  const changed = structuredClone(obj);
  changed.spec.ports[0]!.name = 'web';
  assert.notDeepEqual(projectFields(changed, fields), projected);
  const others = structuredClone(obj);
  others.metadata.labels.added = 'changed';
  others.metadata.annotations['deployment.kubernetes.io/revision'] = '4';
  assert.deepEqual(projectFields(others, fields), projected, 'fields Ria does not own are not compared');
  assert.deepEqual(projectFields(obj, { 'k:not json': {} }), { 'k:not json': null });
});

test('workloadKey: the API group is part of an object\'s key, the version is not', () => {
  const ref = { namespace: 'shop--main', name: 'web' };
  assert.equal(workloadKey({ apiVersion: 'apps/v1', kind: 'Deployment', ...ref }), 'Deployment.apps/shop--main/web');
  assert.equal(workloadKey({ apiVersion: 'example.com/v1', kind: 'Deployment', ...ref }), 'Deployment.example.com/shop--main/web');
  assert.equal(workloadKey({ apiVersion: 'v1', kind: 'Service', ...ref }), 'Service/shop--main/web');
  assert.equal(workloadKey({ apiVersion: 'v1', kind: 'Namespace', name: 'shop--main' }), 'Namespace//shop--main');
  assert.equal(workloadKey({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', ...ref }),
    workloadKey({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', ...ref }), 'one object, served at two versions');
});

test('a custom resource named and kinded like the app\'s Deployment (another API group) neither stands in for its rollout nor shares its drift record', async () => {
  // Setup: a manifest's custom "Deployment" of another group, named web, that says it is rolled out;
  // the app's Deployment web never rolls out.
  const riofile = `${RIOFILE}kubernetes:\n  manifest: |-\n    apiVersion: example.com/v1\n    kind: Deployment\n    metadata:\n      name: web\n    spec:\n      size: 1\n`
    + '    status:\n      observedGeneration: 1\n      replicas: 2\n      updatedReplicas: 2\n      availableReplicas: 2\n';
  const s = setup(riofile);
  s.cluster.rollOut = false;

  // Test
  assert.equal((await s.reconcile()).result, 'requeue', 'waiting for the Deployment to roll out');
  assert.ok(s.cluster.find('example.com/v1', 'Deployment', 'shop--main', 'web'), 'the custom resource was applied');
  assert.equal(s.cluster.find('apps/v1', 'Deployment', 'shop--main', 'web')!.status, undefined);
  const env = s.cluster.find(API_VERSION, 'Environment', NS, 'shop--main')!;
  assert.notEqual((env.status as { phase?: string } | undefined)?.phase, 'Ready', 'not Ready (a first deploy\'s Deploying is held back a few seconds: no status yet)');
  // Each has its own drift record: nothing changed, the check writes nothing and dry-runs nothing.
  assert.ok(s.memory.fields.has('Deployment.apps/shop--main/web') && s.memory.fields.has('Deployment.example.com/shop--main/web'));
  s.cluster.rollOut = true;
  s.cluster.put({ ...s.deployment(), status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 } });
  await s.reconcile();
  s.tick(DRIFT_MS);
  const calls = s.since();
  await s.reconcile();
  assert.deepEqual(writesOf(calls()).filter((c) => c.kind !== 'Environment'), []);
  assert.equal(calls().filter((c) => c.verb === 'dryRun').length, 0);
});
