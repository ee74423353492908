/**
 * The ownership policy (install/ownership-admission.ts) as `ria install` writes it: creates and
 * updates of every kind leftovers.ts takes from a namespace, in environment namespaces, by anyone
 * but the engine, the namespace's own environment identity and system:masters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installManifests } from '../../../engine/install/manifests.js';
import { LEFTOVER_RESOURCES } from '../../../engine/controller/environment/leftovers.js';
import { RIA_FIELD_MANAGERS } from '../../../engine/controller/environment/ownership.js';

type Policy = { kind: string; metadata: { name: string }; spec: { policyName?: string; validationActions?: string[]; failurePolicy?: string;
  matchConstraints: { namespaceSelector: unknown; resourceRules: Array<{ apiGroups: string[]; resources: string[]; operations: string[]; scope: string }> };
  matchConditions: Array<{ expression: string }>; validations: Array<{ expression: string; messageExpression: string }> } };

test('the ownership policy holds Ria\'s field managers on every kind Ria takes as leftovers, in environment namespaces, for all but the engine, the environment identity and system:masters', () => {
  // Setup
  const objs = installManifests({ namespace: 'ria-ops', configRepo: 'http://git.test/config.git', image: 'ria:test' }) as unknown as Policy[];
  // Test
  const policy = objs.find((o) => o.kind === 'ValidatingAdmissionPolicy' && o.metadata.name === 'ria-engine-ownership-ria-ops')!;
  assert.ok(policy, 'installed');
  const binding = objs.find((o) => o.kind === 'ValidatingAdmissionPolicyBinding' && o.metadata.name === 'ria-engine-ownership-ria-ops')!;
  assert.deepEqual({ policyName: binding.spec.policyName, validationActions: binding.spec.validationActions }, { policyName: policy.metadata.name, validationActions: ['Deny'] });
  assert.equal(policy.spec.failurePolicy, 'Fail');
  assert.deepEqual(policy.spec.matchConstraints.namespaceSelector, { matchLabels: { 'app.kubernetes.io/managed-by': 'ria' }, matchExpressions: [{ key: 'ria.dev/app', operator: 'Exists' }] });
  const matched = policy.spec.matchConstraints.resourceRules.flatMap((r) => r.resources.map((x) => `${r.apiGroups[0]}/${x} ${r.operations.join(',')} ${r.scope}`)).sort();
  assert.deepEqual(matched, LEFTOVER_RESOURCES.map((r) => `${r.group}/${r.resource} CREATE,UPDATE Namespaced`).sort(), 'every kind leftovers.ts lists, no subresource, no delete');
  const conditions = policy.spec.matchConditions.map((c) => c.expression);
  assert.deepEqual(conditions, [
    "request.userInfo.username != 'system:serviceaccount:ria-ops:ria-engine'",
    "request.userInfo.username != 'system:serviceaccount:' + request.namespace + ':ria-environment'",
    "!has(request.userInfo.groups) || !('system:masters' in request.userInfo.groups)",
  ]);
  const [validation] = policy.spec.validations;
  for (const m of RIA_FIELD_MANAGERS) assert.ok(validation!.expression.includes(`'${m}'`), m);
  // An entry is "there before" only with the same manager, operation and subresource.
  for (const field of ['manager', 'operation', 'subresource']) assert.ok(validation!.expression.includes(`has(g.${field})`), field);
  assert.match(validation!.messageExpression, /only Ria writes as them/);
});
