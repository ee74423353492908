import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Watch } from '@kubernetes/client-node';
import { engineHarness, type EngineHarness } from '../../support/engine-harness.js';
import { testClients } from '../../support/kube.js';
import type { KubeObject } from '../../../engine/kube/objects.js';

const { kc } = testClients();
let h: EngineHarness;

const service = 'services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n';
/** A Riofile manifest of the HPA `web-scaler` at `apiVersion`; `spec` is what follows its target (indented 6). */
const hpa = (apiVersion: string, spec: string) => `kubernetes:
  manifest: |-
    apiVersion: ${apiVersion}
    kind: HorizontalPodAutoscaler
    metadata:
      name: web-scaler
    spec:
      scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: web }
${spec}`;
const hpaV1 = hpa('autoscaling/v1', `      minReplicas: 1
      maxReplicas: 3
      targetCPUUtilizationPercentage: 80
`);
const hpaV2 = hpa('autoscaling/v2', `      minReplicas: 1
      maxReplicas: 4
      metrics:
      - type: Resource
        resource: { name: cpu, target: { type: Utilization, averageUtilization: 70 } }
`);

before(async () => {
  h = await engineHarness();
});
after(() => h.close());

test('a manifest object moved to another version of its group (HPA autoscaling/v1 -> v2) is updated in place, never pruned', async () => {
  // Setup
  const app = h.appName('scaler');
  const ns = `${app}--main`;
  const ref = { kind: 'HorizontalPodAutoscaler', namespace: ns, name: 'web-scaler' };
  const first = await h.commitApp('scaler', 'main', { Riofile: service + hpaV1 });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'scaler') });
  await h.waitEnvironment(ns, `applied ${first}`, (e) => e.status?.appliedCommit === first && e.status?.phase === 'Ready');
  const before = await h.ctx.objects.get<KubeObject>({ apiVersion: 'autoscaling/v1', ...ref });
  assert.ok(before?.metadata.uid, 'the HPA exists');
  // Every change to the object from here on, replayed from its resourceVersion: a deletion cannot slip between two reads.
  const events: string[] = [];
  const watch = await new Watch(kc).watch(`/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers`,
    { fieldSelector: 'metadata.name=web-scaler', resourceVersion: before.metadata.resourceVersion! },
    (type) => { events.push(type); }, () => {});

  // Test
  try {
    const second = await h.commitApp('scaler', 'main', { Riofile: service + hpaV2 });
    const env = await h.waitEnvironment(ns, `applied ${second}`, (e) => e.status?.appliedCommit === second && e.status?.phase === 'Ready');
    const now = await h.ctx.objects.get<KubeObject & { spec: { maxReplicas: number } }>({ apiVersion: 'autoscaling/v2', ...ref });
    assert.ok(now, 'the HPA is still there after the prune');
    assert.equal(now.metadata.uid, before.metadata.uid, 'the same object: not deleted and made again');
    assert.equal(now.spec.maxReplicas, 4, 'the v2 manifest was applied');
    const entries = env.status?.inventory?.filter((e) => e.kind === 'HorizontalPodAutoscaler') ?? [];
    assert.deepEqual(entries.map((e) => e.apiVersion), ['autoscaling/v2'], 'one inventory entry, at the version last applied');
    // Give a DELETED event (the watch replays from the first version) time to arrive.
    await new Promise((r) => setTimeout(r, 1_000));
    assert.ok(!events.includes('DELETED'), `no DELETED event for the HPA (saw ${events.join(', ')})`);
    assert.ok(events.includes('MODIFIED'), `the watch saw the update (saw ${events.join(', ') || 'nothing'})`);
  } finally {
    watch.abort();
  }
});
