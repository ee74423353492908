/**
 * ria.yaml's git limits through the real git smart-HTTP server: a commit whose pack is larger than
 * git.maxFetchSize stalls its environment with the located reason while the commit deployed
 * before keeps running; raising the limit deploys it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { engineHarness, phaseIs, type EngineHarness } from '../../support/engine-harness.js';
import { testClients } from '../../support/kube.js';

const { apps } = testClients();
let h: EngineHarness;

before(async () => {
  // Polling slowed to an hour: the test says when the engine looks (poke), like a webhook.
  h = await engineHarness({ settings: 'pollInterval: 1h\ndomain: apps.test\ngit: { maxFetchSize: 64Ki }\n' });
});
after(() => h.close());

/** ~320 KB of hex that packs to well over 64 KiB. */
function incompressible(lines = 4000): string {
  let x = 'seed';
  return Array.from({ length: lines }, () => (x = createHash('sha256').update(x).digest('hex')) + x.slice(0, 16) + '\n').join('');
}

test('a commit over git.maxFetchSize: the Environment stalls with GitPackTooLarge (ref, commit, limit, what to do); the commit before keeps running, nothing pruned; a raised limit deploys it', async () => {
  // Setup: a first commit deployed.
  const app = h.appName('big');
  const env = `${app}--main`;
  const riofile = (replicas: number) => `services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n    scale: ${replicas}\n`;
  const first = await h.commitApp('big', 'main', { Riofile: riofile(1) });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'big') });
  h.engine.poke(h.git.urlFor('config'));
  const ready = await h.waitEnvironment(env, 'Ready at the first commit', (e) => e.status?.phase === 'Ready' && e.status.appliedCommit === first);
  const namespace = ready.spec.namespace;
  const inventory = ready.status?.inventory;

  // Test: a commit whose pack is over the limit.
  const second = await h.commitApp('big', 'main', { Riofile: riofile(2), 'assets.txt': incompressible() });
  h.engine.poke(h.git.urlFor('big'));
  const stalled = await h.waitEnvironment(env, 'Stalled with GitPackTooLarge', (e) => e.status?.phase === 'Failed'
    && e.status.conditions?.some((c) => c.type === 'Stalled' && c.status === 'True' && c.reason === 'GitPackTooLarge') === true);
  const condition = stalled.status?.conditions?.find((c) => c.type === 'Stalled');
  assert.match(condition?.message ?? '', new RegExp(`^pack of main at ${second.slice(0, 7)} over ria\\.yaml's git\\.maxFetchSize \\(64 KiB\\), not read: make the commit smaller, or raise it`));
  assert.match(stalled.status?.lastError?.message ?? '', /git\.maxFetchSize/);
  assert.equal(stalled.spec.commit, second);
  assert.equal(stalled.status?.appliedCommit, first, 'the commit before stays applied');
  assert.deepEqual(stalled.status?.inventory, inventory, 'nothing pruned');
  const web = await apps.readNamespacedDeployment({ namespace, name: 'web' });
  assert.equal(web.spec?.replicas, 1, 'what ran keeps running, unchanged');

  // Raised in ria.yaml: the same commit deploys.
  await h.commitConfig({ 'ria.yaml': 'pollInterval: 1h\ndomain: apps.test\ngit: { maxFetchSize: 4Mi }\n' });
  h.engine.poke(h.git.urlFor('config'));
  await h.waitEnvironment(env, 'Ready at the second commit', (e) => phaseIs('Ready')(e) && e.status?.appliedCommit === second);
  assert.equal((await apps.readNamespacedDeployment({ namespace, name: 'web' })).spec?.replicas, 2);
});

test('a commit whose small pack inflates past git.maxObjectSize: the Environment stalls with GitPackTooLarge naming the key; the commit before keeps running, nothing pruned; a raised limit deploys it', async () => {
  // Setup: a first commit deployed, under a limit of 1 MiB an object.
  await h.commitConfig({ 'ria.yaml': 'pollInterval: 1h\ndomain: apps.test\ngit: { maxObjectSize: 1Mi }\n' });
  const app = h.appName('bomb');
  const env = `${app}--main`;
  const riofile = (replicas: number) => `services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n    scale: ${replicas}\n`;
  const first = await h.commitApp('bomb', 'main', { Riofile: riofile(1) });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'bomb') });
  h.engine.poke(h.git.urlFor('config'));
  const ready = await h.waitEnvironment(env, 'Ready at the first commit', (e) => e.status?.phase === 'Ready' && e.status.appliedCommit === first);
  const inventory = ready.status?.inventory;

  // Test: 4 MiB of one repeated byte, a pack of a few KiB (well under git.maxFetchSize).
  const second = await h.commitApp('bomb', 'main', { Riofile: riofile(2), 'zeros.txt': '0'.repeat(4 * 1024 * 1024) });
  h.engine.poke(h.git.urlFor('bomb'));
  const stalled = await h.waitEnvironment(env, 'Stalled with GitPackTooLarge', (e) => e.status?.phase === 'Failed'
    && e.status.conditions?.some((c) => c.type === 'Stalled' && c.status === 'True' && c.reason === 'GitPackTooLarge') === true);
  const condition = stalled.status?.conditions?.find((c) => c.type === 'Stalled');
  assert.match(condition?.message ?? '', new RegExp(`^pack of main at ${second.slice(0, 7)} inflates past ria\\.yaml's git\\.maxObjectSize \\(1 MiB\\) \\(a blob of 4194304 bytes at offset \\d+ of the pack\\), not indexed: make the commit smaller`));
  assert.equal(stalled.status?.appliedCommit, first, 'the commit before stays applied');
  assert.deepEqual(stalled.status?.inventory, inventory, 'nothing pruned');
  assert.equal((await apps.readNamespacedDeployment({ namespace: ready.spec.namespace, name: 'web' })).spec?.replicas, 1, 'what ran keeps running, unchanged');

  // Raised in ria.yaml: the same commit deploys.
  await h.commitConfig({ 'ria.yaml': 'pollInterval: 1h\ndomain: apps.test\ngit: { maxObjectSize: 8Mi }\n' });
  h.engine.poke(h.git.urlFor('config'));
  await h.waitEnvironment(env, 'Ready at the second commit', (e) => phaseIs('Ready')(e) && e.status?.appliedCommit === second);
});
