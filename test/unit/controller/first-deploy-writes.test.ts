/**
 * What a first deploy writes to the API server beyond the environment's own objects (issue 15:
 * a cold start of N apps is N first deploys, CPU-bound on the API server): the Environment once,
 * created with its finalizer; no access review ahead of the first write as the environment's
 * identity; one Event, `Deployed`, when it is Ready.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { API_VERSION, ENVIRONMENT_FINALIZER, type App, type Environment } from '../../../engine/crds/types.js';
import { defaultSettings } from '../../../engine/config/load.js';
import { silentLog, type EngineContext } from '../../../engine/controller/context.js';
import { syncApp } from '../../../engine/controller/app/sync.js';
import { reconcileEnvironment, type ReconcileMemory } from '../../../engine/controller/environment/reconcile.js';
import { EnvironmentIdentities } from '../../../engine/controller/environment/identity.js';
import { Reason } from '../../../engine/controller/reasons.js';
import type { GitClient } from '../../../engine/git/index.js';
import { FakeCluster } from '../../support/fake-cluster.js';

const NS = 'ria';
const C1 = 'a'.repeat(40);
const WEB = 'services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n';

function setup() {
  // Setup: an App as the config sync left it, a repository with one branch.
  const cluster = new FakeCluster();
  cluster.put({ apiVersion: API_VERSION, kind: 'App', metadata: { name: 'shop', namespace: NS, uid: 'shop-uid' },
    spec: { repo: 'https://git.example.com/acme/shop.git', branches: ['main'], riofile: 'Riofile' } });
  const git: GitClient = {
    listRemoteRefs: async () => { throw new Error('not used'); },
    fetchCommit: async (o) => o.sha ?? C1,
    readFileAt: async () => WEB,
  };
  const events: string[] = [];
  const identities = new EnvironmentIdentities(cluster.objects, silentLog);
  let reviews = 0;
  const waitAuthorized = identities.waitAuthorized.bind(identities);
  identities.waitAuthorized = async (namespace) => { reviews++; return waitAuthorized(namespace); };
  const ctx: EngineContext = {
    objects: cluster.objects, identities, git, gitCacheDir: '/nonexistent', namespace: NS, settings: defaultSettings, log: silentLog, hooks: {},
    events: { record: async (_target, type, reason, message) => { events.push(`${type} ${reason}: ${message}`); } },
    now: () => new Date(Date.UTC(2026, 0, 1)), driftIntervalMs: 5 * 60_000, credentials: async () => undefined,
    listings: { get: async () => ({ refs: new Map([['refs/heads/main', C1]]) }) } as never,
  };
  const memory: ReconcileMemory = { lastApplied: new Map(), applied: new Map(), observed: new Map(), fields: new Map() };
  const app = () => cluster.find(API_VERSION, 'App', NS, 'shop') as unknown as App & { metadata: { name: string } };
  return {
    cluster, ctx, events, reviews: () => reviews,
    sync: () => syncApp(ctx, 'shop', [], { app: app() }),
    reconcile: () => reconcileEnvironment(ctx, memory, NS, 'shop--main'),
    env: () => cluster.find(API_VERSION, 'Environment', NS, 'shop--main') as unknown as Environment,
    environmentWrites: () => writesOf(cluster, 'Environment'),
  };
}

function writesOf(cluster: FakeCluster, kind: string): string[] {
  return cluster.calls.filter((c) => c.kind === kind && c.verb !== 'get' && c.verb !== 'list').map((c) => c.verb);
}

test('a first deploy writes the Environment once, created with its finalizer, and its status once', async () => {
  const s = setup();
  // Test
  assert.deepEqual(await s.sync(), { ok: true, changed: 1 });
  assert.deepEqual(s.env().metadata.finalizers, [ENVIRONMENT_FINALIZER], 'the finalizer comes with the creation');
  assert.equal((await s.reconcile()).result, 'success');
  assert.equal(s.env().status?.phase, 'Ready');
  assert.deepEqual(s.environmentWrites(), ['apply', 'applyStatus'], 'no patch adding the finalizer');
  assert.deepEqual(s.env().metadata.finalizers, [ENVIRONMENT_FINALIZER]);
});

test('an Environment without the finalizer (made by an older engine, or removed by hand) still gets it from the reconcile', async () => {
  const s = setup();
  await s.sync();
  const env = s.env();
  s.cluster.put({ ...env, metadata: { ...env.metadata, finalizers: [] } } as never);
  assert.equal((await s.reconcile()).result, 'success');
  assert.deepEqual(s.env().metadata.finalizers, [ENVIRONMENT_FINALIZER]);
});

test('the app sync leaves an Environment being deleted alone (its finalizer is the teardown\'s); recreated once gone', async () => {
  const s = setup();
  await s.sync();
  const env = s.env();
  s.cluster.put({ ...env, spec: { ...env.spec, commit: 'b'.repeat(40) }, metadata: { ...env.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } } as never);
  const writes = s.environmentWrites().length;
  assert.deepEqual(await s.sync(), { ok: true, changed: 0 });
  assert.equal(s.environmentWrites().length, writes, 'no write to the Environment being deleted');
  s.cluster.store.delete(`${API_VERSION}|Environment|${NS}|shop--main`);
  assert.deepEqual(await s.sync(), { ok: true, changed: 1 });
  assert.equal(s.env().spec.commit, C1);
});

test('a first deploy asks no access review while its new binding works; a refused first object is tried again a moment later, refused twice the engine waits for the binding', async () => {
  const s = setup();
  await s.sync();
  assert.equal((await s.reconcile()).result, 'success');
  assert.equal(s.reviews(), 0, 'no SelfSubjectAccessReview ahead of the environment\'s writes');
  const applied = s.cluster.calls.filter((c) => c.verb === 'apply').map((c) => c.kind);
  assert.ok(applied.indexOf('RoleBinding') < applied.indexOf('ServiceAccount'), 'the binding first: the ServiceAccount\'s write is the moment it takes');
  assert.equal(applied[applied.indexOf('ServiceAccount') + 1], 'Deployment', 'the first object written as the environment');
  // The authorizer has not seen the new binding yet: the first write as the environment is refused once.
  const t = setup();
  await t.sync();
  t.cluster.fail({ verb: 'apply', kind: 'Deployment', error: FakeCluster.apiError(403, 'User "system:serviceaccount:shop--main:ria-environment" cannot patch resource "deployments"'), times: 1 });
  assert.equal((await t.reconcile()).result, 'success');
  assert.equal(t.reviews(), 0, 'tried again a moment later, without asking');
  assert.equal(t.env().status?.phase, 'Ready');
  assert.equal(t.cluster.calls.filter((c) => c.verb === 'apply' && c.kind === 'Deployment').length, 2, 'the refused object tried again');
  const u = setup();
  await u.sync();
  u.cluster.fail({ verb: 'apply', kind: 'Deployment', error: FakeCluster.apiError(403, 'cannot patch resource "deployments"'), times: 2 });
  assert.equal((await u.reconcile()).result, 'success');
  assert.equal(u.reviews(), 1, 'refused twice: waited for the binding');
  assert.equal(u.cluster.calls.filter((c) => c.verb === 'apply' && c.kind === 'Deployment').length, 3);
});

test('a refusal that is not the binding\'s lag (still refused once the binding works) fails the reconcile as before', async () => {
  const s = setup();
  await s.sync();
  s.cluster.fail({ verb: 'apply', kind: 'Deployment', error: FakeCluster.apiError(403, 'exceeded quota: deployments') });
  assert.equal((await s.reconcile()).result, 'failed');
  assert.equal(s.env().status?.conditions?.find((c) => c.type === 'Ready')?.reason, Reason.ApplyRefused);
  assert.match(s.env().status?.lastError?.message ?? '', /exceeded quota/);
});

test('a first deploy records one Event: Deployed, with the commit and the objects applied', async () => {
  const s = setup();
  await s.sync();
  await s.reconcile();
  assert.deepEqual(s.events, ['Normal Deployed: deployed aaaaaaa (7 objects)']);
});

/** A first deploy applied, its Deployment created and not rolled out: the reconcile waits. */
async function waitingForRollout() {
  const s = setup();
  await s.sync();
  s.cluster.rollOut = false;
  assert.equal((await s.reconcile()).result, 'requeue');
  return s;
}

