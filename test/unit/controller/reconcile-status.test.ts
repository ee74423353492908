/**
 * The reconcile writes the Environment's status on every path: each step is made to fail through
 * the clients it uses (a fake API server and git client), and the Environment must show the
 * error (phase, condition reason, message), with a Warning Event and the GitHub hook called.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { API_VERSION, ENVIRONMENT_FINALIZER, type Environment } from '../../../engine/crds/types.js';
import { defaultSettings } from '../../../engine/config/load.js';
import { silentLog, type EngineContext } from '../../../engine/controller/context.js';
import { reconcileEnvironment, runSteps, type ReconcileMemory } from '../../../engine/controller/environment/reconcile.js';
import { StalledError, type NamedStep, type ReconcileRun } from '../../../engine/controller/environment/outcome.js';
import { FIRST_DEPLOY_GRACE_MS } from '../../../engine/controller/environment/pending-status.js';
import { Reason } from '../../../engine/controller/reasons.js';
import type { EventType } from '../../../engine/controller/events.js';
import { GitUnreachableError } from '../../../engine/git/errors.js';
import type { GitClient } from '../../../engine/git/index.js';
import { FakeCluster } from '../../support/fake-cluster.js';
import { EnvironmentIdentities } from '../../../engine/controller/environment/identity.js';

const NS = 'ria';
const C1 = 'a'.repeat(40);
const C2 = 'b'.repeat(40);
const WEB = 'services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n';
const TWO = `${WEB}  api:\n    image: busybox:1.36\n    ports: 8080/http\n`;
const SECRET_VALUE = 'hunter2-do-not-leak';

function setup(riofile = WEB, appExtra: Record<string, unknown> = {}) {
  // Setup
  const cluster = new FakeCluster();
  cluster.put({ apiVersion: API_VERSION, kind: 'App', metadata: { name: 'shop', namespace: NS },
    spec: { repo: 'https://git.example.com/acme/shop.git', branches: ['main'], riofile: 'Riofile', ...appExtra } });
  cluster.put({ apiVersion: API_VERSION, kind: 'Environment', metadata: { name: 'shop--main', namespace: NS, generation: 1 },
    spec: { app: 'shop', kind: 'branch', target: 'main', branch: 'main', commit: C1, namespace: 'shop--main' } });
  const files: Record<string, string> = { [C1]: riofile };
  let gitFailure: (() => Error) | undefined;
  const git: GitClient = {
    listRemoteRefs: async () => { throw new Error('not used'); },
    fetchCommit: async (o) => { if (gitFailure) throw gitFailure(); return o.sha ?? C1; },
    readFileAt: async (o) => files[o.sha] ?? null,
  };
  const events: Array<{ type: EventType; reason: string; message: string }> = [];
  const reported: Array<string | undefined> = [];
  let clock = Date.UTC(2026, 0, 1);
  const ctx: EngineContext = {
    objects: cluster.objects, identities: new EnvironmentIdentities(cluster.objects, silentLog), git, gitCacheDir: '/nonexistent', namespace: NS, settings: defaultSettings, log: silentLog,
    hooks: { environmentChanged: (env) => { reported.push(env.status?.phase); } },
    events: { record: async (_target, type, reason, message) => { events.push({ type, reason, message }); } },
    now: () => new Date(clock), driftIntervalMs: 5 * 60_000, credentials: async () => undefined,
    listings: undefined as never,
  };
  const memory: ReconcileMemory = { lastApplied: new Map(), applied: new Map(), observed: new Map(), fields: new Map() };
  return {
    cluster, ctx, memory, events, reported, files,
    failGit(f: (() => Error) | undefined) { gitFailure = f; },
    tick(ms: number) { clock += ms; },
    reconcile: () => reconcileEnvironment(ctx, memory, NS, 'shop--main'),
    env: () => cluster.find(API_VERSION, 'Environment', NS, 'shop--main') as unknown as Environment,
    /** A new commit on the branch (what the app sync does). */
    push(commit: string, text: string) {
      files[commit] = text;
      const env = cluster.find(API_VERSION, 'Environment', NS, 'shop--main')!;
      cluster.put({ ...env, spec: { ...(env.spec as object), commit }, metadata: { ...env.metadata, generation: (env.metadata.generation ?? 1) + 1 } });
    },
  };
}

