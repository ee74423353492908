/**
 * The exposure policy (install/exposure-admission.ts) as `ria install` writes it: Services and Pods
 * only, in environment namespaces, by anyone but system:masters and cert-manager; and the
 * Namespace annotation it reads, from the app's `allow`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installManifests } from '../../../engine/install/manifests.js';
import { render } from '../../../engine/render/index.js';
import { parseRiofile } from '../../../engine/riofile/index.js';
import { HOST_ACCESS_ANNOTATION } from '../../../engine/render/host-access.js';
import { hostAccessOf } from '../../../engine/controller/environment/cluster-settings.js';
import { allowOf } from '../../../engine/policy/allow.js';

type Policy = { metadata: { name: string }; spec: { matchConstraints: { namespaceSelector: unknown; resourceRules: Array<{ resources: string[]; operations: string[] }> }; matchConditions: Array<{ expression: string }>; validations: Array<{ expression: string }> } };

test('the exposure policy matches only Services (create, update) and Pods (create, ephemeral containers) in environment namespaces; system:masters and cert-manager are not held', () => {
  // Setup
  const objs = installManifests({ namespace: 'ria-ops', configRepo: 'http://git.test/config.git', image: 'ria:test' }) as unknown as Array<{ kind: string } & Policy>;
  // Test
  const policy = objs.find((o) => o.kind === 'ValidatingAdmissionPolicy' && o.metadata.name === 'ria-engine-exposure-ria-ops')!;
  assert.ok(policy, 'installed');
  assert.ok(objs.some((o) => o.kind === 'ValidatingAdmissionPolicyBinding' && o.metadata.name === 'ria-engine-exposure-ria-ops'));
  assert.deepEqual(policy.spec.matchConstraints.resourceRules.map((r) => [r.resources.join(','), r.operations.join(',')]),
    [['services', 'CREATE,UPDATE'], ['pods', 'CREATE'], ['pods/ephemeralcontainers', 'UPDATE']]);
  assert.deepEqual(policy.spec.matchConstraints.namespaceSelector, { matchLabels: { 'app.kubernetes.io/managed-by': 'ria' }, matchExpressions: [{ key: 'ria.dev/app', operator: 'Exists' }] });
  const conditions = policy.spec.matchConditions.map((c) => c.expression).join('\n');
  assert.match(conditions, /system:masters/);
  assert.match(conditions, /system:serviceaccount:cert-manager:/);
  assert.equal(policy.spec.validations.length, 6);
});

test('the environment Namespace lists the node access its app is allowed (empty: none), whatever a manifest\'s Namespace says', () => {
  // Setup
  const environment = { app: 'shop', kind: 'branch' as const, branch: 'main', commit: 'a'.repeat(40) };
  const riofile = parseRiofile('services:\n  web:\n    image: nginx\nkubernetes:\n  manifest: |-\n    apiVersion: v1\n    kind: Namespace\n    metadata:\n      name: shop--main\n      annotations:\n        ria.dev/host-access: hostPorts,privileged\n');
  const namespaceOf = (allow: Record<string, boolean>) => render({ riofile, environment, cluster: { domain: 'apps.test', registry: 'r.test' }, hostAccess: hostAccessOf(allowOf({ allow })) })
    .objects.filter((o) => o.kind === 'Namespace' && o.metadata.name === 'shop--main').map((o) => o.metadata.annotations?.[HOST_ACCESS_ANNOTATION]);
  // Test
  assert.deepEqual(namespaceOf({}), ['']);
  assert.deepEqual(namespaceOf({ hostPorts: true, permissions: true, runAsRoot: true }), ['hostPorts']);
  assert.deepEqual(namespaceOf({ privileged: true, hostPath: true, hostNamespaces: true, hostPorts: true }), ['hostNamespaces,hostPath,hostPorts,privileged']);
});
