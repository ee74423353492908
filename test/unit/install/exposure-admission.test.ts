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

type Policy = { metadata: { name: string }; spec: { matchConstraints: { namespaceSelector: unknown; resourceRules: Array<{ resources: string[]; operations: string[] }> }; matchConditions: Array<{ expression: string }>; variables: Array<{ name: string; expression: string }>; validations: Array<{ expression: string }> } };

test('the exposure policy matches only Services (create, update, status), Pods (create, status, ephemeral containers), EndpointSlices and Endpoints (create, update) in environment namespaces; system:masters and cert-manager are not held', () => {
  // Setup
  const objs = installManifests({ namespace: 'ria-ops', configRepo: 'http://git.test/config.git', image: 'ria:test' }) as unknown as Array<{ kind: string } & Policy>;
  // Test
  const policy = objs.find((o) => o.kind === 'ValidatingAdmissionPolicy' && o.metadata.name === 'ria-engine-exposure-ria-ops')!;
  assert.ok(policy, 'installed');
  assert.ok(objs.some((o) => o.kind === 'ValidatingAdmissionPolicyBinding' && o.metadata.name === 'ria-engine-exposure-ria-ops'));
  assert.deepEqual(policy.spec.matchConstraints.resourceRules.map((r) => [r.resources.join(','), r.operations.join(',')]),
    [['services', 'CREATE,UPDATE'], ['services/status', 'UPDATE'], ['pods', 'CREATE'], ['pods/status', 'UPDATE'], ['pods/ephemeralcontainers', 'UPDATE'], ['endpointslices', 'CREATE,UPDATE'], ['endpoints', 'CREATE,UPDATE']]);
  assert.deepEqual(policy.spec.matchConstraints.namespaceSelector, { matchLabels: { 'app.kubernetes.io/managed-by': 'ria' }, matchExpressions: [{ key: 'ria.dev/app', operator: 'Exists' }] });
  const conditions = policy.spec.matchConditions.map((c) => c.expression).join('\n');
  assert.match(conditions, /system:masters/);
  assert.match(conditions, /system:serviceaccount:cert-manager:/);
  // A Service's or a Pod's status, the six allow keys' checks, externalServices' three (ExternalName, EndpointSlice, Endpoints), capabilities, and the eight baseline checks no key grants.
  assert.equal(policy.spec.validations.length, 20);
  const all = policy.spec.validations.map((v) => v.expression).join('\n');
  // A status write (a Service's, a Pod's) is held to who writes it, not to the pod checks: the kubelet writes a pod's status whatever was allowed since.
  assert.match(policy.spec.variables.find((v) => v.name === 'isPod')!.expression, /&& !variables\.isStatus$/);
  for (const held of ['ExternalName', 'endpointslice-controller.k8s.io', 'isEndpoints', 'capabilities.add', 'windowsOptions.hostProcess', 'seLinuxOptions', 'procMount', 'seccompProfile', 'appArmorProfile', 'container.apparmor.security.beta.kubernetes.io/', 'sysctls', 'livenessProbe.httpGet.host']) assert.ok(all.includes(held), held);
});

test('the exposure policy refuses a host in any probe or lifecycle handler (baseline since 1.34) of every container list, each field reached through has() so a pod without it passes, whatever the app is allowed', () => {
  // Setup
  const objs = installManifests({ namespace: 'ria-ops', configRepo: 'http://git.test/config.git', image: 'ria:test' }) as unknown as Array<{ kind: string } & Policy>;
  const policy = objs.find((o) => o.kind === 'ValidatingAdmissionPolicy' && o.metadata.name === 'ria-engine-exposure-ria-ops')! as unknown as { spec: { validations: Array<{ expression: string; messageExpression: string }> } };
  // Test
  const held = policy.spec.validations.filter((v) => v.expression.includes('livenessProbe'));
  assert.equal(held.length, 1);
  const { expression, messageExpression } = held[0]!;
  // Containers, initContainers and ephemeralContainers (variables.containers); no allow key named.
  assert.match(expression, /^!\(false \|\| variables\.containers\.exists\(c, \(/);
  assert.doesNotMatch(expression, /variables\.hostAccess/);
  for (const handler of ['livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle.postStart', 'lifecycle.preStop']) {
    for (const action of ['httpGet', 'tcpSocket']) {
      const path = `${handler}.${action}.host`.split('.');
      const guard = path.map((_, i) => `has(c.${path.slice(0, i + 1).join('.')})`).join(' && ');
      assert.ok(expression.includes(`(${guard} && c.${path.join('.')} != '')`), path.join('.'));
    }
  }
  assert.match(messageExpression, /sends a probe or lifecycle handler to a host of its own .*no allow key grants it/);
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
  assert.deepEqual(namespaceOf({ externalServices: true, hostPorts: true }), ['externalServices,hostPorts']);
});

test('the environment Namespace lists each capability the app may add as cap:NAME (upper case, no CAP_; ALL as cap:ALL), after the keys', () => {
  // Setup
  const environment = { app: 'shop', kind: 'branch' as const, branch: 'main', commit: 'a'.repeat(40) };
  const riofile = parseRiofile('services:\n  web:\n    image: nginx\n');
  const namespaceOf = (allow: Record<string, unknown>) => render({ riofile, environment, cluster: { domain: 'apps.test', registry: 'r.test' }, hostAccess: hostAccessOf(allowOf({ allow })) })
    .objects.find((o) => o.kind === 'Namespace')!.metadata.annotations?.[HOST_ACCESS_ANNOTATION];
  // Test
  assert.equal(namespaceOf({ capabilities: ['sys_time', 'CAP_NET_ADMIN', 'NET_ADMIN'] }), 'cap:NET_ADMIN,cap:SYS_TIME');
  assert.equal(namespaceOf({ hostPorts: true, capabilities: ['ALL'] }), 'hostPorts,cap:ALL');
  // A name the policy could not match exactly (a comma would split it) grants nothing.
  assert.equal(namespaceOf({ capabilities: ['NET_ADMIN,hostPath'] }), '');
  assert.deepEqual(hostAccessOf(allowOf({ allow: { privileged: true, capabilities: ['chown'] } })), ['privileged', 'cap:CHOWN']);
});