function condition(env: Environment, type: string) {
  return env.status?.conditions?.find((c) => c.type === type);
}

/** What a user sees: phase, Ready's reason and message, a Warning Event, a GitHub report. */
function assertShowsError(s: ReturnType<typeof setup>, reason: string, message: RegExp, phase = 'Failed') {
  const env = s.env();
  assert.equal(env.status?.phase, phase, JSON.stringify(env.status));
  assert.equal(condition(env, 'Ready')?.status, 'False');
  assert.equal(condition(env, 'Ready')?.reason, reason);
  assert.match(condition(env, 'Ready')?.message ?? '', message);
  assert.match(env.status?.lastError?.message ?? '', message);
  assert.ok(s.events.some((e) => e.type === 'Warning' && e.reason === reason && message.test(e.message)), `Warning event ${reason}: ${JSON.stringify(s.events)}`);
  assert.equal(s.reported.at(-1), phase, 'the GitHub hook saw the failure');
}

test('a first deploy: Ready, one Event (Deployed, with the commit and the objects), one report; the next reconcile is a no-op that writes and records nothing', async () => {
  const s = setup();
  // Test
  const first = await s.reconcile();
  assert.equal(first.result, 'success');
  const env = s.env();
  assert.equal(env.status?.phase, 'Ready');
  assert.equal(condition(env, 'Ready')?.reason, Reason.Deployed);
  assert.deepEqual(s.events.map((e) => e.reason), [Reason.Deployed]);
  assert.match(s.events[0]!.message, /^deployed aaaaaaa \(\d+ objects\)$/);
  assert.deepEqual(s.reported, ['Ready']);
  const writes = s.cluster.writes;
  const again = await s.reconcile();
  assert.equal(again.result, 'noop');
  assert.equal(s.cluster.writes, writes, 'no-op reconcile writes nothing');
  assert.equal(s.events.length, 1, 'no Event on a no-op');
  assert.equal(s.reported.length, 1, 'no report on a no-op');
});

