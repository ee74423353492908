import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyWaves } from '../../../engine/controller/environment/apply.js';
import { namespaceRouteScope } from '../../../engine/controller/environment/memory.js';
import { driftedWorkloads } from '../../../engine/controller/environment/reconcile.js';
import { usablePushHint } from '../../../engine/controller/app/push.js';
import { ObjectCaches } from '../../../engine/git/object-cache.js';
import { mayHaveSupersededBuilds, usableEnvironmentCopy } from '../../../engine/controller/engine.js';
import type { Environment } from '../../../engine/crds/types.js';
import { watchedWorkloads, workloadLite } from '../../../engine/controller/environment/memory.js';
import { workloadReady } from '../../../engine/controller/environment/readiness.js';
import { refOf, type KubeObject } from '../../../engine/kube/objects.js';

const obj = (kind: string, name: string, namespace: string | undefined = 'shop--main'): KubeObject => ({
  apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1', kind, metadata: { name, ...(namespace ? { namespace } : {}) },
});
const names = (waves: KubeObject[][]) => waves.map((w) => w.map((o) => `${o.kind}/${o.metadata.name}`));
const rendered = [obj('Namespace', 'shop--main', undefined), obj('ServiceAccount', 'web'), obj('ConfigMap', 'conf'), obj('Deployment', 'web'), obj('Service', 'web')];

test('apply waves: a first deploy goes Namespace, then identities and config, then the rest', () => {
  assert.deepEqual(names(applyWaves(rendered)), [
    ['Namespace/shop--main'], ['ServiceAccount/web', 'ConfigMap/conf'], ['Deployment/web', 'Service/web'],
  ]);
});

test('apply waves: the environment\'s identity goes bindings first, then its ServiceAccount (the moment a new binding takes to be effective), then what is written as it', () => {
  const identity = [obj('ServiceAccount', 'ria-environment'), obj('RoleBinding', 'ria-environment'), obj('RoleBinding', 'ria-environment-permissions')];
  const all = [rendered[0]!, ...identity, ...rendered.slice(1)];
  assert.deepEqual(names(applyWaves(all)), [
    ['Namespace/shop--main'], ['RoleBinding/ria-environment', 'RoleBinding/ria-environment-permissions'], ['ServiceAccount/ria-environment'],
    ['ServiceAccount/web', 'ConfigMap/conf'], ['Deployment/web', 'Service/web'],
  ]);
  assert.deepEqual(applyWaves(all, all.map(refOf)).length, 1, 'a running environment: one wave as before');
});

test('apply waves: an update of a running environment is one wave', () => {
  assert.deepEqual(names(applyWaves(rendered, rendered.map(refOf))), [rendered.map((o) => `${o.kind}/${o.metadata.name}`)]);
});

test('apply waves: the Namespace alone first when its route scope changed, so the admission policy judges the routes by the new one', () => {
  const routes = [...rendered, { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'shop--main' } }];
  assert.deepEqual(names(applyWaves(routes, routes.map(refOf), true)), [['Namespace/shop--main'], routes.slice(1).map((o) => `${o.kind}/${o.metadata.name}`)]);
  assert.deepEqual(applyWaves(routes, routes.map(refOf), false).length, 1, 'unchanged: one wave');
  assert.deepEqual(names(applyWaves(rendered, [], true)), names(applyWaves(rendered)), 'a first deploy: as before');
});

