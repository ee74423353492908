/**
 * Ria's field managers are Ria's, held by the API server (install/ownership-admission.ts): in an
 * environment's namespace, a pod an app's `permissions` gave `patch` (not `delete`) cannot write
 * an object as `ria` with the environment's labels, which made Ria take it for the environment's
 * (ownership.ts) and, with no inventory recorded, prune it (leftovers.ts: review9 F7). The engine
 * and the environment's identity write as `ria` as before, and another writer may still change
 * what Ria applied.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, uniqueName } from '../../support/kube.js';
import { forbidden, installForFile, podClient } from '../../support/installs.js';
import type { KubeObject } from '../../../engine/kube/objects.js';
import { render } from '../../../engine/render/index.js';
import { environmentNamespace } from '../../../engine/render/names.js';
import { parseRiofile } from '../../../engine/riofile/index.js';
import { environmentUser, identityObjects } from '../../../engine/controller/environment/identity.js';
import { notOwnedReason, ownershipLabels, type EnvironmentOwner } from '../../../engine/controller/environment/ownership.js';
import type { Environment } from '../../../engine/render/types.js';

const install = installForFile('ria-owner');
const { admin, made } = install;
const RIA_MANAGER = /ConfigMap forged: the field managers ria, ria-previews are Ria's .* only Ria writes as them in an environment's namespace/;


test('a pod given patch by the app\'s permissions cannot write an object as Ria\'s field manager, so Ria never takes it for the environment\'s; the engine, the environment\'s identity and system:masters can, and the pod may still change what Ria applied', async () => {
  // Setup: an environment as the engine makes it (Namespace, then its identity, as the engine),
  // and a ServiceAccount `web` its `permissions` gave create and patch on ConfigMaps, not delete
  // (written by the cluster admin here: what the environment's Role and RoleBinding would do).
  const app = uniqueName('shop');
  const environment: Environment = { app, kind: 'branch', branch: 'main', commit: 'a'.repeat(40) };
  const namespace = environmentNamespace(environment);
  made.push(namespace);
  const rendered = render({ riofile: parseRiofile('services:\n  web:\n    image: nginx:1.27\n'), environment, cluster: { domain: 'apps.test', registry: 'registry.test' } }).objects;
  await install.engine.apply(rendered.find((o) => o.kind === 'Namespace')!);
  const owner: EnvironmentOwner = { app, environment: 'main', namespace, name: namespace };
  for (const o of identityObjects(owner, { permissions: false })) await install.engine.apply(o);
  const asEnvironment = install.engine.as(environmentUser(namespace));
  const rbac = 'rbac.authorization.k8s.io/v1';
  await admin.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace } }, { fieldManager: 'admin' });
  await admin.apply({ apiVersion: rbac, kind: 'Role', metadata: { name: 'configmaps', namespace }, rules: [
    { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create', 'update', 'patch'] },
  ] }, { fieldManager: 'admin' });
  await admin.apply({ apiVersion: rbac, kind: 'RoleBinding', metadata: { name: 'configmaps', namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmaps' }, subjects: [{ kind: 'ServiceAccount', name: 'web', namespace }] }, { fieldManager: 'admin' });
  const user = `system:serviceaccount:${namespace}:web`;
  const pod = podClient(admin, user);
  const labels = ownershipLabels(owner);
  const configMap = (name: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data });
  const ref = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name });

  // The pod's rights reach the authorizer (RBAC's 403 says "cannot"), and the policy is in force
  // (the API server loads it after the install): a new name each try, which an earlier try may
  // have created as Ria's. With a field to own: an apply that sets none leaves no entry at all.
  let tries = 0;
  await eventually('the pod may write ConfigMaps, and the ownership policy is in force', async () => {
    const probe: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `probe-${tries++}`, namespace }, data: { a: '1' } };
    return pod.apply(probe, { fieldManager: 'ria' }).then(() => false, (e: Error & { status?: number }) => {
      if (e.status === 403 && /cannot/.test(e.message)) return false;
      return forbidden(/ConfigMap probe-\d+: the field managers ria, ria-previews are Ria's/)(e);
    });
  }, 30_000);

  // Test: a server-side apply as `ria` with the environment's labels is refused: the API server's
  // field manager has written the entry before admission runs, and the policy sees it.
  await assert.rejects(pod.apply(configMap('forged', { a: '1' }), { fieldManager: 'ria' }), forbidden(RIA_MANAGER));
  await assert.rejects(pod.apply(configMap('forged', { a: '1' }), { fieldManager: 'ria-previews' }), forbidden(RIA_MANAGER));
  // The same object under its own field manager is accepted, and Ria does not take it for its own...
  await pod.apply(configMap('forged', { a: '1' }));
  const own = (await admin.get<KubeObject>(ref('forged')))!;
  assert.match(notOwnedReason(owner, own) ?? '', /field manager never applied/);
  // ...nor can the pod make it Ria's afterwards: an apply as `ria`, or the entry written into
  // managedFields by an update (a PUT may set them whole).
  await assert.rejects(pod.apply(configMap('forged', { a: '2' }), { fieldManager: 'ria', force: true }), forbidden(RIA_MANAGER));
  const forgedEntry = { manager: 'ria', operation: 'Apply', apiVersion: 'v1', time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } };
  await assert.rejects(pod.replace({ ...own, metadata: { ...own.metadata, managedFields: [...(own.metadata.managedFields ?? []), forgedEntry] } }), forbidden(RIA_MANAGER));
  assert.match(notOwnedReason(owner, (await admin.get<KubeObject>(ref('forged')))!) ?? '', /field manager never applied/);

  // The environment's identity applies as `ria` (every object of a deploy); the pod may still
  // change a field of it (Ria's entry loses that field: a change of an entry, not a new one).
  await asEnvironment.apply(configMap('web-config', { a: '1', b: '1' }));
  assert.equal(notOwnedReason(owner, (await admin.get<KubeObject>(ref('web-config')))!), undefined);
  await pod.mergePatch(ref('web-config'), { data: { a: 'changed by the pod' } });
  await pod.apply(configMap('web-config', { b: '2' }), { force: true });
  assert.deepEqual((await admin.get<KubeObject>(ref('web-config')))?.data, { a: 'changed by the pod', b: '2' });
  // The engine (its identity objects, above) and system:masters pass.
  await admin.apply(configMap('by-admin', { a: '1' }));
});
