/**
 * What a first deploy writes to the API server beyond the environment's own objects (issue 15:
 * a cold start of N apps is N first deploys, CPU-bound on the API server): the Environment once,
 * created with its finalizer; no access review ahead of the first write as the environment's
 * identity; one Event, `Deployed`, when it is Ready. A new App's status once (the config sync's
 * conditions with the app sync's).
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
import { FIRST_DEPLOY_GRACE_MS, mayHoldBack } from '../../../engine/controller/environment/pending-status.js';
import type { GitClient } from '../../../engine/git/index.js';
import { FakeCluster } from '../../support/fake-cluster.js';
import { tempDir } from '../../support/temp-dir.js';
import { syncConfig, type ConfigState } from '../../../engine/controller/config/sync.js';
import { commitFiles, createRepo } from '../../../engine/dev/git-fixtures.js';
import fs from 'node:fs';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';

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
  let nowMs = Date.UTC(2026, 0, 1);
  let reviews = 0;
  const waitAuthorized = identities.waitAuthorized.bind(identities);
  identities.waitAuthorized = async (namespace) => { reviews++; return waitAuthorized(namespace); };
  const ctx: EngineContext = {
    objects: cluster.objects, identities, git, gitCacheDir: '/nonexistent', namespace: NS, settings: defaultSettings, log: silentLog, hooks: {},
    events: { record: async (_target, type, reason, message) => { events.push(`${type} ${reason}: ${message}`); } },
    now: () => new Date(nowMs), driftIntervalMs: 5 * 60_000, credentials: async () => undefined,
    listings: { get: async () => ({ refs: new Map([['refs/heads/main', C1]]) }) } as never,
  };
  const memory: ReconcileMemory = { lastApplied: new Map(), applied: new Map(), observed: new Map(), fields: new Map() };
  const app = () => cluster.find(API_VERSION, 'App', NS, 'shop') as unknown as App & { metadata: { name: string } };
  return {
    cluster, ctx, events, memory, reviews: () => reviews, advance: (ms: number) => { nowMs += ms; },
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

/** A first deploy applied, its Deployment created and not rolled out: the reconcile waits, its status held back. */
async function waitingForRollout() {
  const s = setup();
  await s.sync();
  s.cluster.rollOut = false;
  const first = await s.reconcile();
  assert.equal(first.result, 'requeue');
  assert.equal(first.requeueAfterMs, FIRST_DEPLOY_GRACE_MS, 'looked at again when the grace is over, at the latest');
  return s;
}

function rolledOut(s: ReturnType<typeof setup>): void {
  const d = s.cluster.find('apps/v1', 'Deployment', 'shop--main', 'web')!;
  s.cluster.put({ ...d, status: { observedGeneration: d.metadata.generation, replicas: 1, updatedReplicas: 1, availableReplicas: 1 } });
}

test('a first deploy rolled out within the grace writes its status once, Ready (before: Deploying, then Ready); no Event until then', async () => {
  const s = await waitingForRollout();
  assert.equal(s.env().status, undefined, 'Deploying held back');
  assert.deepEqual(s.environmentWrites(), ['apply'], 'no status write yet');
  assert.deepEqual(s.events, [], 'the apply and the wait are in the status, not Events');
  // The controller's first status (observed, none available) wakes it: still within the grace, still held.
  const d = s.cluster.find('apps/v1', 'Deployment', 'shop--main', 'web')!;
  s.cluster.put({ ...d, status: { observedGeneration: d.metadata.generation, replicas: 1, updatedReplicas: 1, unavailableReplicas: 1 } });
  s.advance(3_000);
  const again = await s.reconcile();
  assert.equal(again.result, 'requeue');
  assert.equal(again.requeueAfterMs, FIRST_DEPLOY_GRACE_MS - 3_000, 'the grace counts from the first hold');
  assert.equal(s.env().status, undefined);
  rolledOut(s);
  s.advance(1_000);
  assert.equal((await s.reconcile()).result, 'success');
  assert.equal(s.env().status?.phase, 'Ready');
  assert.deepEqual(s.environmentWrites(), ['apply', 'applyStatus'], 'one status write in all');
  assert.equal(s.env().status?.inventory?.length, 7, 'the inventory of the first reconcile\'s apply');
  assert.equal(s.cluster.calls.filter((c) => c.verb === 'apply' && c.kind === 'Deployment').length, 1, 'not applied again: the held status was the next reconcile\'s start');
  assert.deepEqual(s.events, ['Normal Deployed: deployed aaaaaaa (7 objects)']);
  assert.equal(s.memory.pending?.size ?? 0, 0);
});