test('each step forced to throw: the Environment shows the error, a Warning Event says it, GitHub is told', async (t) => {
  const boom = (status: number, text = 'boom') => FakeCluster.apiError(status, text);
  await t.test('app: the App cannot be read', async () => {
    const s = setup();
    s.cluster.fail({ verb: 'get', kind: 'App', error: boom(500, 'etcd timeout') });
    const out = await s.reconcile();
    assert.equal(out.result, 'failed');
    assert.ok(out.error);
    assertShowsError(s, Reason.ReconcileError, /etcd timeout/);
  });
  await t.test('app: the App is missing (a person must act)', async () => {
    const s = setup();
    s.cluster.store.delete(`${API_VERSION}|App|${NS}|shop`);
    assert.equal((await s.reconcile()).result, 'stalled');
    assertShowsError(s, Reason.AppMissing, /App shop does not exist/);
    assert.equal(condition(s.env(), 'Stalled')?.status, 'True');
  });
  await t.test('finalizer: adding it fails', async () => {
    const s = setup();
    s.cluster.fail({ verb: 'mergePatch', kind: 'Environment', error: boom(500, 'finalizer write refused') });
    assert.equal((await s.reconcile()).result, 'failed');
    assertShowsError(s, Reason.ReconcileError, /finalizer write refused/);
  });
  await t.test('source: an unexpected (non-Ria) error from git', async () => {
    const s = setup();
    s.failGit(() => new TypeError('Cannot read properties of undefined (reading \'oid\')'));
    assert.equal((await s.reconcile()).result, 'failed');
    assertShowsError(s, Reason.ReconcileError, /render: Cannot read properties of undefined/);
  });
  await t.test('source: the git server is unreachable (waits, nothing failed)', async () => {
    const s = setup();
    s.failGit(() => new GitUnreachableError('https://git.example.com/acme/shop.git', { op: 'fetchCommit', reason: 'ECONNREFUSED' }));
    const out = await s.reconcile();
    assert.equal(out.result, 'requeue');
    const env = s.env();
    assert.equal(condition(env, 'Reconciling')?.reason, Reason.SourceUnavailable);
    assert.match(condition(env, 'Reconciling')?.message ?? '', /unreachable/);
    assert.equal(condition(env, 'Ready')?.reason, Reason.SourceUnavailable, 'nothing deployed yet: Ready says why (ria ps shows it)');
    s.failGit(undefined);
    assert.equal((await s.reconcile()).result, 'success');
    s.push(C2, TWO);
    s.failGit(() => new GitUnreachableError('https://git.example.com/acme/shop.git', { op: 'fetchCommit', reason: 'ECONNREFUSED' }));
    assert.equal((await s.reconcile()).result, 'requeue');
    assert.equal(condition(s.env(), 'Ready')?.status, 'True', 'what runs is still Ready');
    assert.equal(condition(s.env(), 'Reconciling')?.reason, Reason.SourceUnavailable);
  });
  await t.test('parse: an invalid Riofile stalls with the located error', async () => {
    const s = setup('services:\n  web:\n    image: nginx\n    portz: 80\n');
    assert.equal((await s.reconcile()).result, 'stalled');
    assertShowsError(s, Reason.RiofileInvalid, /portz/);
    assert.equal(s.env().status?.lastError?.line, 4);
  });
  await t.test('builds: the build Job cannot be created', async () => {
    const s = setup('services:\n  api:\n    image: ./\n    ports: 8080/http\n');
    s.cluster.fail({ verb: 'apply', kind: 'Job', error: boom(403, 'jobs.batch is forbidden') });
    assert.equal((await s.reconcile()).result, 'failed');
    assertShowsError(s, Reason.BuildStartFailed, /jobs\.batch is forbidden/);
  });
  await t.test('builds: a failed build Job stalls with BuildFailed', async () => {
    const s = setup('services:\n  api:\n    image: ./\n    ports: 8080/http\n');
    assert.equal((await s.reconcile()).result, 'requeue');
    assert.equal(s.env().status?.phase, 'Building');
    assert.ok(s.events.some((e) => e.reason === Reason.BuildStarted));
    const job = [...s.cluster.store.values()].find((o) => o.kind === 'Job')!;
    s.cluster.put({ ...job, status: { conditions: [{ type: 'Failed', status: 'True', message: 'BackoffLimitExceeded' }] } });
    assert.equal((await s.reconcile()).result, 'stalled');
    assertShowsError(s, Reason.BuildFailed, /build of api at aaaaaaa failed .*BackoffLimitExceeded/);
  });
  await t.test('secrets: the source Secret cannot be read', async () => {
    const s = setup(`${WEB}    env:\n    - PASSWORD=secret://db/password\n`, { secretsFrom: 'shop-secrets' });
    s.cluster.fail({ verb: 'get', kind: 'Secret', error: boom(500, 'secrets read timed out') });
    assert.equal((await s.reconcile()).result, 'failed');
    assertShowsError(s, Reason.SecretCopyFailed, /secrets read timed out/);
  });
  await t.test('apply: the API server refuses an object (4xx) or fails (5xx)', async () => {
    const s = setup();
    s.cluster.fail({ verb: 'apply', kind: 'Deployment', error: boom(422, 'spec.replicas: Invalid value'), times: 1 });
    assert.equal((await s.reconcile()).result, 'failed');
    assertShowsError(s, Reason.ApplyRefused, /Invalid value/);
    s.cluster.fail({ verb: 'apply', kind: 'Deployment', error: boom(503, 'etcdserver: leader changed'), times: 1 });
    assert.equal((await s.reconcile()).result, 'failed');
    assertShowsError(s, Reason.ApplyFailed, /leader changed/);
    assert.equal((await s.reconcile()).result, 'success', 'the retry goes through');
    assert.equal(s.env().status?.phase, 'Ready');
    assert.equal(s.env().status?.lastError, undefined);
  });
  await t.test('prune: deleting a removed object fails; what is not pruned stays in the inventory, the retry prunes it', async () => {
    const s = setup(TWO);
    assert.equal((await s.reconcile()).result, 'success');
    s.push(C2, WEB);
    s.cluster.fail({ verb: 'delete', kind: 'Deployment', name: 'api', error: boom(500, 'delete timed out'), times: 1 });
    assert.equal((await s.reconcile()).result, 'failed');
    assertShowsError(s, Reason.PruneFailed, /delete timed out/);
    assert.ok(s.env().status?.inventory?.some((e) => e.kind === 'Deployment' && e.name === 'api'), 'the unpruned Deployment is remembered');
    assert.equal((await s.reconcile()).result, 'success');
    assert.ok(!s.env().status?.inventory?.some((e) => e.name === 'api'));
    assert.equal(s.cluster.find('apps/v1', 'Deployment', 'shop--main', 'api'), undefined);
    assert.ok(s.events.some((e) => e.reason === Reason.Pruned && /Deployment\/api/.test(e.message)));
  });
  await t.test('apply fails half-way before any inventory is recorded; the next commit drops a service: what the failed apply made is pruned (leftovers.ts), someone else\'s object is left', async () => {
    const s = setup(TWO);
    s.cluster.fail({ verb: 'apply', kind: 'Deployment', name: 'web', error: boom(503, 'etcdserver: leader changed'), times: 1 });
    assert.equal((await s.reconcile()).result, 'failed');
    assert.equal(s.env().status?.inventory, undefined, 'no inventory recorded');
    assert.ok(s.cluster.find('apps/v1', 'Deployment', 'shop--main', 'api'), 'the failed apply made Deployment api');
    // Labelled like the environment's objects, but another field manager's.
    const labels = s.cluster.find('v1', 'Namespace', undefined, 'shop--main')!.metadata.labels;
    await s.cluster.objects.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mine', namespace: 'shop--main', labels } }, { fieldManager: 'kubectl' });
    s.push(C2, WEB);
    assert.equal((await s.reconcile()).result, 'success');
    assert.equal(s.cluster.find('apps/v1', 'Deployment', 'shop--main', 'api'), undefined, 'pruned');
    assert.equal(s.cluster.find('v1', 'Service', 'shop--main', 'api'), undefined, 'pruned');
    assert.ok(s.cluster.find('apps/v1', 'Deployment', 'shop--main', 'web'));
    assert.ok(s.cluster.find('v1', 'ConfigMap', 'shop--main', 'mine'), 'not Ria\'s: left');
    assert.ok(!s.env().status?.inventory?.some((e) => e.name === 'api' || e.name === 'mine'));
  });
  await t.test('readiness: the workloads cannot be read', async () => {
    const s = setup();
    s.cluster.rollOut = false;
    assert.equal((await s.reconcile()).result, 'requeue');
    assert.equal(s.env().status?.phase, undefined, 'a first deploy\'s Deploying held back (pending-status.ts)');
    s.cluster.fail({ verb: 'get', kind: 'Deployment', error: boom(500, 'deployments read failed') });
    assert.equal((await s.reconcile()).result, 'failed');
    assertShowsError(s, Reason.ReconcileError, /deployments read failed/);
  });
  await t.test('finalize: deleting the namespace fails', async () => {
    const s = setup();
    assert.equal((await s.reconcile()).result, 'success');
    const env = s.cluster.find(API_VERSION, 'Environment', NS, 'shop--main')!;
    assert.deepEqual(env.metadata.finalizers, [ENVIRONMENT_FINALIZER]);
    s.cluster.put({ ...env, metadata: { ...env.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } });
    s.cluster.fail({ verb: 'delete', kind: 'Namespace', error: boom(500, 'namespace delete failed'), times: 1 });
    assert.equal((await s.reconcile()).result, 'failed');
    const failed = s.env();
    assert.equal(condition(failed, 'Ready')?.reason, Reason.FinalizeFailed);
    assert.match(condition(failed, 'Ready')?.message ?? '', /namespace delete failed/);
    assert.ok(s.events.some((e) => e.reason === Reason.FinalizeFailed));
    assert.equal(s.reported.length, 1, 'a deleting environment is not reported to GitHub (environmentRemoved does that)');
    assert.equal((await s.reconcile()).result, 'requeue', 'namespace deleted; waiting for it to go');
    assert.equal(condition(s.env(), 'Reconciling')?.reason, Reason.Deleting);
    assert.equal((await s.reconcile()).result, 'success', 'namespace gone: finalizer removed');
    assert.deepEqual(s.env().metadata.finalizers, []);
    assert.equal(s.events.at(-1)?.reason, Reason.Removed);
  });
});

