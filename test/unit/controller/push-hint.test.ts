/**
 * A push webhook is a hint, not the truth: it moves a branch Environment only when the fetch of
 * the ref itself resolved to the pushed SHA. And pull-request refs never share a git cache
 * directory with branches.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { API_VERSION, type App, type Environment } from '../../../engine/crds/types.js';
import { defaultSettings } from '../../../engine/config/load.js';
import { silentLog, type EngineContext } from '../../../engine/controller/context.js';
import { syncAppFromPush, type VerifiablePush } from '../../../engine/controller/app/push.js';
import { repoCacheDir } from '../../../engine/controller/environment/source.js';
import { FakeCluster } from '../../support/fake-cluster.js';

const NS = 'ria';
const DEPLOYED = 'd'.repeat(40);
const PUSHED = 'e'.repeat(40);
const PR_HEAD = 'f'.repeat(40);

function setup() {
  const cluster = new FakeCluster();
  const app = cluster.put({ apiVersion: API_VERSION, kind: 'App', metadata: { name: 'shop', namespace: NS, uid: 'app-uid' },
    spec: { repo: 'https://git.example.com/acme/shop.git', branches: ['main'], riofile: 'Riofile' } }) as unknown as App & { metadata: { name: string } };
  cluster.put({ apiVersion: API_VERSION, kind: 'Environment', metadata: { name: 'shop--main', namespace: NS },
    spec: { app: 'shop', kind: 'branch', target: 'main', branch: 'main', commit: DEPLOYED, namespace: 'shop--main' } });
  const ctx = { objects: cluster.objects, namespace: NS, gitCacheDir: '/cache', settings: defaultSettings, log: silentLog, hooks: {} } as unknown as EngineContext;
  const commit = () => (cluster.find(API_VERSION, 'Environment', NS, 'shop--main') as unknown as Environment).spec.commit;
  return { cluster, app, ctx, commit };
}

const hint = (after: string, tip: string | undefined): VerifiablePush => ({ ref: 'refs/heads/main', before: DEPLOYED, sha: after, tip: Promise.resolve(tip) });

test('a push whose SHA is the tip the fetch found moves the branch environment', async () => {
  const { app, ctx, commit } = setup();
  const applied: string[] = [];
  assert.deepEqual(await syncAppFromPush(ctx, 'shop', [hint(PUSHED, PUSHED)], app, (name) => applied.push(`${name}@${commit().slice(0, 1)}`)), { ok: true, changed: 1 });
  assert.equal(commit(), PUSHED);
  assert.deepEqual(applied, ['shop--main@e'], 'the engine is told which Environment moved, once it is written (it queues that reconcile in the push\'s lane)');
});

test('a forged or replayed push naming a pull request head for main is refused: the fetch says main is elsewhere', async () => {
  const { cluster, app, ctx, commit } = setup();
  const writes = cluster.writes;
  const result = await syncAppFromPush(ctx, 'shop', [hint(PR_HEAD, DEPLOYED)], app);
  assert.equal(result.ok, false);
  assert.match((result as { reason: string }).reason, /refs\/heads\/main: the fetch found ddddddd at its tip, not the pushed fffffff/);
  assert.equal(commit(), DEPLOYED, 'main keeps running what it ran');
  assert.equal(cluster.writes, writes, 'nothing written: the caller lists the repository instead');
});

test('a push whose fetch failed is not trusted either', async () => {
  const { app, ctx, commit } = setup();
  const result = await syncAppFromPush(ctx, 'shop', [hint(PUSHED, undefined)], app);
  assert.equal(result.ok, false);
  assert.match((result as { reason: string }).reason, /no tip \(it failed\)/);
  assert.equal(commit(), DEPLOYED);
});

test('pull-request refs and branch refs have separate cache directories; branches and tags share one', () => {
  const ctx = { gitCacheDir: '/cache' };
  const url = 'https://git.example.com/acme/shop.git';
  const branch = repoCacheDir(ctx, url, 'refs/heads/main');
  assert.equal(repoCacheDir(ctx, url), branch);
  assert.equal(repoCacheDir(ctx, url, 'refs/heads/release/1'), branch);
  const pulls = repoCacheDir(ctx, url, 'refs/pull/7/head');
  assert.notEqual(pulls, branch);
  assert.equal(repoCacheDir(ctx, url, 'refs/pull/8/head'), pulls);
  assert.notEqual(repoCacheDir(ctx, 'https://git.example.com/acme/other.git', 'refs/heads/main'), branch);
});
