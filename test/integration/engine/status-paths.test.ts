/**
 * On the real control plane: a step that fails is shown on the Environment (phase, reason,
 * message) and in its Events; a no-op reconcile records no Event; a broken config repository is
 * shown on every App (ConfigSynced) and clears once fixed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CoreV1Event } from '@kubernetes/client-node';
import { engineHarness, phaseIs, type EngineHarness } from '../../support/engine-harness.js';
import { testClients, eventually } from '../../support/kube.js';
import type { ReconcileResult } from '../../../engine/controller/context.js';

const { core } = testClients();
let h: EngineHarness;
const results: ReconcileResult[] = [];

before(async () => {
  // Polling slowed to an hour: each test says exactly when the engine looks (poke), like a webhook.
  h = await engineHarness({ settings: 'pollInterval: 1h\ndomain: apps.test\n', hooks: { reconciled: (r) => { results.push(r); } } });
});
after(() => h.close());

const eventsOf = async (name: string): Promise<CoreV1Event[]> =>
  (await core.listNamespacedEvent({ namespace: h.namespace, fieldSelector: `involvedObject.name=${name}` })).items;
const summary = (events: CoreV1Event[]) => events.map((e) => `${e.type} ${e.reason} x${e.count}`).sort();

test('a build Job Ria may not create (quota in the builder namespace): Failed with BuildStartFailed and a Warning Event, then Ready once lifted; a no-op reconcile records no Event', async () => {
  // Setup: the builder namespace (builds never run in Ria's own) may hold no Job at all.
  const builds = `${h.namespace}-builds`;
  await core.createNamespace({ body: { metadata: { name: builds } } });
  await core.createNamespacedResourceQuota({ namespace: builds, body: { metadata: { name: 'no-jobs' }, spec: { hard: { 'count/jobs.batch': '0' } } } });
  await eventually('quota status', async () => (await core.readNamespacedResourceQuota({ namespace: builds, name: 'no-jobs' })).status?.hard ? true : undefined);
  const app = h.appName('nojob');
  const env = `${app}--main`;
  const sha = await h.commitApp('nojob', 'main', { Riofile: 'services:\n  api:\n    image: ./\n    ports: 8080/http\n', Dockerfile: 'FROM scratch\n' });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'nojob') });
  h.engine.poke(h.git.urlFor('config'));

  // Test: the failure is where users look.
  const failed = await h.waitEnvironment(env, 'Failed with BuildStartFailed', (e) => e.status?.phase === 'Failed'
    && e.status.conditions?.some((c) => c.type === 'Ready' && c.reason === 'BuildStartFailed') === true);
  const ready = failed.status?.conditions?.find((c) => c.type === 'Ready');
  assert.match(ready?.message ?? '', /exceeded quota/);
  assert.match(failed.status?.lastError?.message ?? '', /exceeded quota.*retrying with backoff/);
  assert.equal(failed.status?.observedCommit, sha);
  const warning = await eventually('Warning Event', async () => (await eventsOf(env)).find((e) => e.type === 'Warning' && e.reason === 'BuildStartFailed'));
  assert.match(warning.message ?? '', /exceeded quota/);
  assert.equal(warning.involvedObject.kind, 'Environment');
  assert.ok(!(await eventsOf(env)).some((e) => e.type === 'Normal'), 'progress is not an Event: only the failure so far');

  await core.deleteNamespacedResourceQuota({ namespace: builds, name: 'no-jobs' });
  // Retried with backoff, no poke needed.
  await h.waitEnvironment(env, 'Ready after the quota went', (e) => e.status?.appliedCommit === sha && e.status.phase === 'Ready', 120_000);
  const events = await eventually('Normal events', async () => {
    const all = await eventsOf(env);
    return ['BuildStarted', 'Deployed'].every((r) => all.some((e) => e.reason === r)) ? all : undefined;
  });
  assert.match(events.find((e) => e.reason === 'Deployed')?.message ?? '', new RegExp(`^deployed ${sha.slice(0, 7)} \\(\\d+ objects\\)$`));
  assert.ok(!events.some((e) => e.reason === 'Applied'), 'the apply is said by Deployed');
  assert.ok(!events.some((e) => /password|token/i.test(e.message ?? '')));

  // A reconcile with nothing to do records nothing.
  const before = summary(await eventsOf(env));
  const noops = results.filter((r) => r === 'noop').length;
  h.engine.queue.add(`env/${h.namespace}/${env}`);
  await eventually('a no-op reconcile', async () => results.filter((r) => r === 'noop').length > noops || undefined);
  assert.deepEqual(summary(await eventsOf(env)), before);
});

test('config repository: unreachable, then a bad ria.yaml, then a bad app file: every App says so in ConfigSynced (located); fixed: cleared', async () => {
  // Setup
  const app = h.appName('cfg');
  await h.commitApp('cfg', 'main', { Riofile: 'services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n' });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'cfg') });
  h.engine.poke(h.git.urlFor('config'));
  await h.waitEnvironment(`${app}--main`, 'Ready', phaseIs('Ready'));
  const synced = (status: string, reason?: string) => async () => {
    const c = (await h.app(app))?.status?.conditions?.find((x) => x.type === 'ConfigSynced');
    return c?.status === status && (!reason || c.reason === reason) ? c : undefined;
  };
  await eventually('ConfigSynced=True', synced('True', 'Synced'));

  // Test: unreachable
  await h.git.setDown('refuse');
  h.engine.poke(h.git.urlFor('config'));
  const down = await eventually('ConfigSynced=False/ConfigFetchFailed', synced('False', 'ConfigFetchFailed'), 30_000);
  assert.match(down.message, /config repository .*config.*\(branch main\): .*unreachable.*stays in force/);
  const warning = await eventually('Warning Event on the App', async () => (await eventsOf(app)).find((e) => e.reason === 'ConfigFetchFailed'));
  assert.equal(warning.involvedObject.kind, 'App');
  assert.equal((await h.app(app))?.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True', 'the app itself is fine');
  await h.git.setDown(false);
  h.engine.poke(h.git.urlFor('config'));
  await eventually('ConfigSynced=True again', synced('True', 'Synced'), 60_000);

  // A bad ria.yaml
  await h.commitConfig({ 'ria.yaml': 'pollInterval: 1h\ndomian: apps.test\n' });
  h.engine.poke(h.git.urlFor('config'));
  const badSettings = await eventually('ConfigSynced=False/SettingsInvalid', synced('False', 'SettingsInvalid'));
  assert.match(badSettings.message, /ria\.yaml:2:1: .*domian/);
  await h.commitConfig({ 'ria.yaml': 'pollInterval: 1h\ndomain: apps.test\n' });
  h.engine.poke(h.git.urlFor('config'));
  await eventually('ConfigSynced=True after ria.yaml is fixed', synced('True'));

  // Another app's file is bad: this App says the config commit was not fully usable
  const broken = h.appName('broken');
  await h.commitConfig({ [`apps/${broken}.yaml`]: 'repo: https://git.example.com/x.git\nbrnaches: [main]\n' });
  h.engine.poke(h.git.urlFor('config'));
  const badApp = await eventually('ConfigSynced=False/ConfigInvalid', synced('False', 'ConfigInvalid'));
  assert.match(badApp.message, new RegExp(`apps/${broken}\\.yaml:2:1: .*brnaches`));
  assert.equal((await h.environment(`${app}--main`))?.status?.phase, 'Ready', 'what runs is untouched');
  await h.commitConfig({ [`apps/${broken}.yaml`]: null });
  h.engine.poke(h.git.urlFor('config'));
  await eventually('ConfigSynced=True after the file is removed', synced('True'));
});
