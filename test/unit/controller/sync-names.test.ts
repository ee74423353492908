/**
 * Upgrading from `<app>-<env>` names: the app sync creates each Environment under its new name and
 * deletes the old one, and never takes over an old Environment of another app that happens to
 * carry a new name (shop + branch x--main was shop-x--main, now app shop-x's main).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { API_VERSION, type App, type Environment } from '../../../engine/crds/types.js';
import { defaultSettings } from '../../../engine/config/load.js';
import { silentLog, type EngineContext } from '../../../engine/controller/context.js';
import { syncApp } from '../../../engine/controller/app/sync.js';
import { environmentNamespace } from '../../../engine/render/names.js';
import { FakeCluster } from '../../support/fake-cluster.js';

const NS = 'ria';
const SHA = 'a'.repeat(40);

function setup(refs: Record<string, string>) {
  const cluster = new FakeCluster();
  const ctx = {
    objects: cluster.objects, namespace: NS, settings: defaultSettings, log: silentLog, hooks: {}, now: () => new Date(0),
    credentials: async () => undefined, listings: { get: async () => ({ refs: new Map(Object.entries(refs)) }) },
  } as unknown as EngineContext;
  const app = (name: string) => cluster.put({ apiVersion: API_VERSION, kind: 'App', metadata: { name, namespace: NS, uid: `${name}-uid` },
    spec: { repo: `https://git.example.com/acme/${name}.git`, branches: ['**'], riofile: 'Riofile' } }) as unknown as App & { metadata: { name: string } };
  const envs = (appName: string) => () => ([...cluster.store.values()] as unknown as Array<Environment & { metadata: { name: string; labels?: Record<string, string> } }>)
    .filter((e) => e.kind === 'Environment' && e.metadata.labels?.['ria.dev/app'] === appName).map((e) => structuredClone(e));
  return { cluster, ctx, app, envs };
}

test('upgrade: an Environment with an old-scheme name is replaced by one under the new name', async () => {
  const { cluster, ctx, app, envs } = setup({ 'refs/heads/main': SHA });
  const shop = app('shop');
  cluster.put({ apiVersion: API_VERSION, kind: 'Environment', metadata: { name: 'shop-main', namespace: NS, labels: { 'ria.dev/app': 'shop' } },
    spec: { app: 'shop', kind: 'branch', target: 'main', branch: 'main', commit: SHA, namespace: 'shop-main' } });
  const applied: string[] = [];
  assert.deepEqual(await syncApp(ctx, 'shop', [], { app: shop, environments: envs('shop'), applied: (name) => applied.push(name) }), { ok: true, changed: 2 });
  assert.deepEqual(applied, ['shop--main'], 'told of the Environment it wrote (not of the one it deleted)');
  assert.deepEqual(envs('shop')().map((e) => [e.metadata.name, e.spec.namespace]), [['shop--main', 'shop--main']]);
});

test('upgrade: an old Environment of another app that carries the new name is not taken over', async () => {
  const { cluster, ctx, app, envs } = setup({ 'refs/heads/main': SHA });
  const shopX = app('shop-x');
  const name = environmentNamespace({ app: 'shop-x', kind: 'branch', branch: 'main', commit: SHA });
  assert.equal(name, 'shop-x--main');
  const old = { apiVersion: API_VERSION, kind: 'Environment', metadata: { name, namespace: NS, labels: { 'ria.dev/app': 'shop' } },
    spec: { app: 'shop', kind: 'branch', target: 'x--main', branch: 'x--main', commit: SHA, namespace: name } };
  cluster.put(old);
  assert.deepEqual(await syncApp(ctx, 'shop-x', [], { app: shopX, environments: envs('shop-x') }), { ok: true, changed: 0 });
  assert.deepEqual((cluster.find(API_VERSION, 'Environment', NS, name) as unknown as Environment).spec, old.spec, 'shop\'s Environment is left as it is');
  // Once shop's sync has deleted it, the next sync of shop-x creates its own.
  await cluster.objects.delete({ apiVersion: API_VERSION, kind: 'Environment', namespace: NS, name });
  assert.deepEqual(await syncApp(ctx, 'shop-x', [], { app: shopX, environments: envs('shop-x') }), { ok: true, changed: 1 });
  assert.equal((cluster.find(API_VERSION, 'Environment', NS, name) as unknown as Environment).spec.app, 'shop-x');
});

test('with the engine\'s view of the Environments (nameOwner), a new Environment\'s name is not read from the API server; another app\'s is still not taken over', async () => {
  const { cluster, ctx, app, envs } = setup({ 'refs/heads/main': SHA });
  const shop = app('shop');
  // Test: a first sync of a new app, its name known to be free.
  assert.deepEqual(await syncApp(ctx, 'shop', [], { app: shop, environments: envs('shop'), nameOwner: () => undefined }), { ok: true, changed: 1 });
  assert.deepEqual(cluster.calls.filter((c) => c.verb === 'get' && c.kind === 'Environment'), [], 'no read of the name (a 404 per new Environment before)');
  // Another app's Environment under the new name, as the engine knows it: left alone, as with the read.
  const shopX = app('shop-x');
  assert.deepEqual(await syncApp(ctx, 'shop-x', [], { app: shopX, environments: envs('shop-x'), nameOwner: (name) => (name === 'shop-x--main' ? { app: 'shop' } : undefined) }),
    { ok: true, changed: 0 });
  assert.equal(cluster.find(API_VERSION, 'Environment', NS, 'shop-x--main'), undefined);
});
