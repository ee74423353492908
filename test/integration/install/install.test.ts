import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiextensionsV1Api, AuthorizationV1Api, CustomObjectsApi, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { testClients, uniqueName } from '../../support/kube.js';
import { captureIO } from '../../support/io.js';
import { main } from '../../../engine/cli/main.js';
import { installManifests } from '../../../engine/install/manifests.js';

const { kc, core, apps, objects } = testClients();
const apiext = kc.makeApiClient(ApiextensionsV1Api);
const authz = kc.makeApiClient(AuthorizationV1Api);
const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
const kubeconfig = process.env.RIA_TEST_KUBECONFIG!;
const configRepo = 'https://git.example/acme/config.git';

async function install(ns: string, ...extra: string[]) {
  const io = captureIO();
  const code = await main(['install', '--namespace', ns, '--config-repo', configRepo, '--image', 'ria:test', '--kubeconfig', kubeconfig, ...extra], io);
  assert.equal(code, 0, io.err());
  return io.out().trim().split('\n');
}

/** resourceVersion (and generation) of every installed object, read back from the server. */
async function versions(ns: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const o of installManifests({ namespace: ns, image: 'ria:test', configRepo })) {
    const live = await objects.read({ apiVersion: o.apiVersion!, kind: o.kind!, metadata: { name: o.metadata!.name!, ...(o.metadata!.namespace ? { namespace: o.metadata!.namespace } : {}) } });
    // The Deployment's status is written by the controller; its spec is what must not change.
    out[`${o.kind}/${o.metadata!.name}`] = o.kind === 'Deployment' ? `generation ${live.metadata?.generation}` : `rv ${live.metadata?.resourceVersion}`;
  }
  return out;
}

async function can(ns: string, verb: string, group: string, resource: string, namespace?: string, name?: string): Promise<boolean> {
  const review = await authz.createSubjectAccessReview({ body: { spec: {
    user: `system:serviceaccount:${ns}:ria-engine`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
    resourceAttributes: { verb, group, resource, ...(namespace ? { namespace } : {}), ...(name ? { name } : {}) },
  } } });
  return review.status?.allowed === true;
}

test('ria install applies everything, the CRDs become Established, and a second install changes nothing', async () => {
  // Setup
  const ns = uniqueName('ria-install');

  // Test
  const first = await install(ns);
  assert.equal(first.length, 10, first.join('\n'));
  for (const line of first.filter((l) => !l.startsWith('CustomResourceDefinition/'))) assert.match(line, / created$/);
  for (const name of ['apps.ria.dev', 'environments.ria.dev']) {
    const crd = await apiext.readCustomResourceDefinition({ name });
    assert.equal(crd.status?.conditions?.find((c) => c.type === 'Established')?.status, 'True', `${name} Established`);
  }
  const deployment = await apps.readNamespacedDeployment({ namespace: ns, name: 'ria-engine' });
  assert.deepEqual(deployment.spec?.template.spec?.containers[0]?.args, ['engine']);
  assert.equal((await core.readNamespacedServiceAccount({ namespace: ns, name: 'ria-engine' })).metadata?.name, 'ria-engine');
  assert.equal((await core.readNamespacedService({ namespace: ns, name: 'ria-engine' })).spec?.ports?.[0]?.port, 8080);
  const binding = await rbac.readClusterRoleBinding({ name: `ria-engine-${ns}` });
  assert.deepEqual(binding.subjects?.map(({ kind, name, namespace }) => ({ kind, name, namespace })), [{ kind: 'ServiceAccount', name: 'ria-engine', namespace: ns }]);

  const before = await versions(ns);
  const second = await install(ns);
  assert.deepEqual(second, first.map((l) => l.replace(/ (created|configured|unchanged)$/, ' unchanged')));
  assert.deepEqual(await versions(ns), before, 'a second install writes nothing');
});

test('an Environment created after ria install is listed by ria ps', async () => {
  // Setup
  const ns = uniqueName('ria-install-ps');
  await install(ns);
  await custom.createNamespacedCustomObject({ group: 'ria.dev', version: 'v1alpha1', namespace: ns, plural: 'environments', body: {
    apiVersion: 'ria.dev/v1alpha1', kind: 'Environment', metadata: { name: 'blog-main' },
    spec: { app: 'blog', kind: 'branch', target: 'main', commit: '9f8e7d6c5b4a39281706f5e4d3c2b1a098765432', namespace: 'blog-main' },
  } });

  // Test
  const io = captureIO();
  assert.equal(await main(['ps', '-n', ns, '--kubeconfig', kubeconfig], io), 0, io.err());
  const lines = io.out().trim().split('\n');
  assert.match(lines[0]!, /^APP +BRANCH\/PR +COMMIT +PHASE +URL +AGE +MESSAGE$/);
  assert.match(lines[1]!, /^blog {3,}main {3,}9f8e7d6 {3,}Pending {3,}- {3,}\d+s$/);
  assert.equal(lines.length, 2);
});

test('the engine service account can do what Ria does, and nothing else', async () => {
  // Setup
  const ns = uniqueName('ria-rbac');
  await install(ns);
  const elsewhere = 'some-app-namespace';

  // Test
  const allowed: Array<[string, string, string, string | undefined, string?]> = [
    ['patch', 'ria.dev', 'environments', elsewhere],
    ['update', 'ria.dev', 'environments/status', elsewhere],
    ['create', '', 'namespaces', undefined],
    ['create', 'apps', 'deployments', elsewhere],
    ['delete', 'gateway.networking.k8s.io', 'httproutes', elsewhere],
    ['create', 'batch', 'jobs', elsewhere],
    ['escalate', 'rbac.authorization.k8s.io', 'clusterroles', undefined],
    ['bind', 'rbac.authorization.k8s.io', 'roles', elsewhere],
    ['update', 'coordination.k8s.io', 'leases', ns, 'ria-engine'],
    ['create', 'coordination.k8s.io', 'leases', ns],
    ['patch', '', 'pods', ns], // the leader labels its own Pod
  ];
  const denied: Array<[string, string, string, string | undefined, string?]> = [
    ['create', '', 'pods', elsewhere],
    ['patch', '', 'pods', elsewhere],
    ['delete', '', 'pods', ns],
    ['get', '', 'nodes', undefined],
    ['update', 'coordination.k8s.io', 'leases', 'kube-system', 'kube-scheduler'],
    ['update', 'coordination.k8s.io', 'leases', ns, 'someone-else'],
    ['create', 'apiextensions.k8s.io', 'customresourcedefinitions', undefined],
    ['update', 'apps', 'deployments', elsewhere],
  ];
  for (const [verb, group, resource, namespace, name] of allowed) {
    assert.equal(await can(ns, verb, group, resource, namespace, name), true, `allowed: ${verb} ${group}/${resource} in ${namespace} ${name ?? ''}`);
  }
  for (const [verb, group, resource, namespace, name] of denied) {
    assert.equal(await can(ns, verb, group, resource, namespace, name), false, `denied: ${verb} ${group}/${resource} in ${namespace} ${name ?? ''}`);
  }
});

test('ria install --dry-run validates on the server and creates nothing', async () => {
  const ns = uniqueName('ria-dry');
  const lines = await install(ns, '--dry-run');
  assert.ok(lines.some((l) => l === `Namespace/${ns} created (server dry run)`), lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith(`Deployment/${ns}/ria-engine created (not validated: namespace ${ns} does not exist yet)`)), lines.join('\n'));
  await assert.rejects(core.readNamespace({ name: ns }), (err: { code?: number }) => err.code === 404);
});
