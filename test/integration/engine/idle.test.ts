import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { engineHarness, type EngineHarness } from '../../support/engine-harness.js';
import { eventually } from '../../support/kube.js';
import { API_VERSION, type Environment } from '../../../engine/crds/types.js';

let h: EngineHarness;
const BRANCHES = 20;

before(async () => {
  h = await engineHarness();
});
after(() => h.close());

test(`an idle engine with ${BRANCHES} environments writes nothing to the API server for a minute`, async () => {
  // Setup: one app tracking every branch, 20 branches.
  const app = h.appName('idle');
  for (let i = 0; i < BRANCHES; i++) {
    await h.commitApp('idle', `b${i}`, { Riofile: `services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n    env:\n    - BRANCH=${i}\n` });
  }
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'idle').replace('branches: [main]', "branches: ['b*']") });
  await eventually(`${BRANCHES} environments Ready`, async () => {
    const envs = await h.ctx.objects.list<Environment>(API_VERSION, 'Environment', { namespace: h.namespace, labelSelector: `ria.dev/app=${app}` });
    return envs.length === BRANCHES && envs.every((e) => e.status?.phase === 'Ready') ? envs : undefined;
  }, 180_000);
  await h.engine.queue.idle();
  await new Promise((r) => setTimeout(r, 3_000));

  // Test: a minute of polling (every second) and watching, and not one write.
  const stats = h.ctx.objects.rest.stats;
  const writesBefore = stats.writes;
  const readsBefore = stats.reads;
  const connectionsBefore = stats.connections;
  await new Promise((r) => setTimeout(r, 60_000));
  assert.equal(stats.writes - writesBefore, 0, `writes during the idle minute: ${JSON.stringify(stats.byVerb)}`);
  assert.ok(stats.reads > readsBefore, 'the engine was polling the whole time');
  const reads = stats.reads - readsBefore;
  const connections = stats.connections - connectionsBefore;
  assert.ok(connections * 10 < reads, `kept-alive connections: ${connections} opened for ${reads} reads`);
});
