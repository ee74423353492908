import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pruneEntry } from '../../../engine/controller/environment/prune.js';
import type { EnvironmentOwner } from '../../../engine/controller/environment/ownership.js';
import type { EngineContext } from '../../../engine/controller/context.js';
import { KubeObjects, type KubeObject } from '../../../engine/kube/objects.js';
import type { KubeRequest, KubeRest } from '../../../engine/kube/rest.js';
import { KubeApiError } from '../../../engine/kube/errors.js';
import type { Condition, Environment, InventoryEntry } from '../../../engine/crds/types.js';
import { pruneObjects } from '../../../engine/controller/environment/steps.js';
import { finalizeEnvironment } from '../../../engine/controller/environment/finalize.js';
import { ENVIRONMENT_FINALIZER } from '../../../engine/crds/types.js';
import type { ReconcileRun } from '../../../engine/controller/environment/outcome.js';

const owner: EnvironmentOwner = { app: 'shop', environment: 'main', namespace: 'shop--main', name: 'shop--main' };
const labels = { 'app.kubernetes.io/managed-by': 'ria', 'ria.dev/app': 'shop', 'ria.dev/environment': 'main' };

/**
 * An API server in memory: discovery per group-version (what each serves; changed by the test, as
 * a CRD upgrade or removal does), the group's versions, one object store per group and kind (an
 * object is the same at every version of its group), and the requests it saw.
 */
function fakeServer(served: Record<string, string[]>, preferred: Record<string, string>) {
  const objects = new Map<string, KubeObject>();
  const seen: string[] = [];
  const notFound = (path: string, detail = 'the server could not find the requested resource') => new KubeApiError('get', undefined, 404, `${path}: ${detail}`, 'NotFound');
  const rest = {
    call: async (req: KubeRequest) => {
      seen.push(`${req.method} ${req.path}`);
      const parts = req.path.split('/').filter(Boolean); // apis, group, version, namespaces, ns, plural, name
      if (parts[0] === 'apis' && parts.length === 2) {
        const group = parts[1]!;
        const versions = Object.keys(served).filter((gv) => gv.startsWith(`${group}/`) && served[gv]!.length);
        if (!versions.length) throw notFound(req.path);
        return { versions: versions.map((gv) => ({ groupVersion: gv })), preferredVersion: { groupVersion: preferred[group] ?? versions[0] } };
      }
      if (parts[0] === 'apis' && parts.length === 3) {
        const kinds = served[`${parts[1]}/${parts[2]}`];
        if (!kinds?.length) throw notFound(req.path);
        return { resources: kinds.map((kind) => ({ name: `${kind.toLowerCase()}s`, kind, namespaced: true })) };
      }
      const gv = `${parts[1]}/${parts[2]}`;
      if (!served[gv]?.some((k) => `${k.toLowerCase()}s` === parts[5])) throw notFound(req.path, '404 page not found');
      const id = `${parts[1]}/${parts[5]}/${parts[4]}/${parts[6]}`;
      const obj = objects.get(id);
      if (!obj) throw notFound(req.path, 'not found');
      if (req.method === 'GET') return { ...obj, apiVersion: gv };
      if (req.method === 'DELETE') { objects.delete(id); return {}; }
      if (req.method === 'PATCH') return obj;
      throw new Error(`unexpected ${req.method}`);
    },
  } as unknown as KubeRest;
  const client = new KubeObjects(rest);
  const ctx = { identities: { clientFor: () => client }, objects: client, log: { warn() {}, info() {}, debug() {} } } as unknown as EngineContext;
  const put = (group: string, plural: string, name: string) => objects.set(`${group}/${plural}/shop--main/${name}`, {
    apiVersion: '', kind: '', metadata: { name, namespace: 'shop--main', uid: `uid-${name}`, labels, managedFields: [{ manager: 'ria', operation: 'Apply' }] },
  });
  return { ctx, objects, seen, put, served };
}

