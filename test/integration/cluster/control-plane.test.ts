import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testClients, uniqueName, eventually } from '../../support/kube.js';
import { applyObject } from '../../support/apply.js';

const { core, apps, batch, ria } = testClients();

test('full mode: a Deployment becomes Available and a Job Completes on kwok nodes', async () => {
  // Setup
  const ns = uniqueName('cp');
  await core.createNamespace({ body: { metadata: { name: ns } } });
  const labels = { app: 'web' };
  await apps.createNamespacedDeployment({ namespace: ns, body: {
    metadata: { name: 'web' },
    spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } },
  } });
  await batch.createNamespacedJob({ namespace: ns, body: {
    metadata: { name: 'once' },
    spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'run', image: 'busybox', command: ['true'] }] } } },
  } });

  // Test
  const deployment = await eventually('Deployment web Available with 2 ready replicas', async () => {
    const d = await apps.readNamespacedDeployment({ namespace: ns, name: 'web' });
    const available = d.status?.conditions?.find((c) => c.type === 'Available')?.status === 'True';
    return available && d.status?.readyReplicas === 2 ? d : undefined;
  });
  assert.equal(deployment.status?.availableReplicas, 2);
  const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' });
  assert.equal(pods.items.length, 2);
  for (const pod of pods.items) {
    assert.equal(pod.status?.phase, 'Running');
    assert.match(pod.spec?.nodeName ?? '', /^kwok-node-/, 'the scheduler bound the pod to a kwok node');
  }
  const job = await eventually('Job once Complete', async () => {
    const j = await batch.readNamespacedJob({ namespace: ns, name: 'once' });
    return j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? j : undefined;
  });
  assert.equal(job.status?.succeeded, 1);
});

test('server-side apply of the same object twice changes nothing the second time', async () => {
  // Setup
  const ns = uniqueName('ssa');
  await core.createNamespace({ body: { metadata: { name: ns } } });
  const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { greeting: 'hello' } };

  // Test
  const first = await applyObject(ria, configMap);
  const second = await applyObject(ria, configMap);
  assert.ok(first.resourceVersion);
  assert.equal(second.resourceVersion, first.resourceVersion, 'a no-op apply must not write');
  const changed = await applyObject(ria, { ...configMap, data: { greeting: 'bonjour' } });
  assert.notEqual(changed.resourceVersion, first.resourceVersion, 'a real change is written');
  const managers = (changed.object.metadata.managedFields ?? []).map((f) => f.manager);
  assert.deepEqual(managers, ['ria']);
});

test('server-side apply errors name the object and carry the server message', async () => {
  const ns = uniqueName('bad');
  await core.createNamespace({ body: { metadata: { name: ns } } });
  await assert.rejects(
    applyObject(ria, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: ns }, spec: { ports: [{ port: 70000 }] } }),
    (err: Error & { code?: string; status?: number }) => {
      assert.equal(err.code, 'KubeApiError');
      assert.equal(err.status, 422);
      assert.match(err.message, /^apply Service\/bad-[0-9a-f]+\/web: /);
      assert.match(err.message, /must be between 1 and 65535/);
      return true;
    });
});
