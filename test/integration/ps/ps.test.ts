import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { testClients, uniqueName, eventually } from '../../support/kube.js';
import { captureIO } from '../../support/io.js';
import { main } from '../../../engine/cli/main.js';
import { createPsCommand } from '../../../engine/cli/ps-command.js';
import { applyInstall } from '../../../engine/install/apply-install.js';
import { riaCrds } from '../../../engine/crds/definitions.js';
import type { EnvironmentStatus, EnvironmentSpec } from '../../../engine/crds/types.js';
import type { KubeObject } from '../../../engine/kube/objects.js';

const { kc, core, ria } = testClients();
const custom = kc.makeApiClient(CustomObjectsApi);
const kubeconfig = process.env.RIA_TEST_KUBECONFIG!;
const SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

async function setup(prefix: string) {
  await applyInstall({ objects: riaCrds as unknown as KubeObject[], client: ria });
  const ns = uniqueName(prefix);
  await core.createNamespace({ body: { metadata: { name: ns } } });
  return ns;
}

async function createEnvironment(ns: string, name: string, spec: Partial<EnvironmentSpec>, status?: EnvironmentStatus) {
  const body = { apiVersion: 'ria.dev/v1alpha1', kind: 'Environment', metadata: { name, namespace: ns },
    spec: { app: 'web', kind: 'branch', target: 'main', commit: SHA, namespace: `${ns}-${name}`, ...spec } };
  const created = await custom.createNamespacedCustomObject({ group: 'ria.dev', version: 'v1alpha1', namespace: ns, plural: 'environments', body });
  if (status) {
    await custom.replaceNamespacedCustomObjectStatus({ group: 'ria.dev', version: 'v1alpha1', namespace: ns, plural: 'environments', name, body: { ...created, status } });
  }
}

const now = () => new Date().toISOString();
const readyStatus: EnvironmentStatus = {
  phase: 'Ready', shortCommit: SHA.slice(0, 7), url: 'https://main.web.example.com',
  conditions: [{ type: 'Ready', status: 'True', reason: 'Deployed', message: 'Deployed a1b2c3d', lastTransitionTime: now() }],
};
const failedStatus: EnvironmentStatus = {
  phase: 'Failed', shortCommit: 'ffffeee',
  conditions: [{ type: 'Ready', status: 'False', reason: 'BuildFailed', message: 'build of service api failed: exit code 2', lastTransitionTime: now() }],
};

const rowsOf = (out: string) => out.trim().split('\n').map((l) => l.split(/ {3,}/));

test('ria ps lists the Environments of the cluster with app, branch/PR, commit, phase, URL, age and message', async () => {
  // Setup
  const ns = await setup('ps');
  const app = uniqueName('shop');
  await createEnvironment(ns, `${app}--main`, { app }, readyStatus);
  await createEnvironment(ns, `${app}--pr-7`, { app, kind: 'pr', target: 'pr-7', pullRequest: 7, branch: 'fix' }, failedStatus);
  await createEnvironment(ns, 'other--main', { app: 'other' });

  // Test: one namespace
  let io = captureIO();
  assert.equal(await main(['ps', '-n', ns, '--kubeconfig', kubeconfig], io), 0, io.err());
  const rows = rowsOf(io.out());
  assert.deepEqual(rows[0], ['APP', 'BRANCH/PR', 'COMMIT', 'PHASE', 'URL', 'AGE', 'MESSAGE']);
  assert.equal(rows.length, 4, io.out());
  assert.match(io.out(), /^other {3,}main {3,}a1b2c3d {3,}Pending {3,}- {3,}\d+s$/m);
  const [main1, pr] = rows.filter((r) => r[0] === app);
  assert.deepEqual(main1?.slice(0, 5), [app, 'main', 'a1b2c3d', 'Ready', 'https://main.web.example.com']);
  assert.match(main1?.[5] ?? '', /^\d+s$/);
  assert.equal(main1?.[6], undefined, 'no message when Ready');
  assert.deepEqual(pr?.slice(0, 5), [app, 'pr-7', 'ffffeee', 'Failed', '-']);
  assert.equal(pr?.[6], 'build of service api failed: exit code 2');

  // All namespaces (the default), filtered by app
  io = captureIO();
  assert.equal(await main(['ps', '--app', app, '--kubeconfig', kubeconfig], io), 0, io.err());
  assert.deepEqual(rowsOf(io.out()).map((r) => r[1]), ['BRANCH/PR', 'main', 'pr-7']);

  io = captureIO();
  assert.equal(await main(['ps', '--app', app, '--json', '--kubeconfig', kubeconfig], io), 0, io.err());
  const json = JSON.parse(io.out()) as Array<Record<string, string>>;
  assert.deepEqual(json.map((r) => [r.namespace, r.name, r.phase]), [[ns, `${app}--main`, 'Ready'], [ns, `${app}--pr-7`, 'Failed']]);

  io = captureIO();
  assert.equal(await main(['ps', '--app', 'no-such-app', '--kubeconfig', kubeconfig], io), 0);
  assert.equal(io.out(), 'No environments found for app "no-such-app".\n');
});

test('ria ps -w reprints when an Environment is added or changes', async () => {
  // Setup
  const ns = await setup('psw');
  let stop!: () => void;
  const stopped = new Promise<void>((r) => { stop = r; });
  const ps = createPsCommand({ until: () => stopped });
  const io = captureIO();

  // Test
  const running = ps.run(['-w', '-n', ns, '--kubeconfig', kubeconfig], io);
  await eventually('the empty table', async () => io.out().includes(`No environments found in namespace ${ns}.`), 10_000, 50);
  await createEnvironment(ns, 'web--main', {});
  await eventually('the new environment', async () => /^web {3,}main {3,}a1b2c3d {3,}Pending/m.test(io.out()), 10_000, 50);
  const env = await custom.getNamespacedCustomObject({ group: 'ria.dev', version: 'v1alpha1', namespace: ns, plural: 'environments', name: 'web--main' });
  await custom.replaceNamespacedCustomObjectStatus({ group: 'ria.dev', version: 'v1alpha1', namespace: ns, plural: 'environments', name: 'web--main', body: { ...env, status: readyStatus } });
  await eventually('the status change', async () => /^web {3,}main {3,}a1b2c3d {3,}Ready {3,}https:\/\/main\.web\.example\.com/m.test(io.out()), 10_000, 50);
  stop();
  assert.equal(await running, 0);
  assert.equal(io.err(), '');
});

test('kubectl get environments -A shows the printer columns', async () => {
  // Setup
  const ns = await setup('kubectl');
  await createEnvironment(ns, 'web--main', {}, readyStatus);

  // Test
  const kubectl = process.env.RIA_TEST_KUBECTL!;
  const result = spawnSync(kubectl, ['--kubeconfig', kubeconfig, 'get', 'environments', '-A'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const lines = result.stdout.trim().split('\n');
  assert.match(lines[0]!, /^NAMESPACE\s+NAME\s+APP\s+BRANCH\/PR\s+COMMIT\s+PHASE\s+ROLLOUT\s+URL\s+AGE$/);
  const row = lines.find((l) => l.startsWith(`${ns} `));
  assert.ok(row, result.stdout);
  // No rollout: the ROLLOUT cell is empty (or <none>, depending on kubectl).
  assert.deepEqual(row.split(/\s+/).filter((c) => c !== '<none>').slice(0, 7), [ns, 'web--main', 'web', 'main', 'a1b2c3d', 'Ready', 'https://main.web.example.com']);
});
