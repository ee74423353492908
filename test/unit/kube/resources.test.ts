import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResourcePaths } from '../../../engine/kube/resources.js';
import { KubeApiError } from '../../../engine/kube/errors.js';
import type { KubeRest } from '../../../engine/kube/rest.js';

// Discovery of rbac.authorization.k8s.io/v1 as the API server answers it.
const rest = { call: async () => ({ resources: [{ name: 'roles', kind: 'Role', namespaced: true }, { name: 'clusterroles', kind: 'ClusterRole', namespaced: false }] }) } as unknown as KubeRest;
const RBAC = 'rbac.authorization.k8s.io/v1';

test('a namespaced object without a namespace is refused, never put in "default" (review H8)', async () => {
  const paths = new ResourcePaths(rest);
  await assert.rejects(paths.path({ apiVersion: RBAC, kind: 'Role', name: 'pwn' }), (e: unknown) => e instanceof KubeApiError && /Role pwn|pwn/.test(e.message) && /namespace/.test(e.message));
  assert.equal(await paths.path({ apiVersion: RBAC, kind: 'Role', namespace: 'shop--main', name: 'pwn' }), '/apis/rbac.authorization.k8s.io/v1/namespaces/shop--main/roles/pwn');
  assert.equal(await paths.path({ apiVersion: RBAC, kind: 'ClusterRole', name: 'c' }), '/apis/rbac.authorization.k8s.io/v1/clusterroles/c');
});
