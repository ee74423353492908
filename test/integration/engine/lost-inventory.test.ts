/**
 * An engine that stops after an apply and before the status recording its inventory (a first
 * deploy's status is held back up to 10 s, pending-status.ts): the restarted engine finds the
 * Environment without an inventory, while its namespace holds what that apply made. A commit that
 * dropped a service in between must still prune it (leftovers.ts); what is not Ria's is left.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { engineHarness, type EngineHarness } from '../../support/engine-harness.js';
import { eventually } from '../../support/kube.js';
import { API_VERSION } from '../../../engine/crds/types.js';
import type { KubeObject } from '../../../engine/kube/objects.js';
import { LabelKeys } from '../../../engine/render/labels.js';

let h: EngineHarness;

before(async () => {
  h = await engineHarness();
});
after(() => h.close());

const web = 'services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n';
const old = '  old:\n    image: nginx:1.27\n    ports: 80/http\n';

test('an Environment without a recorded inventory prunes what an earlier apply left in its namespace, never an object that is not Ria\'s', async () => {
  // Setup: deployed with two services; then, engine stopped, the status is gone (as if never written).
  const app = h.appName('lost');
  const ns = `${app}--main`;
  const first = await h.commitApp('lost', 'main', { Riofile: web + old });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'lost') });
  await h.waitEnvironment(ns, `applied ${first}`, (e) => e.status?.appliedCommit === first && e.status?.phase === 'Ready');
  const service = (name: string) => h.ctx.objects.get<KubeObject>({ apiVersion: 'v1', kind: 'Service', namespace: ns, name });
  const deployment = (name: string) => h.ctx.objects.get<KubeObject>({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name });
  assert.ok(await service('old') && await deployment('old'), 'the first apply made service old');
  // Someone else's objects labelled as the environment's (labels anyone may copy): not applied by Ria.
  const namespace = await h.ctx.objects.get<KubeObject>({ apiVersion: 'v1', kind: 'Namespace', name: ns });
  const labels = Object.fromEntries([LabelKeys.managedBy, LabelKeys.app, LabelKeys.environment].map((k) => [k, namespace!.metadata.labels![k]!]));
  await h.ctx.objects.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'by-hand', namespace: ns, labels }, spec: { ports: [{ port: 80 }] } } as KubeObject, { fieldManager: 'kubectl' });
  await h.ctx.objects.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'by-hand', namespace: ns, labels }, data: { a: 'b' } } as KubeObject, { fieldManager: 'kubectl' });
  await h.stopEngine();
  const ref = { apiVersion: API_VERSION, kind: 'Environment', namespace: h.namespace, name: ns };
  await h.ctx.objects.rest.call({ verb: 'patch', method: 'PATCH', path: `${await h.ctx.objects.paths.path(ref)}/status`, body: { status: null }, contentType: 'application/merge-patch+json' });
  assert.equal((await h.environment(ns))?.status, undefined, 'no status stored');
  // The commit dropping `old` is pushed while the engine is down; the Environment already names it
  // (as the app sync would), so the restarted engine's first reconcile is of that commit.
  const second = await h.commitApp('lost', 'main', { Riofile: web });
  await h.ctx.objects.mergePatch(ref, { spec: { commit: second } });

  // Test
  await h.restartEngine();
  const env = await h.waitEnvironment(ns, `applied ${second}`, (e) => e.status?.appliedCommit === second && e.status?.phase === 'Ready');
  await eventually('service old pruned', async () => !await service('old') && !await deployment('old'));
  assert.ok(await service('web') && await deployment('web'), 'what the commit has stays');
  assert.ok(await service('by-hand'), 'a Service Ria never applied is left, labels or not');
  assert.ok(await h.ctx.objects.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'by-hand' }), 'a ConfigMap Ria never applied is left');
  const names = env.status?.inventory?.map((e) => `${e.kind}/${e.name}`) ?? [];
  assert.ok(names.includes('Service/web') && !names.includes('Service/old') && !names.includes('Service/by-hand'), `inventory: ${names.join(', ')}`);
});