test('waiting for a rollout: the follow-up reads the workloads alone (no fetch, no render), writes one status, Ready when they rolled out', async () => {
  const s = setup(TWO);
  let reads = 0;
  const readFileAt = s.ctx.git.readFileAt;
  s.ctx.git.readFileAt = async (o) => { reads++; return readFileAt(o); };
  s.cluster.rollOut = false;
  const first = await s.reconcile();
  assert.equal(first.result, 'requeue');
  assert.equal(s.env().status?.phase, undefined, 'a first deploy\'s Deploying held back (pending-status.ts)');
  assert.equal(reads, 1);
  // A Deployment's status event: one of two rolled out.
  const rollOut = (name: string) => {
    const d = s.cluster.find('apps/v1', 'Deployment', 'shop--main', name)!;
    s.cluster.put({ ...d, status: { observedGeneration: d.metadata.generation, replicas: 1, updatedReplicas: 1, availableReplicas: 1 } });
  };
  rollOut('web');
  const calls = s.cluster.calls.length;
  s.tick(FIRST_DEPLOY_GRACE_MS);
  assert.equal((await s.reconcile()).result, 'requeue');
  assert.equal(reads, 1, 'no Riofile read, so no render');
  assert.match(condition(s.env(), 'Ready')?.message ?? '', /^Deployment\/api: 0\/1 available$/);
  const made = s.cluster.calls.slice(calls);
  assert.deepEqual(made.filter((c) => c.verb !== 'get'), [{ verb: 'applyStatus', kind: 'Environment', name: 'shop--main' }], 'one write: the status, Deploying once the grace is over');
  assert.deepEqual(made.filter((c) => c.kind === 'Deployment').map((c) => c.name).sort(), ['api', 'web'], 'the inventory\'s workloads read');
  rollOut('api');
  assert.equal((await s.reconcile()).result, 'success');
  assert.equal(reads, 1);
  assert.equal(s.env().status?.phase, 'Ready');
  assert.deepEqual(s.events.map((e) => e.reason), [Reason.Deployed], 'the apply and the wait are progress: one Event when Ready');
  assert.deepEqual(s.reported, ['Deploying', 'Deploying', 'Ready']);
  assert.equal((await s.reconcile()).result, 'noop');
});

