import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { engineHarness, type EngineHarness } from '../../support/engine-harness.js';
import { eventually } from '../../support/kube.js';
import { API_VERSION, type Environment } from '../../../engine/crds/types.js';
import { memoryKey } from '../../../engine/controller/environment/memory.js';

let h: EngineHarness;
const BRANCHES = 20;
/** Short, so that the idle minute holds drift checks of every environment (the default is 5 minutes). */
const DRIFT_MS = 20_000;
let envs: Environment[] = [];

before(async () => {
  h = await engineHarness({ driftIntervalMs: DRIFT_MS });
});
after(() => h.close());

test(`an idle engine with ${BRANCHES} environments writes nothing to the API server for a minute, drift checks included`, async () => {
  // Setup: one app tracking every branch, 20 branches.
  const app = h.appName('idle');
  for (let i = 0; i < BRANCHES; i++) {
    await h.commitApp('idle', `b${i}`, { Riofile: `services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n    env:\n    - BRANCH=${i}\n` });
  }
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'idle').replace('branches: [main]', "branches: ['b*']") });
  envs = await eventually(`${BRANCHES} environments Ready`, async () => {
    const list = await h.ctx.objects.list<Environment>(API_VERSION, 'Environment', { namespace: h.namespace, labelSelector: `ria.dev/app=${app}` });
    return list.length === BRANCHES && list.every((e) => e.status?.phase === 'Ready') ? list : undefined;
  }, 180_000);
  await h.engine.queue.idle();
  await new Promise((r) => setTimeout(r, 3_000));

  // Test: a minute of polling (every second), watching and drift checks (every 20 s), and not one write.
  const stats = h.ctx.objects.rest.stats;
  const writesBefore = stats.writes;
  const readsBefore = stats.reads;
  const connectionsBefore = stats.connections;
  const started = Date.now();
  await new Promise((r) => setTimeout(r, 60_000));
  assert.equal(stats.writes - writesBefore, 0, `writes during the idle minute: ${JSON.stringify(stats.byVerb)}`);
  assert.ok(stats.reads > readsBefore, 'the engine was polling the whole time');
  const checked = envs.filter((e) => (h.engine.memory.lastApplied.get(memoryKey(h.namespace, e.metadata!.name!)) ?? 0) >= started);
  assert.equal(checked.length, BRANCHES, 'every environment was checked for drift during the minute');
  const reads = stats.reads - readsBefore;
  const connections = stats.connections - connectionsBefore;
  assert.ok(connections * 10 < reads, `kept-alive connections: ${connections} opened for ${reads} reads`);
});

test('what the drift check compares is still put back: a label removed by hand, a kubectl scale', async () => {
  const ns = envs[0]!.spec.namespace;
  const service = { apiVersion: 'v1', kind: 'Service', namespace: ns, name: 'web' };
  const label = 'app.kubernetes.io/name';
  assert.ok((await h.ctx.objects.get(service))?.metadata.labels?.[label], `Service web has ${label}`);
  // Not a Deployment: no watch event tells the engine; only the drift check finds it.
  await h.ctx.objects.mergePatch(service, { metadata: { labels: { [label]: null } } });
  await eventually('label put back by the drift check', async () => ((await h.ctx.objects.get(service))?.metadata.labels?.[label] ? true : undefined), 3 * DRIFT_MS);
  // `kubectl scale`: the scale subresource.
  await h.ctx.objects.rest.call({ verb: 'patch', method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/web/scale`,
    body: { spec: { replicas: 4 } }, contentType: 'application/merge-patch+json' });
  await eventually('replicas put back', async () => {
    const d = await h.ctx.objects.get<{ spec: { replicas: number } }>({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' });
    return d?.spec.replicas === 1 ? true : undefined;
  }, 3 * DRIFT_MS);
});