test('a first deploy waiting for its rollout records no Event until Ready; then one Deployed', async () => {
  const s = await waitingForRollout();
  assert.equal(s.env().status?.phase, 'Deploying');
  assert.deepEqual(s.events, [], 'the apply and the wait are in the status, not Events');
  const d = s.cluster.find('apps/v1', 'Deployment', 'shop--main', 'web')!;
  s.cluster.put({ ...d, status: { observedGeneration: d.metadata.generation, replicas: 1, updatedReplicas: 1, availableReplicas: 1 } });
  assert.equal((await s.reconcile()).result, 'success');
  assert.deepEqual(s.events, ['Normal Deployed: deployed aaaaaaa (7 objects)']);
});

test('the controller\'s first status of a new Deployment (observed, none available) changes nothing shown: no status write; a stuck one does', async () => {
  const s = await waitingForRollout();
  const ready = () => s.env().status?.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready()?.message, 'Deployment/web: 0/1 available', 'a Deployment just created: none available');
  const d = s.cluster.find('apps/v1', 'Deployment', 'shop--main', 'web')!;
  s.cluster.put({ ...d, status: { observedGeneration: d.metadata.generation, replicas: 1, updatedReplicas: 1, unavailableReplicas: 1 } });
  const writes = s.environmentWrites().length;
  assert.equal((await s.reconcile()).result, 'requeue');
  assert.deepEqual(s.environmentWrites().slice(writes), [], 'the same shown: no status write');
  // Past its progress deadline: said.
  s.cluster.put({ ...d, status: { observedGeneration: d.metadata.generation, replicas: 1, unavailableReplicas: 1,
    conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-1" has timed out progressing.' }] } });
  assert.equal((await s.reconcile()).result, 'requeue');
  assert.deepEqual(s.environmentWrites().slice(writes), ['applyStatus']);
  assert.equal(ready()?.message, 'Deployment/web: ReplicaSet "web-1" has timed out progressing.');
  assert.deepEqual(s.events, ['Warning ProgressDeadlineExceeded: rollout of aaaaaaa stuck: Deployment/web: ReplicaSet "web-1" has timed out progressing.'],
    'a stuck rollout is a Warning, the one Event so far');
  assert.equal((await s.reconcile()).result, 'requeue');
  assert.equal(s.events.length, 1, 'still stuck: nothing more recorded');
});

test('each deployed commit is one Deployed, also one whose render changed nothing; a no-op records none', async () => {
  const s = setup();
  await s.sync();
  await s.reconcile();
  const env = s.env();
  const C2 = 'c'.repeat(40);
  s.cluster.put({ ...env, spec: { ...env.spec, commit: C2 }, metadata: { ...env.metadata, generation: (env.metadata.generation ?? 1) + 1 } } as never);
  assert.equal((await s.reconcile()).result, 'success');
  assert.deepEqual(s.events, ['Normal Deployed: deployed aaaaaaa (7 objects)', 'Normal Deployed: deployed ccccccc (7 objects)']);
  assert.equal((await s.reconcile()).result, 'noop');
  assert.equal(s.events.length, 2);
});