test('a first deploy reads nothing in the namespace it just created; a new object in an existing namespace is read first, and someone else\'s refused', async () => {
  const s = setup();
  assert.equal((await s.reconcile()).result, 'success');
  const reads = s.cluster.calls.filter((c) => c.verb === 'get' && c.kind !== 'Environment' && c.kind !== 'App' && c.kind !== 'ClusterRole');
  assert.deepEqual(reads, [{ verb: 'get', kind: 'Namespace', name: 'shop--main' }], 'only the namespace: it did not exist');
  // Someone else's Deployment where the next commit adds one: the namespace exists now.
  s.cluster.put({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'shop--main' }, spec: { replicas: 3 } });
  s.push(C2, TWO);
  assert.equal((await s.reconcile()).result, 'failed');
  assert.match(s.env().status?.lastError?.message ?? '', /Deployment\/shop--main\/api/);
  assert.equal((s.cluster.find('apps/v1', 'Deployment', 'shop--main', 'api')?.spec as { replicas: number }).replicas, 3, 'not taken over');
});

test('waiting for a rollout after a restart, or with a new commit: the whole way (fetch, render, apply)', async () => {
  const s = setup();
  let reads = 0;
  const readFileAt = s.ctx.git.readFileAt;
  s.ctx.git.readFileAt = async (o) => { reads++; return readFileAt(o); };
  s.cluster.rollOut = false;
  assert.equal((await s.reconcile()).result, 'requeue');
  s.memory.lastApplied.clear(); // a restart: this process applied nothing
  assert.equal((await s.reconcile()).result, 'requeue');
  assert.equal(reads, 2, 'rendered again after a restart');
  s.push(C2, TWO);
  assert.equal((await s.reconcile()).result, 'requeue');
  assert.equal(reads, 3, 'a new commit is rendered');
  assert.ok(s.cluster.find('apps/v1', 'Deployment', 'shop--main', 'api'), 'and applied');
});

