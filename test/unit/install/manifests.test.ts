import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { installManifests, LEASE_NAME, ENGINE_ENV, InstallError } from '../../../engine/install/manifests.js';
import { ENVIRONMENT_RESOURCES, MANAGED_VERBS, type PolicyRule } from '../../../engine/install/rbac.js';
import { main } from '../../../engine/cli/main.js';
import { captureIO } from '../../support/io.js';

type Obj = Record<string, any>;
const base = { image: 'registry.example/ria:1.2.3', configRepo: 'https://github.com/acme/config.git' };
const render = (extra: object = {}) => installManifests({ ...base, ...extra }) as Obj[];
const find = (objs: Obj[], kind: string) => objs.filter((o) => o.kind === kind);

/** Whether `rules` allow `verb` on `group`/`resource`, the way the RBAC authorizer matches. */
function allows(rules: PolicyRule[], group: string, resource: string, verb: string, name?: string): boolean {
  return rules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb)
    && (!r.resourceNames || (name !== undefined && r.resourceNames.includes(name))));
}

test('CRDs come first, then the namespace; every namespaced object is in it', () => {
  const objs = render({ namespace: 'ria-test' });
  assert.deepEqual(objs.map((o) => o.kind), [
    'CustomResourceDefinition', 'CustomResourceDefinition', 'Namespace', 'Namespace', 'ClusterRole', 'ClusterRole', 'ClusterRole', 'ServiceAccount',
    'ClusterRoleBinding', 'Role', 'RoleBinding', 'Role', 'RoleBinding', 'Role', 'RoleBinding', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
    'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
    'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'Service', 'Deployment',
  ]);
  assert.equal(objs[3]!.metadata.name, 'ria-test-builds');
  for (const o of objs.filter((x) => x.metadata.name === 'ria-engine-builds')) assert.equal(o.metadata.namespace, 'ria-test-builds', `${o.kind} in the builder namespace`);
  assert.deepEqual(objs.slice(0, 2).map((o) => o.metadata.name), ['apps.ria.dev', 'environments.ria.dev']);
  assert.equal(objs[2]!.metadata.name, 'ria-test');
  for (const o of objs.filter((x) => ['ServiceAccount', 'Role', 'RoleBinding', 'Service', 'Deployment'].includes(x.kind) && x.metadata.name !== 'ria-engine-builds')) {
    assert.equal(o.metadata.namespace, 'ria-test', `${o.kind} namespace`);
  }
  for (const o of objs.filter((x) => ['CustomResourceDefinition', 'Namespace', 'ClusterRole', 'ClusterRoleBinding', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'].includes(x.kind))) {
    assert.equal(o.metadata.namespace, undefined, `${o.kind} is cluster-scoped`);
  }
});

const roles = (objs: Obj[]): Record<string, PolicyRule[]> => Object.fromEntries(find(objs, 'ClusterRole').map((r) => [r.metadata.name, r.rules as PolicyRule[]]));

test('the engine\'s ClusterRole: what the engine needs itself, no escalate, bind only to the environment roles, no Secret writes, no wildcard', () => {
  // Setup
  const objs = render();
  const { 'ria-engine': engine, 'ria-environment': environment, 'ria-environment-permissions': permissions } = roles(objs);
  const roleRules = find(objs, 'Role')[0]!.rules as PolicyRule[];

  // Test: no wildcard in any rule Ria installs.
  for (const rule of [...engine!, ...environment!, ...permissions!, ...roleRules]) {
    for (const field of ['apiGroups', 'resources', 'verbs', 'resourceNames'] as const) {
      assert.ok(!(rule[field] ?? []).some((v) => v.includes('*')), `wildcard in ${field}: ${JSON.stringify(rule)}`);
    }
  }
  // No escalate; bind only by name, only to the fixed environment roles.
  assert.ok(!engine!.some((r) => r.verbs.includes('escalate')), 'no escalate');
  const binds = engine!.filter((r) => r.verbs.includes('bind'));
  assert.deepEqual(binds.map((r) => [r.resources, r.resourceNames]), [[['clusterroles'], ['ria-environment', 'ria-environment-permissions']]]);
  assert.ok(!allows(engine!, 'rbac.authorization.k8s.io', 'clusterrolebindings', 'create'), 'no ClusterRoleBinding writes by default');
  assert.ok(!allows(engine!, 'rbac.authorization.k8s.io', 'clusterroles', 'create'));
  // No Secret writes by the engine; the environment role (which writes them) is never bound cluster-wide.
  // Not even get, cluster-wide: Secrets are read in Ria's namespace (and --secrets-from ones) by Role only.
  for (const verb of ['get', 'create', 'patch', 'update', 'delete', 'list', 'watch']) assert.ok(!allows(engine!, '', 'secrets', verb), `no ${verb} on secrets`);
  const secretRole = find(objs, 'Role').find((r) => r.metadata.name === 'ria-engine-secrets')!;
  assert.equal(secretRole.metadata.namespace, 'ria-system');
  assert.deepEqual(secretRole.rules, [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }], 'clone, push, webhook, token Secrets: get by name, no list');
  assert.ok(find(objs, 'RoleBinding').some((b) => b.metadata.name === 'ria-engine-secrets' && b.metadata.namespace === 'ria-system' && b.roleRef.kind === 'Role' && b.subjects[0].name === 'ria-engine'));
  assert.deepEqual(find(objs, 'ClusterRoleBinding').map((b) => b.roleRef.name), ['ria-engine']);
  // No writes of rendered kinds: those are the environments'.
  for (const { group, resource } of ENVIRONMENT_RESOURCES) {
    for (const verb of ['create', 'patch', 'delete']) {
      if (resource !== 'serviceaccounts') assert.ok(!allows(engine!, group, resource, verb), `engine does not ${verb} ${group || 'core'}/${resource}`);
    }
  }
  // What it does need: its state, its CRDs (by name: the start-up check), namespaces, environment identities.
  for (const resource of ['apps', 'environments']) {
    for (const verb of ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']) assert.ok(allows(engine!, 'ria.dev', resource, verb), `${verb} ${resource}`);
    assert.ok(allows(engine!, 'ria.dev', `${resource}/status`, 'patch'));
    assert.ok(allows(engine!, 'ria.dev', `${resource}/finalizers`, 'update'));
  }
  for (const verb of ['get', 'patch']) assert.ok(allows(engine!, 'apiextensions.k8s.io', 'customresourcedefinitions', verb, 'environments.ria.dev'));
  assert.ok(!allows(engine!, 'apiextensions.k8s.io', 'customresourcedefinitions', 'patch', 'gateways.gateway.networking.k8s.io'));
  for (const verb of ['create', 'delete', 'get', 'patch']) assert.ok(allows(engine!, '', 'namespaces', verb));
  assert.ok(allows(engine!, '', 'serviceaccounts', 'impersonate', 'ria-environment'));
  assert.ok(!allows(engine!, '', 'serviceaccounts', 'impersonate', 'default'));
  assert.ok(!allows(engine!, '', 'users', 'impersonate') && !allows(engine!, '', 'groups', 'impersonate'));
  assert.ok(allows(engine!, 'apps', 'deployments', 'watch'), 'workload health');
  // Nothing Ria never touches.
  assert.ok(!allows(engine!, '', 'pods', 'create'));
  assert.ok(!allows(engine!, '', 'nodes', 'get'));
  assert.ok(!allows(engine!, 'coordination.k8s.io', 'leases', 'update'), 'leases are granted in the namespace only');
  // In its namespace: its Lease only, the leader label, build Jobs.
  assert.ok(allows(roleRules, 'coordination.k8s.io', 'leases', 'update', LEASE_NAME));
  assert.ok(!allows(roleRules, 'coordination.k8s.io', 'leases', 'update', 'kube-scheduler'));
  assert.ok(allows(roleRules, 'coordination.k8s.io', 'leases', 'create'));
  assert.ok(!allows(roleRules, 'coordination.k8s.io', 'leases', 'delete', LEASE_NAME));
  assert.ok(allows(roleRules, '', 'pods', 'patch'));
  assert.ok(!allows(engine!, '', 'pods', 'patch'));
  assert.ok(!allows(roleRules, '', 'pods', 'delete'));
  // In the builder namespace: build Jobs, the Secrets they mount, their egress policy.
  const builderRules = find(objs, 'Role').find((r) => r.metadata.name === 'ria-engine-builds')!.rules as PolicyRule[];
  assert.ok(allows(builderRules, 'batch', 'jobs', 'create'));
  assert.ok(allows(builderRules, '', 'secrets', 'create'));
  assert.ok(allows(builderRules, 'networking.k8s.io', 'networkpolicies', 'patch'));
  assert.ok(allows(builderRules, '', 'pods/log', 'get'), 'a failed build\'s last log lines');
  assert.ok(!allows(roleRules, 'batch', 'jobs', 'create'), 'no builds in Ria\'s own namespace');
  for (const rule of builderRules) for (const field of ['apiGroups', 'resources', 'verbs'] as const) assert.ok(!rule[field].some((v) => v.includes('*')));
  // Rollouts read the new version's pods (crash loops) as the environment: the engine lists no pods.
  assert.ok(!allows(engine!, '', 'pods', 'list'));
  assert.ok(allows(environment!, '', 'pods', 'list') && !allows(environment!, '', 'pods', 'create'));
});

test('the environment role covers every kind Ria renders in a namespace, nothing cluster-scoped; permissions are a separate role', () => {
  const { 'ria-environment': environment, 'ria-environment-permissions': permissions } = roles(render());
  for (const { group, resource } of ENVIRONMENT_RESOURCES) {
    for (const verb of MANAGED_VERBS) assert.ok(allows(environment!, group, resource, verb), `${verb} ${group || 'core'}/${resource}`);
  }
  for (const resource of ['namespaces', 'clusterroles', 'clusterrolebindings', 'roles', 'rolebindings', 'resourcequotas']) {
    assert.ok(!environment!.some((r) => r.resources.includes(resource)), `no ${resource} in the base environment role`);
  }
  // Pods: read only (rollouts list a new version's pods as the environment).
  for (const verb of ['create', 'patch', 'update', 'delete', 'deletecollection']) assert.ok(!allows(environment!, '', 'pods', verb), `no ${verb} on pods`);
  assert.ok(!environment!.some((r) => r.verbs.includes('bind') || r.verbs.includes('escalate') || r.verbs.includes('impersonate')));
  assert.ok(allows(permissions!, 'rbac.authorization.k8s.io', 'roles', 'create'));
  assert.ok(allows(permissions!, 'rbac.authorization.k8s.io', 'rolebindings', 'create'));
  assert.ok(!permissions!.some((r) => r.resources.some((x) => x === 'clusterrolebindings')), 'never cluster-wide bindings');
});

test('--secrets-from: the engine may read Secrets in each namespace named (a Role there), nowhere else; kube-* and Ria\'s own refused', async () => {
  const objs = render({ secretsFrom: ['shop-secrets', 'blog-secrets', 'shop-secrets'] });
  const readers = find(objs, 'Role').filter((r) => r.metadata.name === 'ria-engine-ria-system-secrets-from');
  assert.deepEqual(readers.map((r) => r.metadata.namespace), ['blog-secrets', 'shop-secrets']);
  for (const r of readers) assert.deepEqual(r.rules, [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]);
  const bindings = find(objs, 'RoleBinding').filter((b) => b.metadata.name === 'ria-engine-ria-system-secrets-from');
  assert.deepEqual(bindings.map((b) => [b.metadata.namespace, b.roleRef.name, b.subjects[0].namespace]), [['blog-secrets', 'ria-engine-ria-system-secrets-from', 'ria-system'], ['shop-secrets', 'ria-engine-ria-system-secrets-from', 'ria-system']]);
  // The namespaces are the operator's: Ria neither creates nor labels them.
  assert.ok(!find(objs, 'Namespace').some((n) => n.metadata.name.endsWith('-secrets')));
  for (const bad of ['kube-system', 'ria-system', 'ria-system-builds', 'Not_A_Name']) assert.throws(() => render({ secretsFrom: [bad] }), InstallError, bad);
  const io = captureIO('/');
  assert.equal(await main(['install', '--yaml', '--config-repo', base.configRepo, '--secrets-from', 'shop-secrets', '--secrets-from=blog-secrets'], io), 0);
  const printed = parseAllDocuments(io.out()).map((d) => d.toJS() as Obj);
  assert.deepEqual(printed.filter((o) => o.kind === 'Role' && o.metadata.name.endsWith('secrets-from')).map((o) => o.metadata.namespace), ['blog-secrets', 'shop-secrets']);
});

test('--global-role: bind to exactly the ClusterRoles named, and ClusterRoleBindings; cluster-admin and system roles refused', async () => {
  // Setup
  const io = captureIO();

  // Test
  assert.equal(await main(['install', '--yaml', '--config-repo', base.configRepo, '--global-role', 'view', '--global-role=metrics-reader'], io), 0, io.err());
  const engine = roles(parseAllDocuments(io.out()).map((d) => d.toJS() as Obj))['ria-engine']!;
  assert.ok(allows(engine, 'rbac.authorization.k8s.io', 'clusterroles', 'bind', 'view'));
  assert.ok(allows(engine, 'rbac.authorization.k8s.io', 'clusterroles', 'bind', 'metrics-reader'));
  assert.ok(!allows(engine, 'rbac.authorization.k8s.io', 'clusterroles', 'bind', 'cluster-admin'));
  assert.ok(!allows(engine, 'rbac.authorization.k8s.io', 'clusterroles', 'bind', 'edit'));
  assert.ok(allows(engine, 'rbac.authorization.k8s.io', 'clusterrolebindings', 'create'));
  assert.ok(!engine.some((r) => r.verbs.includes('escalate')));
  assert.throws(() => render({ globalRoles: ['cluster-admin'] }), /does not bind cluster-admin/);
  assert.throws(() => render({ globalRoles: ['system:controller:foo'] }), /system roles/);
  assert.throws(() => render({ globalRoles: ['*'] }), /not a valid ClusterRole name/);
});

test('the admission policy is installed and bound (Deny), for the engine and the environment identities', () => {
  // Setup
  const objs = render({ namespace: 'ria-ops' });
  const [policy] = find(objs, 'ValidatingAdmissionPolicy');
  const [binding] = find(objs, 'ValidatingAdmissionPolicyBinding');

  // Test
  assert.equal(policy!.apiVersion, 'admissionregistration.k8s.io/v1');
  assert.equal(policy!.spec.failurePolicy, 'Fail');
  assert.deepEqual(binding!.spec, { policyName: policy!.metadata.name, validationActions: ['Deny'] });
  assert.match(policy!.spec.matchConditions[0].expression, /system:serviceaccount:ria-ops:ria-engine/);
  assert.match(policy!.spec.matchConditions[0].expression, /:ria-environment'/);
  const matched = new Set(policy!.spec.matchConstraints.resourceRules.flatMap((r: Obj) => r.resources.map((x: string) => `${r.apiGroups[0]}/${x}`)));
  for (const r of ['/namespaces', '/secrets', '/serviceaccounts', 'apps/deployments', 'rbac.authorization.k8s.io/clusterrolebindings', 'rbac.authorization.k8s.io/rolebindings']) {
    assert.ok(matched.has(r), `${r} guarded`);
  }
  const validations = policy!.spec.validations.map((v: Obj) => v.expression).join('\n');
  assert.match(validations, /startsWith\('kube-'\)/);
  assert.match(validations, /'ria-ops'/);
  assert.match(validations, /oldObject.metadata.labels/);
  // The route policy (route-admission.ts), bound the same way, for every writer in environment namespaces.
  const routes = find(objs, 'ValidatingAdmissionPolicy')[1]!;
  assert.equal(routes.metadata.name, 'ria-engine-routes-ria-ops');
  assert.equal(routes.spec.failurePolicy, 'Fail');
  assert.deepEqual(find(objs, 'ValidatingAdmissionPolicyBinding')[1]!.spec, { policyName: routes.metadata.name, validationActions: ['Deny'] });
  assert.throws(() => render({ certManagerNamespace: 'Cert Manager' }), /--cert-manager-namespace "Cert Manager" is not a valid namespace name/);
  // The namespace policy (review8 F1): Namespace updates and deletes, matched on the old labels, and the preview quota; all but the engine and system:masters.
  const namespaces = find(objs, 'ValidatingAdmissionPolicy')[2]!;
  assert.equal(namespaces.metadata.name, 'ria-engine-namespaces-ria-ops');
  assert.equal(namespaces.spec.failurePolicy, 'Fail');
  assert.deepEqual(namespaces.spec.matchConstraints.resourceRules.map((r: Obj) => [r.resources, r.operations]), [[['namespaces'], ['UPDATE', 'DELETE']], [['namespaces/status', 'namespaces/finalize'], ['UPDATE']], [['resourcequotas'], ['UPDATE', 'DELETE']], [['resourcequotas/status'], ['UPDATE']]]);
  const conditions = namespaces.spec.matchConditions.map((c: Obj) => c.expression).join('\n');
  assert.match(conditions, /oldObject\.metadata\.labels\['app\.kubernetes\.io\/managed-by'\] == 'ria' && 'ria\.dev\/app' in oldObject/);
  assert.match(conditions, /oldObject\.metadata\.name == 'ria-preview'/);
  assert.match(namespaces.spec.validations[3].expression, /has\(namespaceObject\.metadata\.deletionTimestamp\)/);
  assert.match(conditions, /username != 'system:serviceaccount:ria-ops:ria-engine'/);
  assert.match(conditions, /system:masters/);
  assert.deepEqual(find(objs, 'ValidatingAdmissionPolicyBinding')[2]!.spec, { policyName: namespaces.metadata.name, validationActions: ['Deny'] });
});

test('bindings grant the roles to the engine service account', () => {
  const objs = render({ namespace: 'ops' });
  const sa = find(objs, 'ServiceAccount')[0]!;
  for (const kind of ['ClusterRoleBinding', 'RoleBinding']) {
    const b = find(objs, kind)[0]!;
    assert.deepEqual(b.subjects, [{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: 'ops' }]);
    const role = find(objs, kind.replace('Binding', ''))[0]!;
    assert.equal(b.roleRef.name, role.metadata.name);
  }
});

test('the engine Deployment runs non-root on a read-only root fs with probes and a /tmp emptyDir', () => {
  // Setup
  const objs = render({ configSecret: 'config-creds', webhookSecret: 'gh-hook', configBranch: 'prod', configPath: 'clusters/eu' });
  const deployment = find(objs, 'Deployment')[0]!;
  const pod = deployment.spec.template.spec;
  const [c] = pod.containers;

  // Test
  assert.equal(deployment.spec.replicas, 2);
  assert.equal(pod.serviceAccountName, find(objs, 'ServiceAccount')[0]!.metadata.name);
  assert.equal(c.image, base.image);
  assert.deepEqual(c.args, ['engine']);
  assert.equal(c.livenessProbe.httpGet.path, '/healthz');
  assert.equal(c.startupProbe.httpGet.path, '/healthz', 'liveness waits until the process first answers');
  assert.ok(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold >= 120);
  assert.equal(c.readinessProbe.httpGet.path, '/readyz');
  // Probes and metrics on the operations port; the webhook port is the one the Service exposes.
  assert.deepEqual(c.ports, [{ name: 'webhook', containerPort: 8080, protocol: 'TCP' }, { name: 'ops', containerPort: 9090, protocol: 'TCP' }]);
  assert.equal(c.livenessProbe.httpGet.port, 'ops');
  assert.equal(c.readinessProbe.httpGet.port, 'ops');
  assert.equal(deployment.spec.template.metadata.annotations['prometheus.io/port'], '9090');
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  assert.equal(c.securityContext.allowPrivilegeEscalation, false);
  assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
  assert.deepEqual(c.volumeMounts, [{ name: 'tmp', mountPath: '/tmp' }]);
  assert.ok(pod.volumes.find((v: Obj) => v.name === 'tmp').emptyDir);
  assert.ok(c.resources.requests.cpu && c.resources.limits.memory);
  const env = Object.fromEntries(c.env.map((e: Obj) => [e.name, e.value ?? e.valueFrom]));
  assert.equal(env[ENGINE_ENV.ConfigRepo], base.configRepo);
  assert.equal(env[ENGINE_ENV.ConfigBranch], 'prod');
  assert.equal(env[ENGINE_ENV.ConfigPath], 'clusters/eu');
  assert.equal(env[ENGINE_ENV.ConfigSecret], 'config-creds');
  assert.deepEqual(env[ENGINE_ENV.WebhookSecret], { secretKeyRef: { name: 'gh-hook', key: 'secret' } });
  assert.deepEqual(env[ENGINE_ENV.PodName], { fieldRef: { fieldPath: 'metadata.name' } });
  assert.equal(env[ENGINE_ENV.HttpPort], '8080');
  assert.equal(env[ENGINE_ENV.OpsPort], '9090');
  // Node's heap sized for the container: the old generation within 3/4 of the memory limit.
  assert.equal(c.resources.limits.memory, '512Mi');
  const maxOld = Number(/--max-old-space-size=(\d+)/.exec(env.NODE_OPTIONS)?.[1]);
  assert.ok(maxOld > 0 && maxOld <= 512 * 3 / 4, env.NODE_OPTIONS);
  assert.equal(env.MALLOC_ARENA_MAX, '2');
  const service = find(objs, 'Service')[0]!;
  // The engine's Pods, and of them only the leader's (it labels itself while it leads).
  assert.deepEqual(service.spec.selector, { ...deployment.spec.selector.matchLabels, 'ria.dev/leader': 'true' });
  assert.deepEqual(service.spec.ports, [{ name: 'webhook', port: 8080, targetPort: 'webhook', protocol: 'TCP' }], 'the Service exposes the webhook port only');
  for (const [k, v] of Object.entries(deployment.spec.selector.matchLabels)) assert.equal(deployment.spec.template.metadata.labels[k], v);
});

test('bad input is refused: credentials in the repo URL, invalid names', () => {
  assert.throws(() => render({ configRepo: 'https://x-access-token:ghs_secret1@github.com/acme/config' }),
    (err: InstallError) => err instanceof InstallError && /must not contain credentials/.test(err.message) && !err.message.includes('ghs_secret1'));
  assert.throws(() => render({ configRepo: 'https://ghp_tokenAsUser@github.com/acme/config' }), /credentials/);
  assert.doesNotThrow(() => render({ configRepo: 'git@github.com:acme/config.git' }));
  assert.throws(() => render({ namespace: 'Ria_System' }), /not a valid DNS label/);
  assert.throws(() => render({ configSecret: 'Bad Name' }), /--config-secret "Bad Name"/);
});

test('ria install --yaml prints every object as multi-document YAML', async () => {
  // Setup
  const io = captureIO();

  // Test
  assert.equal(await main(['install', '--yaml', '--config-repo', base.configRepo, '--image', base.image, '--namespace=ria-x'], io), 0);
  const docs = parseAllDocuments(io.out()).map((d) => d.toJS() as Obj);
  assert.deepEqual(docs, render({ namespace: 'ria-x' }));
  assert.equal(io.err(), '');
});

test('ria install usage errors', async () => {
  const io = captureIO();
  assert.equal(await main(['install', '--yaml'], io), 2);
  assert.match(io.err(), /--config-repo is required/);
  const io2 = captureIO();
  assert.equal(await main(['install', '--config-repo', 'x', '--frobnicate'], io2), 2);
  assert.match(io2.err(), /unknown option "--frobnicate"/);
});

test('ria install --cert-manager-namespace names the namespace whose ServiceAccounts the route policy lets write solver routes and CertificateRequests', async () => {
  const { parseInstallArgs } = await import('../../../engine/cli/install-command.js');
  const { options } = parseInstallArgs(['--config-repo', 'https://git.example/c.git', '--cert-manager-namespace', 'certs']);
  assert.equal(options.certManagerNamespace, 'certs');
  const routes = (objs: Obj[]) => find(objs, 'ValidatingAdmissionPolicy').find((p) => p.metadata.name.startsWith('ria-engine-routes-'))!;
  assert.match(JSON.stringify(routes(render(options)).spec.matchConditions), /system:serviceaccount:certs:/);
  assert.match(JSON.stringify(routes(render()).spec.matchConditions), /system:serviceaccount:cert-manager:/, 'cert-manager\'s own default');
});