test('a first deploy still rolling out when the grace is over is shown Deploying from then on; the controller\'s first status changes nothing shown; a stuck one does', async () => {
  const s = await waitingForRollout();
  s.advance(FIRST_DEPLOY_GRACE_MS);
  assert.equal((await s.reconcile()).result, 'requeue');
  assert.equal(s.env().status?.phase, 'Deploying');
  const ready = () => s.env().status?.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready()?.message, 'Deployment/web: 0/1 available', 'a Deployment just created: none available');
  assert.ok(ready()?.lastTransitionTime, 'written');
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
  rolledOut(s);
  assert.equal((await s.reconcile()).result, 'success');
  assert.deepEqual(s.events.slice(1), ['Normal Deployed: deployed aaaaaaa (7 objects)']);
});

test('a held-back first deploy: a failure is written at once; a rollout stuck at once is written; a deletion tears down what the held status lists', async () => {
  // A failure within the grace (the Deployment read fails): written, from the held status.
  const s = await waitingForRollout();
  s.memory.workloads?.clear();
  s.cluster.fail({ verb: 'get', kind: 'Deployment', error: FakeCluster.apiError(500, 'etcd timeout'), times: 1 });
  s.advance(1_000);
  assert.equal((await s.reconcile()).result, 'failed');
  assert.equal(s.env().status?.phase, 'Failed');
  assert.match(s.env().status?.lastError?.message ?? '', /etcd timeout/);
  assert.equal(s.env().status?.inventory?.length, 7, 'with the inventory applied');
  // Stuck past its deadline before the grace is over: written.
  const t = await waitingForRollout();
  const d = t.cluster.find('apps/v1', 'Deployment', 'shop--main', 'web')!;
  t.cluster.put({ ...d, status: { observedGeneration: d.metadata.generation, replicas: 1, unavailableReplicas: 1,
    conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'timed out' }] } });
  assert.equal((await t.reconcile()).result, 'requeue');
  assert.equal(t.env().status?.phase, 'Deploying');
  // Deleted within the grace: the teardown goes by the held inventory (a ClusterRole is deleted by it alone).
  const u = await waitingForRollout();
  const env = u.env();
  u.cluster.put({ ...env, metadata: { ...env.metadata, deletionTimestamp: '2026-01-01T00:00:05Z' } } as never);
  const held = u.memory.pending!.get('ria/shop--main')!;
  held.status.inventory = [...held.status.inventory!, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'shop--main-reader' }];
  const ns = u.cluster.find('v1', 'Namespace', '', 'shop--main')!;
  u.cluster.put({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'shop--main-reader', labels: ns.metadata.labels, managedFields: ns.metadata.managedFields } });
  await u.reconcile();
  assert.equal(u.cluster.find('rbac.authorization.k8s.io/v1', 'ClusterRole', '', 'shop--main-reader'), undefined, 'deleted: it was in the held inventory');
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

