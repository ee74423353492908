import { test } from 'node:test';
import assert from 'node:assert/strict';
import { environmentOwner, notOwnedReason, outsideEnvironment, ObjectNotOwnedError } from '../../../engine/controller/environment/ownership.js';
import { render } from '../../../engine/render/index.js';
import { parseRiofile } from '../../../engine/riofile/index.js';
import type { Environment } from '../../../engine/crds/types.js';

const env = (spec: Partial<Environment['spec']> = {}): Environment => ({
  apiVersion: 'ria.dev/v1alpha1', kind: 'Environment', metadata: { name: 'shop--main' },
  spec: { app: 'shop', kind: 'branch', target: 'main', commit: 'a'.repeat(40), namespace: 'shop--main', ...spec },
} as Environment);

const applied = [{ manager: 'ria', operation: 'Apply' }];

test('ownership: the labels render writes are exactly what environmentOwner expects (branch and pull request)', () => {
  // Setup
  const cases: Array<[Environment, Parameters<typeof render>[0]['environment']]> = [
    [env({ branch: 'feature/Big_Thing', target: 'feature/Big_Thing', namespace: 'shop-feature-big-thing' }),
      { app: 'shop', kind: 'branch', branch: 'feature/Big_Thing', commit: 'a'.repeat(40), namespace: 'shop-feature-big-thing' }],
    [env({ kind: 'pr', pullRequest: 7, target: 'main', namespace: 'shop--pr-7' }), { app: 'shop', kind: 'pr', pr: 7, commit: 'a'.repeat(40), namespace: 'shop--pr-7' }],
  ];
  for (const [environment, renderEnv] of cases) {
    const objects = render({ riofile: parseRiofile('services:\n  web:\n    image: nginx\n    ports: 80/http\n', { file: 'Riofile' }),
      environment: renderEnv, cluster: { domain: 'apps.test', registry: 'r.test' } }).objects;

    // Test
    const owner = environmentOwner(environment);
    assert.equal(owner.namespace, renderEnv.namespace);
    for (const o of objects) {
      assert.equal(notOwnedReason(owner, { kind: o.kind, metadata: { ...o.metadata, managedFields: applied } }), undefined, `${o.kind}/${o.metadata.name} is owned`);
    }
  }
});

test('ownership: labels alone are not enough, Ria\'s field manager must have applied the object; other environments\' objects are not ours', () => {
  const owner = environmentOwner(env());
  const labels = { 'app.kubernetes.io/managed-by': 'ria', 'ria.dev/app': 'shop', 'ria.dev/environment': 'main' };
  assert.equal(notOwnedReason(owner, { kind: 'ClusterRole', metadata: { name: 'x', labels, managedFields: applied } }), undefined);
  assert.match(notOwnedReason(owner, { kind: 'ClusterRole', metadata: { name: 'x', labels, managedFields: [{ manager: 'kubectl', operation: 'Apply' }] } })!, /field manager never applied/);
  assert.match(notOwnedReason(owner, { kind: 'ClusterRole', metadata: { name: 'x', labels, managedFields: [{ manager: 'ria', operation: 'Update' }] } })!, /field manager never applied/);
  // An apply of a subresource names its manager too, and no admission policy sees it (a pod given rights on deployments/status).
  assert.match(notOwnedReason(owner, { kind: 'Deployment', metadata: { name: 'x', labels, managedFields: [{ manager: 'ria', operation: 'Apply', subresource: 'status' }] } })!, /field manager never applied/);
  assert.match(notOwnedReason(owner, { kind: 'ClusterRole', metadata: { name: 'cluster-admin', managedFields: applied } })!, /no label app.kubernetes.io\/managed-by/);
  assert.match(notOwnedReason(owner, { kind: 'Secret', metadata: { name: 'x', labels: { ...labels, 'ria.dev/environment': 'pr-3' }, managedFields: applied } })!,
    /label ria.dev\/environment is "pr-3", not "main"/);
  assert.match(notOwnedReason(owner, { kind: 'Secret', metadata: { name: 'x', labels: { ...labels, 'ria.dev/app': 'blog' }, managedFields: applied } })!, /ria.dev\/app is "blog"/);
});

test('ownership: a preview namespace made before its Environment (quota) is the environment\'s, but only under the environment\'s name', () => {
  const owner = environmentOwner(env({ kind: 'pr', pullRequest: 7, namespace: 'shop--pr-7' }));
  const preview = { 'app.kubernetes.io/managed-by': 'ria', 'ria.dev/app': 'shop', 'ria.dev/preview': 'true' };
  const managedFields = [{ manager: 'ria-previews', operation: 'Apply' }];
  assert.equal(notOwnedReason(owner, { kind: 'Namespace', metadata: { name: 'shop--pr-7', labels: preview, managedFields } }), undefined);
  assert.match(notOwnedReason(owner, { kind: 'Namespace', metadata: { name: 'shop--pr-8', labels: preview, managedFields } })!, /no label ria.dev\/environment/);
  assert.match(notOwnedReason(owner, { kind: 'ConfigMap', metadata: { name: 'shop--pr-7', labels: preview, managedFields } })!, /no label ria.dev\/environment/);
});

test('ownership: an environment writes its own namespace and what is in it, nothing else; the refusal names the object', () => {
  const owner = environmentOwner(env());
  assert.equal(outsideEnvironment(owner, { kind: 'Namespace', metadata: { name: 'shop--main' } }), undefined);
  assert.equal(outsideEnvironment(owner, { kind: 'Secret', metadata: { name: 's', namespace: 'shop--main' } }), undefined);
  assert.equal(outsideEnvironment(owner, { kind: 'ClusterRole', metadata: { name: 'c' } }), undefined, 'cluster-scoped objects are RBAC\'s and the policy\'s to refuse');
  assert.match(outsideEnvironment(owner, { kind: 'Namespace', metadata: { name: 'kube-system' } })!, /never writes another Namespace/);
  assert.match(outsideEnvironment(owner, { kind: 'Secret', metadata: { name: 's', namespace: 'prod' } })!, /outside the environment's namespace shop--main/);
  const err = new ObjectNotOwnedError({ apiVersion: 'v1', kind: 'Namespace', name: 'kube-system' }, owner, 'it has no label app.kubernetes.io/managed-by');
  assert.equal(err.status, 409);
  assert.equal(err.reason, 'ObjectNotOwned');
  assert.match(err.message, /^apply Namespace\/kube-system: refused: Namespace\/kube-system exists and is not an object Ria created for environment shop--main/);
});
