import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedQueue } from '../../../engine/controller/keyed-queue.js';
import { setCondition } from '../../../engine/controller/conditions.js';
import { inventoryKey, toPrune } from '../../../engine/controller/environment/prune.js';
import { checkPolicy } from '../../../engine/controller/environment/policy.js';
import { workloadReady } from '../../../engine/controller/environment/readiness.js';
import { parseRiofile } from '../../../engine/riofile/index.js';

test('keyed queue: one run per key at a time; a key added while running runs once more; waiting keys coalesce', async () => {
  const runs: string[] = [];
  let active = 0;
  let maxActivePerKey = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const queue = new KeyedQueue({ concurrency: 4, worker: async (key) => {
    active++;
    maxActivePerKey = Math.max(maxActivePerKey, active);
    runs.push(key);
    if (runs.length === 1) await gate;
    active--;
  } });
  queue.add('env/a');
  queue.add('env/a'); // running: marks one more run
  queue.add('env/a'); // still just one more
  release();
  await queue.idle();
  assert.deepEqual(runs, ['env/a', 'env/a']);
  assert.equal(maxActivePerKey, 1);
});

test('setCondition keeps the transition time when the status does not change (no status churn)', () => {
  const t1 = new Date('2026-01-01T00:00:00Z');
  const t2 = new Date('2026-01-01T01:00:00Z');
  const first = setCondition([], { type: 'Ready', status: 'True', reason: 'Deployed', message: 'a' }, t1);
  const same = setCondition(first, { type: 'Ready', status: 'True', reason: 'Deployed', message: 'b' }, t2);
  assert.equal(same[0]!.lastTransitionTime, '2026-01-01T00:00:00Z');
  const flipped = setCondition(same, { type: 'Ready', status: 'False', reason: 'Failed', message: 'c' }, t2);
  assert.equal(flipped[0]!.lastTransitionTime, '2026-01-01T01:00:00Z');
  assert.equal(flipped.length, 1);
});

test('prune: what the old inventory has and the new one lacks, in reverse apply order', () => {
  const ns = { apiVersion: 'v1', kind: 'Namespace', name: 'shop--main' };
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop--main', name: 'site' };
  const dep = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop--main', name: 'worker' };
  const svc = { apiVersion: 'v1', kind: 'Service', namespace: 'shop--main', name: 'worker' };
  assert.deepEqual(toPrune([ns, cm, dep, svc], [ns, cm]), [svc, dep]);
  assert.deepEqual(toPrune(undefined, [ns]), []);
});

test('prune: an object written at another version of its group is the same object, not pruned; another group is another object', () => {
  const ref = { kind: 'HorizontalPodAutoscaler', namespace: 'shop--main', name: 'web' };
  // As stored in an Environment's status today (apiVersion, kind, namespace, name): read as it is.
  const before = [{ apiVersion: 'v1', kind: 'Namespace', name: 'shop--main' }, { apiVersion: 'autoscaling/v1', ...ref }];
  const after = [{ apiVersion: 'v1', kind: 'Namespace', name: 'shop--main' }, { apiVersion: 'autoscaling/v2', ...ref }];
  assert.deepEqual(toPrune(before, after), [], 'autoscaling/v1 -> v2: the HPA just applied is kept');
  assert.deepEqual(toPrune(after, before), [], 'and back');
  assert.equal(inventoryKey(before[1]!), inventoryKey(after[1]!));
  // An Ingress moved from extensions to networking.k8s.io is another group: the old entry goes.
  const old = { apiVersion: 'extensions/v1beta1', kind: 'Ingress', namespace: 'shop--main', name: 'web' };
  const moved = { ...old, apiVersion: 'networking.k8s.io/v1' };
  assert.deepEqual(toPrune([old], [moved]), [old]);
  // A custom resource of a kind named like a built-in one is another object.
  const custom = { apiVersion: 'example.com/v1', kind: 'Deployment', namespace: 'shop--main', name: 'web' };
  const dep = { ...custom, apiVersion: 'apps/v1' };
  assert.deepEqual(toPrune([dep, custom], [dep]), [custom]);
});

test('policy: permissions need allow.permissions, located at the key as the user wrote it', () => {
  const source = 'services:\n  web:\n    image: nginx\n    global_permissions:\n    - get nodes\n';
  const riofile = parseRiofile(source, { file: 'Riofile' });
  const input = { riofile, source, file: 'Riofile', app: 'shop', namespace: 'shop--main', kind: 'branch' as const,
    environment: { app: 'shop', kind: 'branch' as const, branch: 'main', commit: 'c' }, cluster: { domain: 'ria.localhost' } };
  const err = checkPolicy({ ...input, spec: { repo: 'r', branches: ['main'], riofile: 'Riofile' } });
  assert.equal(err?.issues[0]?.line, 4);
  assert.equal(err?.issues[0]?.path, 'services.web.globalPermissions');
  assert.match(err?.issues[0]?.message ?? '', /allow: \{ globalPermissions: true \}" in apps\/shop\.yaml/);
  assert.equal(checkPolicy({ ...input, spec: { repo: 'r', branches: ['main'], riofile: 'Riofile', allow: { globalPermissions: true } } }), undefined);
});

test('a Deployment is ready only when its current generation is rolled out and available', () => {
  const dep = (generation: number, status: Record<string, unknown>) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', generation }, spec: { replicas: 2 }, status });
  assert.equal(workloadReady(dep(2, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 })).ready, false);
  assert.equal(workloadReady(dep(2, { observedGeneration: 2, replicas: 3, updatedReplicas: 2, availableReplicas: 2 })).ready, false, 'old pods still running');
  assert.equal(workloadReady(dep(2, { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 })).ready, true);
  const stuck = workloadReady(dep(2, { observedGeneration: 2, conditions: [{ type: 'Progressing', status: 'False', message: 'ProgressDeadlineExceeded' }] }));
  assert.deepEqual(stuck, { ready: false, message: 'Deployment/web: ProgressDeadlineExceeded', stuck: true });
});