const widget = (apiVersion: string, name = 'w1'): InventoryEntry => ({ apiVersion, kind: 'Widget', namespace: 'shop--main', name });

test('prune: an entry applied at a version the API server no longer serves is read and deleted at the group\'s served version (preferred first)', async () => {
  // The inventory says stable.example.com/v1beta1; the CRD was upgraded: v1 and v2 served, v2 preferred.
  const api = fakeServer({ 'stable.example.com/v1': ['Widget'], 'stable.example.com/v2': ['Widget'] }, { 'stable.example.com': 'stable.example.com/v2' });
  api.put('stable.example.com', 'widgets', 'w1');
  // Before: the read at v1beta1 answered 404, taken for "gone": the entry left the inventory and the object stayed for good.
  assert.deepEqual(await pruneEntry(api.ctx, owner, widget('stable.example.com/v1beta1')), { result: 'deleted' });
  assert.equal(api.objects.size, 0, 'the very object is deleted');
  assert.ok(api.seen.includes('DELETE /apis/stable.example.com/v2/namespaces/shop--main/widgets/w1'), api.seen.join('\n'));
});

test('prune: a kind served at no version of its group is neither deleted nor taken for gone: unserved, with a located reason', async () => {
  const api = fakeServer({ 'stable.example.com/v1': ['Gadget'] }, {});
  api.put('stable.example.com', 'widgets', 'w1');
  const r = await pruneEntry(api.ctx, owner, widget('stable.example.com/v1beta1'));
  assert.equal(r.result, 'unserved');
  assert.match((r as { why: string }).why, /applied as stable\.example\.com\/v1beta1, and the API server serves Widget at no version of stable\.example\.com now \(is its CRD installed\?\)/);
  assert.ok(!api.seen.some((s) => s.startsWith('DELETE')), 'nothing deleted by guess');
  // The whole group gone (its CRDs removed) says the same.
  const gone = fakeServer({}, {});
  assert.equal((await pruneEntry(gone.ctx, owner, widget('stable.example.com/v1beta1'))).result, 'unserved');
});

test('prune: an object gone at a version still served is gone; discovery is asked afresh, so a version removed while the engine ran is not taken for it', async () => {
  const api = fakeServer({ 'stable.example.com/v1': ['Widget'] }, {});
  assert.deepEqual(await pruneEntry(api.ctx, owner, widget('stable.example.com/v1')), { result: 'gone' });
  // The engine's discovery cache knew v1; then v1 stops being served and v2 serves the kind.
  api.put('stable.example.com', 'widgets', 'w2');
  api.served['stable.example.com/v2'] = ['Widget'];
  api.served['stable.example.com/v1'] = [];
  assert.deepEqual(await pruneEntry(api.ctx, owner, widget('stable.example.com/v1', 'w2')), { result: 'deleted' });
  assert.equal(api.objects.size, 0);
});

test('prune: discovery that cannot answer (an aggregated API\'s 503) fails the prune: the entry stays for the retry', async () => {
  const api = fakeServer({ 'stable.example.com/v1': ['Widget'] }, {});
  const call = (api.ctx.identities.clientFor({ kind: 'Widget', name: 'w1' }) as unknown as { rest: { call: (r: KubeRequest) => Promise<unknown> } }).rest;
  const inner = call.call;
  call.call = async (req) => {
    if (req.path === '/apis/stable.example.com/v1beta1' || req.path === '/apis/stable.example.com') throw new KubeApiError('get', undefined, 503, 'service unavailable');
    return inner(req);
  };
  await assert.rejects(pruneEntry(api.ctx, owner, widget('stable.example.com/v1beta1')), /service unavailable/);
});