test('namespaceRouteScope: the ria.dev/route-* annotations of the environment\'s Namespace only, in a stable order', () => {
  const ns = (annotations: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop--main', annotations } });
  const a = namespaceRouteScope([ns({ 'ria.dev/route-issuer': 'ClusterIssuer/le', 'ria.dev/route-domain': 'apps.test', other: 'x' })], 'shop--main');
  assert.equal(a, namespaceRouteScope([ns({ 'ria.dev/route-domain': 'apps.test', 'ria.dev/route-issuer': 'ClusterIssuer/le', other: 'y' })], 'shop--main'));
  assert.notEqual(a, namespaceRouteScope([ns({ 'ria.dev/route-domain': 'apps.test', 'ria.dev/route-issuer': '' })], 'shop--main'));
});

test('apply waves: a new ConfigMap goes before the running Deployment that now mounts it; the rest at once', () => {
  const existing = rendered.filter((o) => o.kind !== 'ConfigMap').map(refOf);
  assert.deepEqual(names(applyWaves(rendered, existing)), [
    ['Namespace/shop--main', 'ServiceAccount/web', 'ConfigMap/conf'], ['Deployment/web', 'Service/web'],
  ]);
});

test('drift: a generation above what Ria applied, or a deletion, is someone else\'s change; Ria\'s own apply is not', () => {
  const inventory = [refOf(obj('Deployment', 'web')), refOf(obj('Deployment', 'worker')), refOf(obj('Service', 'web'))];
  const memory = { applied: new Map([['Deployment.apps/shop--main/web', 3], ['Deployment.apps/shop--main/worker', 2]]), observed: new Map<string, number>() };
  assert.deepEqual(driftedWorkloads(memory, inventory), [], 'nothing observed yet');
  memory.observed.set('Deployment.apps/shop--main/web', 3); // the watch event of Ria's own apply
  memory.observed.set('Deployment.apps/shop--main/worker', 1); // a stale event
  assert.deepEqual(driftedWorkloads(memory, inventory), []);
  memory.observed.set('Deployment.apps/shop--main/web', 4); // kubectl scale
  memory.observed.set('Deployment.apps/shop--main/worker', -1); // kubectl delete
  assert.deepEqual(driftedWorkloads(memory, inventory), ['Deployment.apps/shop--main/web', 'Deployment.apps/shop--main/worker']);
  assert.deepEqual(driftedWorkloads(memory, undefined), []);
});

test('push hints: only a branch that moved to a full SHA stands in for a listing', () => {
  const sha = 'a'.repeat(40);
  assert.equal(usablePushHint({ ref: 'refs/heads/main', sha, before: '0'.repeat(40) }), true);
  assert.equal(usablePushHint({ ref: 'refs/heads/main', sha: '0'.repeat(40), before: sha }), false, 'a deleted branch');
  assert.equal(usablePushHint({ ref: 'refs/tags/v1', sha, before: '0'.repeat(40) }), false);
  assert.equal(usablePushHint({ ref: 'refs/heads/main', sha: 'abc', before: sha }), false);
});

test('object caches: one per directory, the least recently used forgotten past the limit', () => {
  const caches = new ObjectCaches(2);
  const read = (dir: string) => { const use = caches.use(dir); use.release(); return use.cache; };
  const a = read('/a');
  assert.equal(read('/a'), a);
  read('/b');
  read('/a'); // /a is now the most recent
  read('/c'); // /b goes
  assert.equal(read('/a'), a);
  caches.markPrepared('/a', 'https://x/a.git');
  assert.equal(caches.isPrepared('/a', 'https://x/a.git'), true);
  assert.equal(caches.isPrepared('/a', 'https://x/other.git'), false, 'a new URL for the directory prepares it again');
  caches.drop('/a');
  assert.notEqual(read('/a'), a);
  assert.equal(caches.isPrepared('/a', 'https://x/a.git'), false);
});

test('an app sync lists its build Jobs only when the Job watch knows one for a commit no environment deploys (or has not listed them yet)', () => {
  const live = new Set(['c2']);
  assert.equal(mayHaveSupersededBuilds(undefined, 'shop', live), true, 'the watch has not listed the Jobs yet');
  assert.equal(mayHaveSupersededBuilds([], 'shop', live), false, 'no Jobs at all: a cold start without builds');
  assert.equal(mayHaveSupersededBuilds([{ app: 'shop', commit: 'c2' }, { app: 'other', commit: 'c1' }], 'shop', live), false);
  assert.equal(mayHaveSupersededBuilds([{ app: 'shop', commit: 'c1' }], 'shop', live), true);
});

test('a rollout check uses the watched Deployment when it is at the generation Ria applied; an older copy or one Ria did not apply is read', () => {
  const dep = (generation: number): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop--main', generation, managedFields: [{ manager: 'x' }] } as never,
    spec: { replicas: 2, template: { spec: { containers: [] } } }, status: { observedGeneration: generation, replicas: 2, updatedReplicas: 2, availableReplicas: 2, readyReplicas: 2 } });
  const key = 'Deployment.apps/shop--main/web';
  const lite = workloadLite(dep(3));
  assert.deepEqual(lite, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop--main', generation: 3 }, spec: { replicas: 2 },
    status: { observedGeneration: 3, replicas: 2, updatedReplicas: 2, availableReplicas: 2 } }, 'what readiness reads, no more');
  assert.deepEqual(workloadReady(lite), workloadReady(dep(3)));
  const memory = { applied: new Map([[key, 3]]), workloads: new Map([[key, lite]]) };
  assert.equal(watchedWorkloads(memory, [key]).get(key), lite);
  assert.equal(watchedWorkloads({ ...memory, applied: new Map([[key, 4]]) }, [key]).size, 0, 'the watch is behind Ria\'s own apply');
  assert.equal(watchedWorkloads({ ...memory, applied: new Map() }, [key]).size, 0, 'not applied by this process (a restart)');
  assert.equal(watchedWorkloads({ applied: memory.applied }, [key]).size, 0);
});

test('a reconcile starts from the watch\'s copy of its Environment only when it is the version this process last saw, and no app sync applied it since', () => {
  const env = { apiVersion: 'ria.dev/v1alpha1', kind: 'Environment', metadata: { name: 'shop--main', namespace: 'ria', resourceVersion: '42' },
    spec: { app: 'shop', kind: 'branch', target: 'main', branch: 'main', commit: 'c1', namespace: 'shop--main' }, status: { phase: 'Deploying' } } as unknown as Environment;
  const copy = usableEnvironmentCopy(env, '42', false);
  assert.deepEqual(copy, env);
  assert.notEqual(copy, env, 'a copy: the reconcile changes what it is given');
  copy!.status!.phase = 'Ready';
  assert.equal(env.status!.phase, 'Deploying');
  assert.equal(usableEnvironmentCopy(env, '41', false), undefined, 'the watch delivered someone else\'s write (or is behind the engine\'s own): read');
  assert.equal(usableEnvironmentCopy(env, undefined, false), undefined, 'never reconciled by this process: read');
  assert.equal(usableEnvironmentCopy(env, '42', true), undefined, 'an app sync applied it since (a new commit), the watch may not have it yet: read');
  assert.equal(usableEnvironmentCopy(undefined, '42', false), undefined);
});
