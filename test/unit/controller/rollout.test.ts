import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canaryHealth, keptVersionObjects, parseAction, rolledBackWorkloads, rolloutBusy, rolloutOutcome } from '../../../engine/controller/environment/rollout.js';
import type { ReconcileRun } from '../../../engine/controller/environment/outcome.js';
import type { EnvironmentStatus } from '../../../engine/crds/types.js';

const C1 = 'a'.repeat(40);
const C2 = 'b'.repeat(40);
const ref = (kind: string, name: string) => ({ apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1', kind, namespace: 'shop--main', name });

function run(status: EnvironmentStatus, commit = C2): ReconcileRun {
  return { status, env: { spec: { commit, namespace: 'shop--main' }, metadata: { name: 'shop--main' } } } as unknown as ReconcileRun;
}

const midRollout: EnvironmentStatus = {
  inventory: [ref('Deployment', 'web-vaaaaa'), ref('Service', 'web-vaaaaa'), ref('Deployment', 'web-vbbbbb')],
  rollout: { services: { web: {
    phase: 'Progressing', weight: 30, step: 3, lastTransition: '2026-12-02T06:00:00Z', reason: 'Stepped',
    stable: { name: 'vaaaaa', commit: C1, objects: [ref('Deployment', 'web-vaaaaa'), ref('Service', 'web-vaaaaa'), ref('HTTPRoute', 'web-vaaaaa')] },
    canary: { name: 'vbbbbb', commit: C2, objects: [ref('Deployment', 'web-vbbbbb')] },
  } }, summary: 'vbbbbb 30% → 40%' },
};

test('controller rollout: the objects of earlier versions still live are kept (only those still in the inventory)', () => {
  assert.deepEqual(keptVersionObjects(run(midRollout)).map((o) => `${o.kind}/${o.name}`), ['Deployment/web-vaaaaa', 'Service/web-vaaaaa']);
  assert.deepEqual(keptVersionObjects(run({ ...midRollout, rollout: undefined })), []);
});

test('controller rollout: busy while stepping, draining, rolled back and not yet scaled down, or an action waits', () => {
  assert.equal(rolloutBusy(midRollout, undefined), true);
  const done: EnvironmentStatus = { rollout: { services: { web: { phase: 'Complete', weight: 0, step: 0, lastTransition: 'x', reason: 'RolledOut', stable: { name: 'vbbbbb', commit: C2 } } }, lastAction: 'promote/1' } };
  assert.equal(rolloutBusy(done, undefined), false);
  assert.equal(rolloutBusy(done, { 'ria.dev/rollout-action': 'promote/1' }), false, 'an action already acted on');
  assert.equal(rolloutBusy(done, { 'ria.dev/rollout-action': 'pause/2' }), true);
});

test('controller rollout: a rolled-back version stalls the environment with its reason and is left out of readiness', () => {
  const rolledBack: EnvironmentStatus = { rollout: { services: { web: { ...midRollout.rollout!.services['web']!, phase: 'RolledBack', reason: 'NotReady', message: 'vbbbbb rolled back at step 3 (30%): not ready' } } } };
  const outcome = rolloutOutcome(run(rolledBack));
  assert.deepEqual(outcome, { kind: 'stalled', reason: 'RolledBack', message: 'vbbbbb rolled back at step 3 (30%): not ready' });
  assert.deepEqual([...rolledBackWorkloads(run(rolledBack))], ['Deployment.apps/shop--main/web-vbbbbb']);
  const stepping = rolloutOutcome(run(midRollout));
  assert.equal(stepping?.kind, 'waiting');
  assert.equal(stepping?.kind === 'waiting' && stepping.message, 'rolling out vbbbbb 30% → 40%');
});

test('controller rollout: actions from the annotation', () => {
  assert.equal(parseAction('pause/2026-12-02T06:00:00.000Z'), 'pause');
  assert.equal(parseAction('Promote'), 'promote');
  assert.equal(parseAction('rollback'), undefined);
});

test('controller rollout: health of a new version from its Deployment and Pods: ready, starting, stuck, crash-looping', async () => {
  const deployment = (status: Record<string, unknown>) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web-vbbbbb', generation: 1 }, spec: { replicas: 1 }, status: { observedGeneration: 1, ...status } });
  const pod = (restartCount: number, waiting?: string) => ({ metadata: { name: 'web-vbbbbb-x' }, status: { containerStatuses: [{ name: 'web-vbbbbb', restartCount, ...(waiting ? { state: { waiting: { reason: waiting } } } : {}) }] } });
  const health = (d: unknown, pods: unknown[]) => {
    const lists: string[] = [];
    const objects = { get: async () => d, list: async (_v: string, _k: string, o: { labelSelector: string }) => { lists.push(o.labelSelector); return pods; } };
    // Pods are listed as the environment (the engine holds no pods right): a client of its own.
    const clientFor = (ref: { kind: string; namespace: string }) => (ref.kind === 'Pod' && ref.namespace === 'shop--main' ? { list: objects.list } : assert.fail(`client for ${ref.kind}`));
    const r = { ctx: { objects: { get: objects.get }, identities: { clientFor } }, env: { spec: { namespace: 'shop--main' } } } as unknown as ReconcileRun;
    return canaryHealth(r, 'web-vbbbbb').then((h) => ({ ...h, lists }));
  };
  assert.deepEqual(await health(undefined, []), { state: 'pending', message: 'Deployment/web-vbbbbb: not created yet', lists: [] });
  const ready = await health(deployment({ replicas: 1, updatedReplicas: 1, availableReplicas: 1 }), [pod(0)]);
  assert.equal(ready.state, 'ready');
  assert.deepEqual(ready.lists, ['ria.dev/service=web-vbbbbb'], 'only the new version\'s pods');
  assert.equal((await health(deployment({ replicas: 1, updatedReplicas: 1, availableReplicas: 0 }), [pod(0)])).state, 'pending');
  const stuck = await health(deployment({ conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-vbbbbb-1" has timed out progressing.' }] }), []);
  assert.deepEqual([stuck.state, stuck.message], ['failed', 'Deployment/web-vbbbbb: ReplicaSet "web-vbbbbb-1" has timed out progressing.']);
  const crashing = await health(deployment({ replicas: 1, updatedReplicas: 1, availableReplicas: 1 }), [pod(2, 'CrashLoopBackOff')]);
  assert.deepEqual([crashing.state, crashing.message], ['failed', 'Pod web-vbbbbb-x: container web-vbbbbb in CrashLoopBackOff (2 restarts)']);
  assert.equal((await health(deployment({ replicas: 1, updatedReplicas: 1, availableReplicas: 1 }), [pod(3)])).state, 'failed', 'restarted 3 times');
});