test('prune step: an unserved entry stays in the inventory, Pruned=False names it (located), the rest is pruned; served again and gone, the condition goes', async () => {
  const api = fakeServer({ 'stable.example.com/v1': ['Gadget'], 'apps/v1': ['Deployment'] }, {});
  api.put('apps', 'deployments', 'old');
  const kept = { apiVersion: 'v1', kind: 'Service', namespace: 'shop--main', name: 'web' };
  const env = { apiVersion: 'ria.dev/v1alpha1', kind: 'Environment', metadata: { name: 'shop--main', namespace: 'ria-system' },
    spec: { app: 'shop', kind: 'branch', target: 'main', branch: 'main', commit: 'c2', namespace: 'shop--main' } } as unknown as Environment;
  const run = (inventory: InventoryEntry[]) => ({
    ctx: api.ctx, env, key: 'ria-system/shop--main', now: new Date('2026-12-02T21:00:00Z'), events: [] as Array<{ type: string; reason: string; message: string }>,
    memory: { lastApplied: new Map(), applied: new Map(), observed: new Map(), fields: new Map() },
    status: { inventory, conditions: [] as Condition[] }, applied: { inventory: [kept], conflicts: [], generations: new Map(), live: new Map(), fields: new Map() }, appliedHash: 'h2',
  }) as unknown as ReconcileRun;
  const first = run([kept, widget('stable.example.com/v1beta1'), { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop--main', name: 'old' }]);
  assert.equal(await pruneObjects(first), undefined, 'the reconcile goes on: what can be pruned is, the environment can be Ready');
  assert.deepEqual(first.status.inventory, [kept, widget('stable.example.com/v1beta1')], 'never lost track of');
  assert.equal(api.objects.size, 0, 'the Deployment was pruned');
  const cond = first.status.conditions?.find((c) => c.type === 'Pruned');
  assert.equal(cond?.status, 'False');
  assert.equal(cond?.reason, 'PruneKindNotServed');
  assert.match(cond!.message, /^Widget\.stable\.example\.com\/shop--main\/w1: it was applied as stable\.example\.com\/v1beta1/);
  assert.deepEqual(first.events.map((e) => [e.type, e.reason]), [['Normal', 'Pruned'], ['Warning', 'PruneKindNotServed']]);
  // The CRD is back (its objects went with it when it was removed): the entry is found gone, and leaves.
  api.served['stable.example.com/v1'] = ['Widget'];
  const second = run(first.status.inventory!);
  second.status.conditions = first.status.conditions!;
  await pruneObjects(second);
  assert.deepEqual(second.status.inventory, [kept]);
  assert.equal(second.status.conditions?.find((c) => c.type === 'Pruned'), undefined);
});

test('finalize: a cluster-scoped object whose kind is served at no version is let go (its objects went with its CRD); holding the finalizer held the Environment for good (review8 F4)', async () => {
  // The namespace is gone; the inventory still has a cluster-scoped Widget whose CRD is gone (an
  // app's own CRD, pruned before it: the API server deleted its Widgets with it).
  const api = fakeServer({ 'ria.dev/v1': ['Environment'] }, {});
  api.objects.set('ria.dev/environments/ria/shop--main', { apiVersion: '', kind: '', metadata: { name: 'shop--main', namespace: 'ria' } });
  const env = {
    apiVersion: 'ria.dev/v1', kind: 'Environment',
    metadata: { name: 'shop--main', namespace: 'ria', finalizers: [ENVIRONMENT_FINALIZER], deletionTimestamp: '2026-12-03T00:00:00Z', resourceVersion: '7' },
    spec: { app: 'shop', kind: 'branch', branch: 'main', target: 'main', commit: 'a'.repeat(40), namespace: 'shop--main' },
    status: { inventory: [{ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'widgets.stable.example.com' }, { apiVersion: 'stable.example.com/v1beta1', kind: 'Widget', name: 'w1' }] },
  } as unknown as Environment;
  // Test: the finalizer goes (before: { unserved }, and the same each minute until the CRD came back).
  assert.equal(await finalizeEnvironment(api.ctx, env), 'done');
  assert.ok(api.seen.includes('PATCH /apis/ria.dev/v1/namespaces/ria/environments/shop--main'), api.seen.join('\n'));
});
