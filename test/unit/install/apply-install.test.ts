import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyInstall } from '../../../engine/install/apply-install.js';
import { KubeApiError, type KubeObjectRef } from '../../../engine/kube/errors.js';
import { refOf, type KubeObject } from '../../../engine/kube/objects.js';

/** An API server in a Map: apply bumps the resourceVersion only when the object changes; CRDs become Established on the second read. */
function fakeServer() {
  const store = new Map<string, KubeObject>();
  const calls: string[] = [];
  const key = (r: KubeObjectRef) => `${r.kind}/${r.namespace ?? ''}/${r.name}`;
  let version = 0;
  const reads = new Map<string, number>();
  return {
    store, calls,
    async get<T>(ref: KubeObjectRef): Promise<T | undefined> {
      calls.push(`get ${key(ref)}`);
      const obj = store.get(key(ref));
      if (!obj) return undefined;
      const n = (reads.get(key(ref)) ?? 0) + 1;
      reads.set(key(ref), n);
      if (obj.kind === 'CustomResourceDefinition') return { ...obj, status: { conditions: [{ type: 'Established', status: n > 1 ? 'True' : 'False' }] } } as T;
      return structuredClone(obj) as T;
    },
    async apply<T>(obj: KubeObject, options: { dryRun?: boolean; force?: boolean } = {}): Promise<T> {
      calls.push(`apply ${key(refOf(obj))}${options.dryRun ? ' dry' : ''}${options.force ? ' force' : ''}`);
      if (options.dryRun && obj.metadata.namespace && !store.has(`Namespace//${obj.metadata.namespace}`)) {
        throw new KubeApiError('apply', refOf(obj), 404, `namespaces "${obj.metadata.namespace}" not found`, 'NotFound');
      }
      const before = store.get(key(refOf(obj)));
      const { resourceVersion: _rv, ...meta } = before?.metadata ?? { name: '' };
      const same = before && JSON.stringify({ ...obj, metadata: { ...obj.metadata } }) === JSON.stringify({ ...before, metadata: meta });
      const next = same ? before : { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++version) } };
      if (!options.dryRun) store.set(key(refOf(obj)), next);
      return structuredClone(next) as T;
    },
  };
}

const crd: KubeObject = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'apps.ria.dev' }, spec: {} };
const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ria-system' } };
const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'ria-system' }, data: { a: '1' } };

test('applyInstall: CRDs first and Established before the rest; forced applies; a second install changes nothing', async () => {
  // Setup
  const server = fakeServer();
  const sleeps: number[] = [];

  // Test
  const first = await applyInstall({ objects: [ns, cm, crd], client: server, sleep: async (ms) => { sleeps.push(ms); } });
  assert.deepEqual(first.map((r) => `${r.ref.kind} ${r.action}`), ['CustomResourceDefinition created', 'Namespace created', 'ConfigMap created']);
  assert.ok(sleeps.length >= 1, 'waited for the CRD to be Established');
  const firstApply = server.calls.findIndex((c) => c.startsWith('apply Namespace'));
  assert.ok(server.calls.slice(0, firstApply).filter((c) => c.startsWith('get CustomResourceDefinition')).length >= 3, 'the CRD was read until Established before anything else was applied');
  assert.ok(server.calls.filter((c) => c.startsWith('apply')).every((c) => c.endsWith(' force')), 'every apply is forced');
  const second = await applyInstall({ objects: [ns, cm, crd], client: server, sleep: async () => {} });
  assert.deepEqual(second.map((r) => r.action), ['unchanged', 'unchanged', 'unchanged']);
  const third = await applyInstall({ objects: [ns, { ...cm, data: { a: '2' } }, crd], client: server, sleep: async () => {} });
  assert.deepEqual(third.map((r) => r.action), ['unchanged', 'unchanged', 'configured']);
});

test('applyInstall dry run: nothing stored, objects in a namespace that does not exist yet are reported, not failed', async () => {
  const server = fakeServer();
  const results = await applyInstall({ objects: [ns, cm], client: server, dryRun: true });
  assert.deepEqual(results.map((r) => [r.action, r.note ?? '']), [['created', ''], ['created', 'not validated: namespace ria-system does not exist yet']]);
  assert.equal(server.store.size, 0);
});

test('applyInstall: a CRD never Established fails with the CRD named', async () => {
  const server = fakeServer();
  server.get = async () => undefined;
  let t = 0;
  await assert.rejects(applyInstall({ objects: [crd], client: server, establishTimeoutMs: 1_000, sleep: async (ms) => { t += ms; }, now: () => t }),
    /CRDs not Established after 1 s: apps\.ria\.dev \(not found\)/);
});