test('a new App\'s status is written once: the config sync\'s conditions go with the app sync\'s write (before: one write each)', async () => {
  // Setup: a config repository with one app file, fetched into the engine's cache.
  const tmp = tempDir('ria-first-app-');
  const configUrl = 'https://git.example.com/acme/config.git';
  await createRepo({ root: tmp }, 'config');
  const configSha = await commitFiles({ root: tmp }, 'config', 'main', { 'ria.yaml': 'domain: apps.test\n', 'apps/shop.yaml': 'repo: https://git.example.com/acme/shop.git\nbranches: [main]\n' }, 'config');
  const cluster = new FakeCluster();
  const git: GitClient = {
    listRemoteRefs: async () => ({ refs: new Map([['refs/heads/main', configSha]]) }),
    fetchCommit: async (o) => { await cp(join(tmp, 'config.git'), o.dir, { recursive: true }); return configSha; },
    readFileAt: async () => { throw new Error('not used'); },
  };
  const ctx = {
    objects: cluster.objects, git, gitCacheDir: join(tmp, 'cache'), namespace: NS, settings: defaultSettings, log: silentLog, hooks: {},
    events: { record: async () => {} }, now: () => new Date(Date.UTC(2026, 0, 1)), credentials: async () => undefined,
    listings: { get: async () => ({ refs: new Map([['refs/heads/main', C1]]) }) },
  } as unknown as EngineContext;
  const state: ConfigState = {};
  // Test
  const synced = await syncConfig(ctx, fs, { url: configUrl, branch: 'main', path: '' }, state);
  assert.equal(synced.ok, true);
  assert.deepEqual((synced as { statusChanged?: string[] }).statusChanged, ['shop'], 'its app sync is to write the config conditions');
  const app = cluster.find(API_VERSION, 'App', NS, 'shop') as unknown as App & { metadata: { name: string } };
  const cache: Record<string, unknown> = { app, config: state.apps?.get('shop') };
  assert.deepEqual(await syncApp(ctx, 'shop', [], cache), { ok: true, changed: 1 });
  assert.deepEqual(writesOf(cluster, 'App'), ['apply', 'applyStatus'], 'the App created, its status written once');
  const status = (cluster.find(API_VERSION, 'App', NS, 'shop') as unknown as App).status!;
  assert.equal(status.configCommit, configSha);
  assert.deepEqual(status.conditions?.map((c) => `${c.type}=${c.status} ${c.reason}`).sort(),
    ['ConfigSynced=True Synced', 'ConfigValid=True Valid', 'Ready=True Ready', 'SourceReady=True Listed']);
  // The next poll: nothing changed, nothing written.
  assert.equal((await syncConfig(ctx, fs, { url: configUrl, branch: 'main', path: '' }, state) as { statusChanged?: string[] }).statusChanged?.length ?? 0, 0);
  assert.deepEqual(await syncApp(ctx, 'shop', [], { ...cache, app: cluster.find(API_VERSION, 'App', NS, 'shop') as never }), { ok: true, changed: 0 });
  assert.deepEqual(writesOf(cluster, 'App'), ['apply', 'applyStatus']);
});

test('held back only: a first deploy (nothing stored) waiting for its rollout, none stuck, within the grace, nothing to look at, no cluster-scoped object but its Namespace', () => {
  const env = { apiVersion: API_VERSION, kind: 'Environment', metadata: { name: 'shop--main', namespace: NS, uid: 'u1' },
    spec: { app: 'shop', kind: 'branch', target: 'main', branch: 'main', commit: C1, namespace: 'shop--main' } } as never;
  const waiting = { kind: 'waiting', reason: Reason.Progressing, phase: 'Deploying', message: 'Deployment/web: 0/1 available', requeueAfterMs: 30_000 } as const;
  const inventory = [{ apiVersion: 'v1', kind: 'Namespace', name: 'shop--main' }, { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop--main', name: 'web' }];
  const next = { phase: 'Deploying', inventory } as const;
  assert.equal(mayHoldBack(env, waiting, next, false, 0, 0), true);
  assert.equal(mayHoldBack(env, waiting, next, false, 0, FIRST_DEPLOY_GRACE_MS - 1), true);
  assert.equal(mayHoldBack(env, waiting, next, false, 0, FIRST_DEPLOY_GRACE_MS), false, 'the grace is over');
  assert.equal(mayHoldBack({ ...(env as object), status: { phase: 'Ready' } } as never, waiting, next, false, 0, 0), false, 'a status stored: an update is shown Deploying at once');
  assert.equal(mayHoldBack(env, waiting, next, true, 0, 0), false, 'deleting');
  assert.equal(mayHoldBack(env, { ...waiting, stuck: ['Deployment/web: timed out'] }, next, false, 0, 0), false, 'stuck');
  assert.equal(mayHoldBack(env, { ...waiting, reason: Reason.Building, phase: 'Building' }, next, false, 0, 0), false, 'a build is not a rollout');
  assert.equal(mayHoldBack(env, { kind: 'failed', reason: Reason.ApplyFailed, message: 'x', error: new Error('x') }, next, false, 0, 0), false, 'a failure');
  assert.equal(mayHoldBack(env, waiting, { ...next, inventory: [...inventory, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'shop--main-reader' }] }, false, 0, 0), false,
    'a ClusterRole: the inventory a deletion needs is written at once');
  assert.equal(mayHoldBack(env, waiting, { ...next, conditions: [{ type: 'SecretsReady', status: 'False', reason: Reason.SecretMissing, message: 'm', lastTransitionTime: 't' }] }, false, 0, 0), false, 'a Secret missing');
});
