import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { engineHarness, phaseIs, type EngineHarness } from '../../support/engine-harness.js';
import { testClients } from '../../support/kube.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { main } from '../../../engine/cli/main.js';
import { captureIO } from '../../support/io.js';
import { tempDir } from '../../support/temp-dir.js';

const clients = testClients();
const { apps, core } = clients;
const rbac = clients.kc.makeApiClient(RbacAuthorizationV1Api);
let h: EngineHarness;

before(async () => {
  h = await engineHarness();
});
after(() => h.close());

const web = 'services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n';
const indent = (yaml: string) => yaml.split('\n').map((l) => `    ${l}`).join('\n');

test('a Riofile whose manifests bind cluster-admin, claim kube-system and run a privileged pod is refused before anything is applied; what runs stays', async () => {
  const app = h.appName('attack');
  await h.commitApp('attack', 'main', { Riofile: web });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'attack') });
  await h.waitEnvironment(`${app}--main`, 'Ready', phaseIs('Ready'));
  const before = await apps.readNamespacedDeployment({ namespace: `${app}--main`, name: 'web' });
  const kubeSystem = await core.readNamespace({ name: 'kube-system' });

  const binding = `ria-test-${h.suffix}-admin`;
  const manifest = [
    `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: ${binding}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cluster-admin\nsubjects:\n- kind: ServiceAccount\n  name: default\n  namespace: ${app}--main`,
    'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kube-system\n  labels:\n    owned: "yes"',
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: escape\nspec:\n  selector:\n    matchLabels: {app: escape}\n  template:\n    metadata:\n      labels: {app: escape}\n    spec:\n      hostPID: true\n      containers:\n      - name: c\n        image: busybox\n        securityContext:\n          privileged: true',
  ].join('\n---\n');
  await h.commitApp('attack', 'main', { Riofile: `${web}kubernetes:\n  manifest: |-\n${indent(manifest)}\n` });
  const failed = await h.waitEnvironment(`${app}--main`, 'Failed (PolicyDenied)', (e) => e.status?.phase === 'Failed' && e.status.observedCommit === e.spec.commit);
  const stalled = failed.status?.conditions?.find((c) => c.type === 'Stalled');
  assert.equal(stalled?.reason, 'PolicyDenied');
  assert.equal(failed.status?.lastError?.path, 'kubernetes.manifest[0].kind');
  assert.equal(failed.status?.lastError?.line, 8);
  assert.match(failed.status?.lastError?.message ?? '', new RegExp(`allow: \\{ globalPermissions: true \\}" in apps/${app}\\.yaml`));
  // Every refusal is listed (the message is cut at the condition's limit, so check the first ones).
  for (const key of ['clusterRoles: \\[cluster-admin\\]', 'hostNamespaces: true']) {
    assert.match(failed.status?.lastError?.message ?? '', new RegExp(key));
  }
  assert.match(failed.status?.lastError?.message ?? '', /Namespace other than the environment's own/);

  // Nothing of the refused commit reached the cluster; the previous commit keeps running.
  await assert.rejects(rbac.readClusterRoleBinding({ name: binding }), (err: { code?: number }) => err.code === 404);
  const after = await core.readNamespace({ name: 'kube-system' });
  assert.deepEqual(after.metadata?.labels, kubeSystem.metadata?.labels);
  await assert.rejects(apps.readNamespacedDeployment({ namespace: `${app}--main`, name: 'escape' }), (err: { code?: number }) => err.code === 404);
  const still = await apps.readNamespacedDeployment({ namespace: `${app}--main`, name: 'web' });
  assert.equal(still.metadata?.resourceVersion, before.metadata?.resourceVersion);
});

test('environment namespaces carry Pod Security labels: the API server itself refuses a privileged pod there', async () => {
  const app = h.appName('psa');
  await h.commitApp('psa', 'main', { Riofile: web });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'psa') });
  await h.waitEnvironment(`${app}--main`, 'Ready', phaseIs('Ready'));
  const ns = await core.readNamespace({ name: `${app}--main` });
  assert.equal(ns.metadata?.labels?.['pod-security.kubernetes.io/enforce'], 'baseline');
  assert.equal(ns.metadata?.labels?.['pod-security.kubernetes.io/warn'], 'restricted');
  // As cluster admin, bypassing Ria: the namespace label alone makes the API server refuse it.
  await assert.rejects(core.createNamespacedPod({ namespace: `${app}--main`, body: {
    metadata: { name: 'root' }, spec: { containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] },
  } }), (err: { code?: number; body?: unknown }) => err.code === 403 && /violates PodSecurity.*baseline:latest/.test(String(err.body)));
});

test('what the config allows deploys: a privileged service with allow.privileged runs, its namespace enforcing privileged', async () => {
  const app = h.appName('trusted');
  await h.commitApp('trusted', 'main', { Riofile: `${web}    privileged: true\n` });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'trusted') });
  const failed = await h.waitEnvironment(`${app}--main`, 'Failed without allow', phaseIs('Failed'));
  assert.equal(failed.status?.lastError?.line, 5);
  assert.match(failed.status?.lastError?.message ?? '', new RegExp(`allow: \\{ privileged: true \\}" in apps/${app}\\.yaml`));

  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'trusted', 'allow: { privileged: true }\n') });
  await h.waitEnvironment(`${app}--main`, 'Ready once allowed', phaseIs('Ready'));
  const ns = await core.readNamespace({ name: `${app}--main` });
  assert.equal(ns.metadata?.labels?.['pod-security.kubernetes.io/enforce'], 'privileged');
  const deployment = await apps.readNamespacedDeployment({ namespace: `${app}--main`, name: 'web' });
  assert.equal(deployment.spec?.template.spec?.containers[0]?.securityContext?.privileged, true);
});

test('ria validate --config gives the engine\'s verdict: the same located message the Environment shows', async () => {
  const app = h.appName('same');
  const riofile = `${web}    env:\n    - A=b\n    volumes:\n    - /var/run/docker.sock:/var/run/docker.sock\n`;
  const appFile = h.appFile(app, 'same');
  await h.commitApp('same', 'main', { Riofile: riofile });
  await h.commitConfig({ [`apps/${app}.yaml`]: appFile });
  const failed = await h.waitEnvironment(`${app}--main`, 'Failed (PolicyDenied)', phaseIs('Failed'));
  assert.equal(failed.status?.conditions?.find((c) => c.type === 'Stalled')?.reason, 'PolicyDenied');

  // The same files, checked out: the CLI prints exactly what the engine wrote.
  const dir = tempDir('ria-same-');
  await mkdir(join(dir, 'config', 'apps'), { recursive: true });
  await writeFile(join(dir, 'config', 'ria.yaml'), 'pollInterval: 1s\ndomain: apps.test\n');
  await writeFile(join(dir, 'config', 'apps', `${app}.yaml`), appFile);
  await writeFile(join(dir, 'Riofile'), riofile);
  const io = captureIO(dir);
  assert.equal(await main(['validate', '--config', 'config', '--app', app, 'Riofile'], io), 1);
  assert.equal(io.out().trim(), failed.status?.lastError?.message);
  assert.equal(failed.status?.lastError?.line, 8);
  assert.match(io.out(), /^Riofile:8:7: services\.web\.volumes\[0\]: .*allow: \{ hostPath: true \}/);
});
