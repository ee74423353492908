/**
 * The build step of the reconcile with a fake API server: a failed build stalls the environment
 * with the builder's last log lines (bounded, redacted) and the GitHub description says so within
 * 140 characters; an image the registry has already is deployed without a Job; a newer commit
 * stops the build of the older one unless another environment deploys that commit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { API_VERSION, type Environment } from '../../../engine/crds/types.js';
import { defaultSettings } from '../../../engine/config/load.js';
import type { Settings } from '../../../engine/config/types.js';
import { silentLog, type EngineContext } from '../../../engine/controller/context.js';
import { reconcileEnvironment, type ReconcileMemory } from '../../../engine/controller/environment/reconcile.js';
import { Reason } from '../../../engine/controller/reasons.js';
import type { GitClient } from '../../../engine/git/index.js';
import { EnvironmentIdentities } from '../../../engine/controller/environment/identity.js';
import { buildJobName } from '../../../engine/render/build-job.js';
import { deleteSupersededBuilds, failedBecause } from '../../../engine/controller/environment/builds.js';
import { environmentReport, MAX_DESCRIPTION } from '../../../engine/github/environment-report.js';
import type { ImageRef } from '../../../engine/registry/image-ref.js';
import type { ManifestCheckOptions } from '../../../engine/registry/manifest-check.js';
import { FakeCluster } from '../../support/fake-cluster.js';

const NS = 'ria';
const BUILDS = 'ria-builds';
const C1 = '1'.repeat(40);
const C2 = '2'.repeat(40);
const RIOFILE = 'services:\n  api:\n    build:\n      dockerfile: Dockerfile\n    ports: 8080/http\n';
const TOKEN = `ghp_${'x'.repeat(36)}`;
const KANIKO_LOG = [
  'INFO[0000] Retrieving image manifest node:20-alpine',
  'INFO[0001] Unpacking rootfs as cmd COPY server.js ./ requires it.',
  'INFO[0002] COPY server.js ./',
  ...Array.from({ length: 30 }, (_, i) => `INFO[0002] noise line ${i}`),
  'INFO[0003] RUN npm ci',
  `INFO[0003] Running: [/bin/sh -c npm ci] with https://x-access-token:${TOKEN}@github.com/acme/shop.git`,
  'npm ERR! missing script: ci',
  '',
  'error building image: error building stage: failed to execute command: waiting for process to exit: exit status 1',
].join('\n');

function setup(o: { exists?: boolean; settings?: Partial<Settings> } = {}) {
  const cluster = new FakeCluster();
  cluster.put({ apiVersion: API_VERSION, kind: 'App', metadata: { name: 'shop', namespace: NS },
    spec: { repo: 'https://git.example.com/acme/shop.git', branches: ['main', 'staging'], riofile: 'Riofile' } });
  const putEnv = (target: string, commit: string) => cluster.put({ apiVersion: API_VERSION, kind: 'Environment',
    metadata: { name: `shop--${target}`, namespace: NS, generation: 1, labels: { 'ria.dev/app': 'shop' } },
    spec: { app: 'shop', kind: 'branch', target, branch: target, commit, namespace: `shop--${target}` } });
  putEnv('main', C1);
  const git: GitClient = {
    listRemoteRefs: async () => { throw new Error('not used'); },
    fetchCommit: async (x) => x.sha ?? C1,
    readFileAt: async () => RIOFILE,
  };
  const events: Array<{ reason: string; message: string }> = [];
  const logReads: string[] = [];
  const checks: Array<{ ref: ImageRef; options: ManifestCheckOptions }> = [];
  const settings = { ...defaultSettings(), ...o.settings };
  const ctx: EngineContext = {
    objects: cluster.objects, identities: new EnvironmentIdentities(cluster.objects, silentLog), git, gitCacheDir: '/nonexistent', namespace: NS,
    settings: () => settings, log: silentLog, hooks: {},
    events: { record: async (_t, _type, reason, message) => { events.push({ reason, message }); } },
    now: () => new Date(Date.UTC(2026, 0, 1)), driftIntervalMs: 5 * 60_000, credentials: async () => undefined, listings: undefined as never,
    podLog: async (_ns, pod, container) => { logReads.push(`${pod}/${container}`); return KANIKO_LOG; },
    imageExists: async (ref, options) => { checks.push({ ref, options }); return o.exists; },
  };
  const memory: ReconcileMemory = { lastApplied: new Map(), applied: new Map(), observed: new Map(), fields: new Map() };
  const env = (name = 'shop--main') => cluster.find(API_VERSION, 'Environment', NS, name) as unknown as Environment;
  const job = (commit: string) => cluster.find('batch/v1', 'Job', BUILDS, buildJobName('shop', 'api', commit));
  const setJob = (commit: string, status: Record<string, unknown>) => cluster.put({ ...job(commit)!, status });
  return {
    cluster, ctx, events, logReads, checks, env, job, setJob, putEnv,
    reconcile: (name = 'shop--main') => reconcileEnvironment(ctx, memory, NS, name),
    push(commit: string, name = 'shop--main') {
      const e = cluster.find(API_VERSION, 'Environment', NS, name)!;
      cluster.put({ ...e, spec: { ...(e.spec as object), commit }, metadata: { ...e.metadata, generation: (e.metadata.generation ?? 1) + 1 } });
    },
  };
}

const condition = (env: Environment, type: string) => env.status?.conditions?.find((c) => c.type === type);

test('a failed build: Stalled BuildFailed with the builder\'s last lines (bounded, redacted), the commit status names the step and ria logs; the log is read once', async () => {
  const s = setup({ exists: false });
  assert.equal((await s.reconcile()).result, 'requeue');
  assert.ok(s.job(C1), 'the build Job was created');
  s.setJob(C1, { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }] });
  s.cluster.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'build-pod-1', namespace: BUILDS, labels: { 'job-name': buildJobName('shop', 'api', C1) } },
    status: { phase: 'Failed', initContainerStatuses: [{ name: 'fetch-source', state: { terminated: { exitCode: 0 } } }],
      containerStatuses: [{ name: 'kaniko', state: { terminated: { exitCode: 1, reason: 'Error' } } }] } });
  assert.equal((await s.reconcile()).result, 'stalled');
  const env = s.env();
  assert.equal(env.status?.phase, 'Failed');
  const stalled = condition(env, 'Stalled')!;
  assert.equal(stalled.reason, Reason.BuildFailed);
  assert.match(stalled.message, /build of api at 1111111 failed \(Job ria-builds\/build-shop-api-/);
  assert.match(stalled.message, /RUN npm ci: exit status 1/);
  assert.match(stalled.message, /npm ERR! missing script: ci \| error building image/);
  assert.match(stalled.message, /Whole log: ria logs shop --env main --build$/);
  assert.ok(stalled.message.length <= 1024);
  const build = env.status!.builds![0]!;
  assert.equal(build.failedContainer, 'kaniko');
  const tail = build.logTail!.split('\n');
  assert.equal(tail.length, 20, 'at most 20 lines');
  assert.ok(Buffer.byteLength(build.logTail!) <= 4096);
  assert.equal(tail.at(-1), 'error building image: error building stage: failed to execute command: waiting for process to exit: exit status 1');
  assert.ok(!JSON.stringify(env.status).includes(TOKEN), 'the token is redacted');
  assert.deepEqual(s.logReads, [`build-pod-1/kaniko`]);

  const report = environmentReport(env);
  assert.equal(report.state, 'failure');
  assert.ok(report.description.length <= MAX_DESCRIPTION, report.description);
  assert.equal(report.description, 'build of api failed: RUN npm ci: exit status 1; ria logs shop --env main --build');

  // Re-reconciled (say, after an engine restart): the recorded tail is kept, the log not read again.
  const again = structuredClone(env);
  delete again.status!.inputsHash;
  s.cluster.put(again as never);
  await s.reconcile();
  assert.equal(s.logReads.length, 1);
});

test('a failed source fetch: the init container is the one whose lines are shown', async () => {
  const s = setup({ exists: false });
  await s.reconcile();
  s.setJob(C1, { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'backoff' }] });
  s.cluster.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'build-pod-2', namespace: BUILDS, labels: {} },
    status: { phase: 'Failed', initContainerStatuses: [{ name: 'fetch-source', state: { terminated: { exitCode: 128 } } }],
      containerStatuses: [{ name: 'kaniko', state: { waiting: { reason: 'PodInitializing' } } }] } });
  await s.reconcile();
  assert.deepEqual(s.logReads, ['build-pod-2/fetch-source']);
  assert.equal(s.env().status!.builds![0]!.failedContainer, 'fetch-source');
});

test('the registry has the commit\'s image: no Job, the build is reported reused, the environment deploys', async () => {
  const s = setup({ exists: true, settings: { registry: '127.0.0.1:5000/ria', builder: { ...defaultSettings().builder, extraArgs: ['--insecure'] } } });
  const out = await s.reconcile();
  assert.equal(out.result, 'success');
  assert.equal(s.job(C1), undefined, 'no build Job');
  const env = s.env();
  assert.equal(env.status?.phase, 'Ready');
  assert.deepEqual(env.status?.builds?.map((b) => [b.reused, b.phase, b.image]), [[true, 'Succeeded', `127.0.0.1:5000/ria/shop/api:${C1}`]]);
  assert.ok(s.events.some((e) => e.reason === Reason.ImageReused));
  assert.equal(s.checks.length, 1);
  assert.deepEqual(s.checks[0]!.ref, { host: '127.0.0.1:5000', repository: 'ria/shop/api', reference: C1 });
  assert.equal(s.checks[0]!.options.baseUrl, 'http://127.0.0.1:5000', 'plain HTTP, as Kaniko pushes (--insecure)');
});

test('the registry cannot tell (unreachable), or reuse is off: the image is built', async () => {
  const unknown = setup({ exists: undefined });
  await unknown.reconcile();
  assert.ok(unknown.job(C1));
  const off = setup({ exists: true, settings: { builder: { ...defaultSettings().builder, reuseImages: false } } });
  await off.reconcile();
  assert.ok(off.job(C1));
  assert.equal(off.checks.length, 0, 'not even asked');
});

test('a newer commit stops the running build of the older one; a build another environment still deploys is kept', async () => {
  const s = setup({ exists: false });
  await s.reconcile();
  s.setJob(C1, { active: 1 });
  await s.reconcile();
  assert.equal(s.env().status?.builds?.[0]?.phase, 'Running');
  s.push(C2);
  await s.reconcile();
  assert.equal(s.job(C1), undefined, 'the superseded build Job is deleted');
  assert.ok(s.job(C2), 'the new commit is building');
  assert.ok(s.events.some((e) => e.reason === Reason.BuildSuperseded && e.message.includes('1111111')));

  // staging deploys C2 too; main moves on to C1 again: C2's build is staging's as well, so it stays.
  s.putEnv('staging', C2);
  s.setJob(C2, { active: 1 });
  await s.reconcile();
  s.push(C1);
  await s.reconcile();
  assert.ok(s.job(C2), 'kept: another environment deploys that commit');
});

test('failedBecause: the step first; a deadline says so before what ran last', () => {
  assert.equal(failedBecause('RUN x: exit status 1', 'Job has reached the specified backoff limit', 'BackoffLimitExceeded'), 'RUN x: exit status 1');
  assert.equal(failedBecause(undefined, 'Job has reached the specified backoff limit', 'BackoffLimitExceeded'), 'Job has reached the specified backoff limit');
  assert.equal(failedBecause('RUN sleep 999: signal: terminated', 'Job was active longer than specified deadline', 'DeadlineExceeded'),
    'timed out: Job was active longer than specified deadline (last: RUN sleep 999: signal: terminated)');
});

test('the app sync deletes the build Jobs of commits no environment deploys; a running one is said in an Event on the App', async () => {
  const s = setup({ exists: false });
  const job = (commit: string, status: Record<string, unknown>) => s.cluster.put({ apiVersion: 'batch/v1', kind: 'Job',
    metadata: { name: `build-${commit.slice(0, 4)}`, namespace: BUILDS, labels: { 'ria.dev/app': 'shop', 'ria.dev/service': 'api', 'ria.dev/commit': commit } }, status });
  job(C1, { active: 1 });
  job('3'.repeat(40), { conditions: [{ type: 'Complete', status: 'True' }] });
  job(C2, { active: 1 });
  const app = { apiVersion: API_VERSION, kind: 'App', metadata: { name: 'shop', namespace: NS, uid: 'u1' } };
  const deleted = await deleteSupersededBuilds(s.ctx, 'shop', new Set([C2]), app);
  assert.deepEqual(deleted.sort(), ['build-1111', 'build-3333']);
  assert.ok(s.cluster.find('batch/v1', 'Job', BUILDS, 'build-2222'), 'the live commit\'s build is kept');
  assert.deepEqual(s.events.map((e) => e.reason), [Reason.BuildSuperseded], 'one Event: for the build that was running');
  assert.match(s.events[0]!.message, /stopped the build of api at 1111111 .*no environment of shop deploys that commit/);
});