test('the status write itself failing: the reconcile throws (the engine backs off), the Events are still sent', async () => {
  const s = setup();
  s.cluster.fail({ verb: 'applyStatus', kind: 'Environment', error: FakeCluster.apiError(500, 'status write failed') });
  await assert.rejects(s.reconcile(), /status write failed/);
  assert.deepEqual(s.events.map((e) => e.reason), [Reason.Applied], 'the apply went through; not Deployed: the status does not say Ready');
  assert.equal(s.reported.length, 0, 'nothing reported that the cluster does not show');
});

test('structure: the first step with an outcome ends the run; a throw is an outcome with the step\'s reason; later steps do not run', async () => {
  const ran: string[] = [];
  const step = (name: string, fn: () => void): NamedStep => ({ name, failReason: Reason.PruneFailed, run: async () => { ran.push(name); fn(); return undefined; } });
  const run = { ctx: { log: silentLog }, env: { metadata: { name: 'x' } } } as unknown as ReconcileRun;
  const failed = await runSteps(run, [step('one', () => {}), step('two', () => { throw new RangeError('Invalid string length'); }), step('three', () => {})]);
  assert.deepEqual(ran, ['one', 'two']);
  assert.equal(failed.kind, 'failed');
  assert.equal(failed.kind === 'failed' && failed.reason, Reason.PruneFailed);
  assert.equal(failed.kind === 'failed' && failed.message, 'two: Invalid string length');
  const stalled = await runSteps(run, [step('one', () => { throw new StalledError(Reason.BuildFailed, 'build failed', { message: 'build failed', file: 'Riofile', line: 3 }); })]);
  assert.deepEqual(stalled, { kind: 'stalled', reason: Reason.BuildFailed, message: 'build failed', lastError: { message: 'build failed', file: 'Riofile', line: 3 } });
  assert.deepEqual(await runSteps(run, [step('one', () => {})]), { kind: 'ready' });
});

test('Secret values appear in no status and no Event, also when the apply of the copied Secret fails', async () => {
  const s = setup(`${WEB}    env:\n    - PASSWORD=secret://db/password\n`, { secretsFrom: 'shop-secrets' });
  const encoded = Buffer.from(SECRET_VALUE).toString('base64');
  s.cluster.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop-secrets' }, data: { password: encoded } });
  s.cluster.fail({ verb: 'apply', kind: 'Secret', error: FakeCluster.apiError(422, 'Secret "db" is invalid: data: Too long', 'Secret'), times: 1 });
  assert.equal((await s.reconcile()).result, 'failed');
  assert.equal((await s.reconcile()).result, 'success');
  assert.equal((s.cluster.find('v1', 'Secret', 'shop--main', 'db')?.data as Record<string, string>).password, encoded, 'the copy was applied');
  const seen = JSON.stringify([s.env().status, s.events]);
  assert.ok(!seen.includes(encoded) && !seen.includes(SECRET_VALUE));
});
