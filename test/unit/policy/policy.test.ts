import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRiofile } from '../../../engine/riofile/index.js';
import { checkPolicy, policyFindings, type PolicyInput } from '../../../engine/policy/check.js';
import type { AppSpec } from '../../../engine/crds/types.js';

// Setup: one helper per shape of input; every test names the rule it checks.
function input(source: string, allow: AppSpec['allow'] = {}, file = 'Riofile'): PolicyInput {
  return {
    riofile: parseRiofile(source, { file }), source, file, app: 'shop', spec: { repo: 'r', branches: ['main'], riofile: 'Riofile', allow }, namespace: 'shop--main', kind: 'branch',
    environment: { app: 'shop', kind: 'branch', branch: 'main', commit: 'c' }, cluster: { domain: 'ria.localhost', gateway: { namespace: 'ria-system', name: 'ria' } },
  };
}
function refused(source: string, allow: AppSpec['allow'] = {}) {
  const err = checkPolicy(input(source, allow));
  assert.ok(err, 'expected a refusal');
  assert.equal(err.code, 'PolicyDenied');
  return err.issues;
}
const service = (body: string) => `services:\n  web:\n    image: nginx\n${body}`;
const manifest = (yaml: string) => `services:\n  web:\n    image: nginx\nkubernetes:\n  manifest: |-\n${yaml.split('\n').map((l) => `    ${l}`).join('\n')}\n`;

test('policy: a plain service in its own namespace passes with the default config (allow: {})', () => {
  assert.equal(checkPolicy(input(service('    ports: 80/http\n    volumes: data:/data\n'))), undefined);
});

test('policy: privileged is refused at its line, naming allow.privileged; allowed with it', () => {
  const src = service('    ports: 80/http\n    privileged: true\n');
  const [issue] = refused(src);
  assert.equal(issue!.line, 5);
  assert.equal(issue!.path, 'services.web.privileged');
  assert.match(issue!.message, /set "allow: \{ privileged: true \}" in apps\/shop\.yaml of the config repository/);
  assert.equal(checkPolicy(input(src, { privileged: true })), undefined);
});

test('policy: runAsUser 0 (any spelling) is refused naming allow.runAsRoot; a non-root uid passes', () => {
  const [issue] = refused(service('    user: 0\n'));
  assert.equal(issue!.line, 4);
  assert.equal(issue!.path, 'services.web.runAsUser');
  assert.match(issue!.message, /allow: \{ runAsRoot: true \}/);
  assert.equal(checkPolicy(input(service('    user: 1000\n'))), undefined);
  assert.equal(checkPolicy(input(service('    user: 0\n'), { runAsRoot: true })), undefined);
});

test('policy: hostNetwork is refused naming allow.hostNamespaces', () => {
  const [issue] = refused(service('    host_network: true\n'));
  assert.equal(issue!.line, 4);
  assert.match(issue!.message, /hostNetwork.*allow: \{ hostNamespaces: true \}/);
  assert.equal(checkPolicy(input(service('    hostNetwork: true\n'), { hostNamespaces: true })), undefined);
});

test('policy: a port bound on the node is refused at that port, naming allow.hostPorts', () => {
  const issues = refused(service('    ports:\n    - 80/http\n    - 9090/tcp,hostport\n'));
  assert.equal(issues.length, 1);
  assert.equal(issues[0]!.path, 'services.web.ports[1]');
  assert.equal(issues[0]!.line, 6);
  assert.match(issues[0]!.message, /allow: \{ hostPorts: true \}/);
});

test('policy: a hostPath volume is refused, also in a sidecar, naming allow.hostPath', () => {
  const src = service('    volumes:\n    - /var/run/docker.sock:/var/run/docker.sock\n    containers:\n    - name: agent\n      image: busybox\n      volumes: /:/host\n');
  const issues = refused(src);
  assert.deepEqual(issues.map((i) => i.path), ['services.web.volumes[0]', 'services.web.containers[0].volumes[0]']);
  assert.deepEqual(issues.map((i) => i.line), [5, 9]);
  assert.ok(issues.every((i) => /allow: \{ hostPath: true \}/.test(i.message)));
  assert.equal(checkPolicy(input(src, { hostPath: true })), undefined);
});

test('policy: permissions binding an existing ClusterRole need allow.clusterRoles listing it', () => {
  const src = service('    permissions:\n    - role=cluster-admin\n');
  const issues = refused(src, { permissions: true });
  assert.equal(issues.length, 1);
  assert.equal(issues[0]!.path, 'services.web.permissions[0]');
  assert.match(issues[0]!.message, /binds the ClusterRole cluster-admin.*allow: \{ clusterRoles: \[cluster-admin\] \}/);
  assert.equal(checkPolicy(input(src, { permissions: true, clusterRoles: ['cluster-admin'] })), undefined);
});

test('policy: a manifest ClusterRoleBinding of cluster-admin is refused twice over, located inside the manifest', () => {
  const src = manifest('apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: own-the-cluster\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cluster-admin\nsubjects:\n- kind: ServiceAccount\n  name: default\n  namespace: shop--main');
  const issues = refused(src);
  assert.deepEqual(issues.map((i) => i.path), ['kubernetes.manifest[0].kind', 'kubernetes.manifest[0].roleRef.name']);
  assert.deepEqual(issues.map((i) => i.line), [7, 13]);
  assert.match(issues[0]!.message, /grants cluster-wide rights.*allow: \{ globalPermissions: true \}/);
  assert.match(issues[1]!.message, /allow: \{ clusterRoles: \[cluster-admin\] \}/);
  // Both keys are needed; a ClusterRole of the same manifest needs no clusterRoles entry.
  assert.equal(refused(src, { globalPermissions: true }).length, 1);
  assert.equal(checkPolicy(input(src, { globalPermissions: true, clusterRoles: ['cluster-admin'] })), undefined);
  const own = manifest('apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\nrules: []\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: reader\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: reader\nsubjects: []');
  assert.equal(checkPolicy(input(own, { globalPermissions: true })), undefined);
});

test('policy: a manifest Role or RoleBinding needs allow.permissions', () => {
  const src = manifest('apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: edit-all\nrules:\n- apiGroups: ["*"]\n  resources: ["*"]\n  verbs: ["*"]');
  assert.match(refused(src)[0]!.message, /Role edit-all grants rights in the environment's namespace.*allow: \{ permissions: true \}/);
  assert.equal(checkPolicy(input(src, { permissions: true })), undefined);
});

test('policy: a Namespace other than the environment\'s own is refused whatever allow says; its own passes', () => {
  const src = manifest('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kube-system');
  const [issue] = refused(src, { clusterKinds: ['Namespace'], globalPermissions: true });
  assert.equal(issue!.path, 'kubernetes.manifest[0].metadata.name');
  assert.equal(issue!.line, 9);
  assert.match(issue!.message, /Namespace other than the environment's own \("shop--main"\); no allow key grants this/);
  assert.equal(checkPolicy(input(manifest('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop--main'))), undefined);
});

test('policy: the environment\'s own Namespace may carry no label or annotation but those Ria writes, whatever allow says', () => {
  const src = manifest('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop--main\n  labels:\n    ria.dev/app: shop\n    pod-security.kubernetes.io/enforce: baseline\n    team: payments\n  annotations:\n    ria.dev/route-hostnames: ""\n    scheduler.alpha.kubernetes.io/node-selector: node-role.kubernetes.io/control-plane=');
  const all = { permissions: true, globalPermissions: true, clusterKinds: ['Namespace'], privileged: true, hostNamespaces: true, routes: true };
  const issues = refused(src, all);
  assert.deepEqual(issues.map((i) => [i.path, i.line]), [
    ['kubernetes.manifest[0].metadata.labels.team', 13],
    ['kubernetes.manifest[0].metadata.annotations.scheduler.alpha.kubernetes.io/node-selector', 16],
  ]);
  assert.match(issues[0]!.message, /^Namespace shop--main sets the label team: the labels and annotations of the environment's namespace are the cluster operators' \(NetworkPolicies, gateways and admission plugins elsewhere select on them\).*no allow key grants this$/);
  assert.match(issues[1]!.message, /sets the annotation scheduler\.alpha\.kubernetes\.io\/node-selector:/);
  // Ria's own keys pass (render writes Ria's values over them).
  assert.equal(checkPolicy(input(manifest('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop--main\n  labels:\n    app.kubernetes.io/managed-by: ria\n  annotations:\n    ria.dev/host-access: ""'))), undefined);
  // Another object's labels stay the app's.
  assert.equal(checkPolicy(input(manifest('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    team: payments'))), undefined);
});

test('policy: other cluster-scoped kinds (and kinds a CRD of the manifest declares cluster-scoped) need allow.clusterKinds', () => {
  const src = manifest('apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  scope: Cluster\n  names:\n    kind: Widget\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w');
  const issues = refused(src);
  assert.deepEqual(issues.map((i) => i.message.match(/clusterKinds: \[(\w+)\]/)?.[1]), ['CustomResourceDefinition', 'Widget']);
  assert.equal(checkPolicy(input(src, { clusterKinds: ['CustomResourceDefinition', 'Widget'] })), undefined);
  // Namespaced objects are fine (render moves them into the environment's namespace).
  assert.equal(checkPolicy(input(manifest('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: kube-system'))), undefined);
});

test('policy: pod templates of manifests get the same host-access rules, each naming its key', () => {
  const deployment = [
    'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: escape', 'spec:', '  template:', '    spec:',
    '      hostPID: true', '      hostIPC: true', '      securityContext:', '        runAsUser: 0',
    '      volumes:', '      - name: root', '        hostPath:', '          path: /',
    '      containers:', '      - name: c', '        image: busybox', '        ports:', '        - containerPort: 80', '          hostPort: 80',
    '        securityContext:', '          privileged: true', '          allowPrivilegeEscalation: true', '          runAsNonRoot: false',
    '          capabilities:', '            add: [SYS_ADMIN, NET_BIND_SERVICE]',
  ].join('\n');
  const issues = refused(manifest(deployment));
  const byKey = (key: string) => issues.filter((i) => i.message.includes(`allow: { ${key}:`)).map((i) => i.path.replace('kubernetes.manifest[0].spec.template.spec.', ''));
  assert.deepEqual(byKey('hostNamespaces'), ['hostPID', 'hostIPC']);
  assert.deepEqual(byKey('hostPath'), ['volumes[0].hostPath']);
  assert.deepEqual(byKey('hostPorts'), ['containers[0].ports[0].hostPort']);
  assert.deepEqual(byKey('privileged'), ['containers[0].securityContext.privileged', 'containers[0].securityContext.allowPrivilegeEscalation']);
  assert.deepEqual(byKey('runAsRoot'), ['securityContext.runAsUser', 'containers[0].securityContext.runAsNonRoot']);
  assert.deepEqual(byKey('capabilities'), ['containers[0].securityContext.capabilities.add[0]', 'containers[0].securityContext.capabilities.add[1]']);
  // Lines point into the manifest (the block starts on line 6 of the Riofile).
  assert.equal(issues.find((i) => i.path.endsWith('hostPID'))!.line, 5 + 8);
  assert.equal(issues.find((i) => i.path.endsWith('privileged'))!.line, 5 + 23);
  const all = { hostNamespaces: true, hostPath: true, hostPorts: true, privileged: true, runAsRoot: true, capabilities: ['SYS_ADMIN', 'NET_BIND_SERVICE'] };
  assert.equal(checkPolicy(input(manifest(deployment), all)), undefined);
  assert.equal(refused(manifest(deployment), { ...all, capabilities: ['NET_BIND_SERVICE'] }).length, 1, 'capabilities are allowed one by one');
});

test('policy: the rest of Pod Security baseline (hostProcess, SELinux, procMount, Unconfined seccomp or AppArmor, unsafe sysctls) is refused at its line whatever the app is allowed', () => {
  const deployment = [
    'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: escape', 'spec:', '  template:', '    metadata:', '      annotations:',
    '        container.apparmor.security.beta.kubernetes.io/c: unconfined', '        container.apparmor.security.beta.kubernetes.io/d: localhost/mine',
    '    spec:', '      securityContext:', '        seccompProfile: { type: Unconfined }', '        seLinuxOptions: { user: system_u, type: container_t }',
    '        windowsOptions: { hostProcess: true }', '        sysctls: [{ name: net.ipv4.tcp_syncookies, value: "1" }, { name: kernel.msgmax, value: "1" }]',
    '      containers:', '      - name: c', '        image: busybox', '        securityContext:', '          seLinuxOptions: { type: spc_t, role: system_r }',
    '          procMount: Unmasked', '          appArmorProfile: { type: Unconfined }', '          seccompProfile: { type: RuntimeDefault }',
    '      - name: d', '        image: busybox', '        securityContext: { seLinuxOptions: { type: container_engine_t }, procMount: Default, appArmorProfile: { type: Localhost, localhostProfile: p } }',
  ].join('\n');
  const all = { hostNamespaces: true, hostPath: true, hostPorts: true, privileged: true, runAsRoot: true, capabilities: ['ALL'], permissions: true };
  const issues = refused(manifest(deployment), all);
  const at = (p: string) => p.replace('kubernetes.manifest[0].spec.template.', '');
  assert.deepEqual(issues.map((i) => at(i.path)).sort(), [
    'metadata.annotations.container.apparmor.security.beta.kubernetes.io/c',
    'spec.securityContext.sysctls[1]',
    'spec.securityContext.windowsOptions.hostProcess', 'spec.securityContext.seLinuxOptions.user', 'spec.securityContext.seccompProfile.type',
    'spec.containers[0].securityContext.seLinuxOptions.type', 'spec.containers[0].securityContext.seLinuxOptions.role', 'spec.containers[0].securityContext.procMount',
    'spec.containers[0].securityContext.appArmorProfile.type',
  ].sort());
  for (const i of issues) assert.match(i.message, /Pod Security's baseline level refuses this and no allow key grants it$/, i.path);
  assert.match(issues.find((i) => i.path.endsWith('sysctls[1]'))!.message, /sets the sysctl kernel\.msgmax, not one of the safe sysctls/);
  assert.equal(issues.find((i) => i.path.endsWith('procMount'))!.line, 5 + 22);
  assert.equal(issues.find((i) => i.path.endsWith('/c'))!.line, 5 + 9);
  // What baseline allows passes.
  const fine = deployment.split('\n').filter((l) => !/unconfined|Unconfined|system_u|hostProcess|sysctls|spc_t|Unmasked/.test(l)).join('\n');
  assert.equal(checkPolicy(input(manifest(fine), all)), undefined);
});

test('policy: a host in a probe or lifecycle handler (baseline since 1.34: the kubelet sends it from the node\'s network) is refused at its line in a Riofile service, its sidecars and manifests, whatever the app is allowed; empty or absent passes', () => {
  const all = { hostNamespaces: true, hostPath: true, hostPorts: true, privileged: true, runAsRoot: true, capabilities: ['ALL'], permissions: true, externalServices: true };
  // A Riofile service's probes pass through to Kubernetes (render/container.ts): any alias, sidecars too.
  const src = service([
    '    liveness:', '      httpGet: { host: 169.254.169.254, path: /computeMetadata/v1/, port: 80, httpHeaders: [{ name: Metadata-Flavor, value: Google }] }',
    '    readinessProbe:', '      tcpSocket: { host: 10.0.0.1, port: 6443 }',
    '    containers:', '    - name: agent', '      image: busybox', '      readiness:', '        httpGet:', '          host: 127.0.0.1', '          port: 10250', '',
  ].join('\n'));
  const issues = refused(src, all);
  assert.deepEqual(issues.map((i) => [i.path, i.line]), [
    ['services.web.livenessProbe.httpGet.host', 5], ['services.web.readinessProbe.tcpSocket.host', 7], ['services.web.containers[0].readinessProbe.httpGet.host', 13],
  ]);
  assert.equal(issues[0]!.message, 'service "web" sends its livenessProbe.httpGet to the host 169.254.169.254 (the kubelet sends it from the node\'s network, past NetworkPolicies): Pod Security\'s baseline level refuses this and no allow key grants it');
  assert.match(issues[2]!.message, /^container "agent" of service "web" sends its readinessProbe\.httpGet to the host 127\.0\.0\.1 /);
  assert.equal(checkPolicy(input(service('    liveness:\n      httpGet: { host: "", path: /, port: 80 }\n    readiness:\n      tcpSocket: { port: 80 }\n'))), undefined);
  // Manifests: the three probes and both lifecycle handlers, in every container list.
  const pod = [
    'apiVersion: v1', 'kind: Pod', 'metadata:', '  name: p', 'spec:', '  initContainers:', '  - name: i', '    image: busybox', '    restartPolicy: Always',
    '    startupProbe: { tcpSocket: { host: 10.0.0.2, port: 22 } }', '  containers:', '  - name: c', '    image: busybox',
    '    lifecycle:', '      postStart: { httpGet: { host: 10.0.0.3, port: 80 } }', '      preStop: { tcpSocket: { host: node.local, port: 80 } }',
    '    livenessProbe: { httpGet: { path: /, port: 80 } }',
  ].join('\n');
  const found = refused(manifest(pod), all);
  assert.deepEqual(found.map((i) => i.path.replace('kubernetes.manifest[0].', '')), [
    'spec.initContainers[0].startupProbe.tcpSocket.host', 'spec.containers[0].lifecycle.postStart.httpGet.host', 'spec.containers[0].lifecycle.preStop.tcpSocket.host',
  ]);
  assert.deepEqual(found.map((i) => i.line), [5 + 10, 5 + 15, 5 + 16]);
  assert.match(found[1]!.message, /^Pod p sends the lifecycle\.postStart\.httpGet of container "c" to the host 10\.0\.0\.3 \(the kubelet sends it from the node's network, past NetworkPolicies\): Pod Security's baseline level refuses this and no allow key grants it$/);
});

test('policy: pod specs are found wherever they sit: Pod, CronJob, a custom resource', () => {
  const pod = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostNetwork: true\n  containers:\n  - name: c\n    image: busybox';
  const cron = 'apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\nspec:\n  schedule: "* * * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          hostNetwork: true\n          containers:\n          - name: c\n            image: busybox';
  const custom = 'apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: k\nspec:\n  template:\n    spec:\n      hostNetwork: true\n      containers:\n      - image: busybox';
  for (const m of [pod, cron, custom]) {
    const issues = refused(manifest(m));
    assert.equal(issues.length, 1, m);
    assert.match(issues[0]!.path, /hostNetwork$/);
  }
});

test('policy: a plain-Kubernetes file is checked the same way, located in its own documents', () => {
  const source = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: all\nrules: []\n';
  const err = checkPolicy(input(source));
  assert.equal(err?.issues[0]?.path, 'kubernetes.manifest[1].kind');
  assert.equal(err?.issues[0]?.line, 7);
});

test('policy: every refusal is reported at once, in file order, and the error summary fits a commit status', () => {
  const err = checkPolicy(input(service('    privileged: true\n    hostNetwork: true\n    user: 0\n')));
  assert.deepEqual(err?.issues.map((i) => i.line), [4, 5, 6]);
  assert.ok(err!.summary().length <= 140);
  assert.equal(policyFindings(input(service('    privileged: true\n'), { privileged: true })).length, 0);
});

test('policy: a Riofile cannot choose the build\'s repository, credentials or registry; each refusal is located', () => {
  const src = service('    build:\n      repo: https://evil.example.com/steal.git\n      cloneSecretName: other-app-clone\n      pushRegistry: docker.io\n      pushRegistrySecretName: prod-push\n      imageName: other-app/web\n').replace('    image: nginx\n', '');
  const issues = refused(src, { privileged: true, hostPath: true, hostNamespaces: true, hostPorts: true, runAsRoot: true, permissions: true, globalPermissions: true });
  assert.deepEqual(issues.map((i) => [i.line, i.path]), [
    [4, 'services.web.build.repo'], [5, 'services.web.build.cloneSecretName'], [6, 'services.web.build.pushRegistry'],
    [7, 'services.web.build.pushRegistrySecretName'], [8, 'services.web.build.imageName'],
  ]);
  assert.match(issues[0]!.message, /repo in apps\/shop\.yaml of the config repository/);
  assert.match(issues[1]!.message, /cloneSecret in apps\/shop\.yaml/);
  assert.match(issues[3]!.message, /builder\.pushSecret of ria\.yaml/);
  assert.match(issues[4]!.message, /outside the app's image path: use "shop\/<name>"/);
});

test('policy: build.repo equal to the app\'s own repository and an imageName inside the app path pass; sidecar builds are checked too', () => {
  assert.equal(checkPolicy(input(service('    build:\n      repo: r\n      imageName: shop/site\n').replace('    image: nginx\n', ''))), undefined);
  const issues = refused(service('    containers:\n    - name: helper\n      build:\n        cloneSecretName: x\n'));
  assert.equal(issues[0]!.path, 'services.web.containers[0].build.cloneSecretName');
  assert.equal(issues[0]!.line, 7);
});

test('policy: a preview receives only the Secrets previews.secretsFrom lists (default none); branches are not limited', () => {
  const src = service('    env:\n    - DB=secret://db/password\n    secrets: tls\n    imagePullSecrets: [regcred]\n');
  const pr = (previews?: Record<string, unknown>) => ({ ...input(src), kind: 'pr' as const, spec: { repo: 'r', branches: ['main'], riofile: 'Riofile', ...(previews ? { previews } : {}) } });
  const err = checkPolicy(pr());
  assert.deepEqual(err?.issues.map((i) => [i.line, i.path]), [[5, 'services.web.env[0]'], [6, 'services.web.secrets[0]'], [7, 'services.web.imagePullSecrets[0]']]);
  assert.match(err!.issues[0]!.message, /"db" is not: add it to "previews: \{ secretsFrom: \[db\] \}" in apps\/shop\.yaml/);
  assert.deepEqual(checkPolicy(pr({ secretsFrom: ['db', 'regcred'] }))?.issues.map((i) => i.path), ['services.web.secrets[0]']);
  assert.equal(checkPolicy(pr({ secretsFrom: ['db', 'regcred', 'tls'] })), undefined);
  assert.equal(checkPolicy(input(src)), undefined, 'a branch environment uses the app\'s secretsFrom as before');
});

test('policy: HTTPRoute/Ingress in manifests are refused naming allow.routes; allowed, only the environment\'s own hostnames (review H7)', () => {
  const steal = manifest([
    'apiVersion: gateway.networking.k8s.io/v1', 'kind: HTTPRoute', 'metadata: {name: steal}',
    'spec:', '  parentRefs: [{name: ria, namespace: ria-system}]', '  hostnames: [api--main.ria.localhost, "*.example.com", web--shop--main.ria.localhost]',
    '  rules: [{matches: [{path: {type: PathPrefix, value: /login}}]}]',
  ].join('\n'));
  const denied = refused(steal);
  assert.equal(denied.length, 1);
  assert.match(denied[0]!.message, /HTTPRoute steal claims hostnames.*allow: \{ routes: true \}/);
  const hosts = refused(steal, { routes: true });
  assert.deepEqual(hosts.map((i) => i.path), ['kubernetes.manifest[0].spec.hostnames[0]', 'kubernetes.manifest[0].spec.hostnames[1]']);
  const ingress = manifest(['apiVersion: networking.k8s.io/v1', 'kind: Ingress', 'metadata: {name: i}', 'spec:', '  rules: [{host: shop--main.ria.localhost}, {host: evil.example.com}]'].join('\n'));
  assert.equal(refused(ingress).length, 1);
  assert.deepEqual(refused(ingress, { routes: true }).map((i) => i.path), ['kubernetes.manifest[0].spec.rules[1].host']);
  // Hostnames of other environments that merely end like this one's (issue 11): app x-shop's,
  // service b of app a--... (no such part), and a label over 63 characters.
  const others = manifest(['apiVersion: networking.k8s.io/v1', 'kind: Ingress', 'metadata: {name: i}', 'spec:',
    `  rules: [{host: x-shop--main.ria.localhost}, {host: a--b--shop--main.ria.localhost}, {host: ${'a'.repeat(52)}--shop--main.ria.localhost}, {host: web--shop--main.ria.localhost}]`].join('\n'));
  const notOwn = refused(others, { routes: true });
  assert.deepEqual(notOwn.map((i) => i.path), [0, 1, 2].map((i) => `kubernetes.manifest[0].spec.rules[${i}].host`));
  assert.match(notOwn[0]!.message, /"x-shop--main\.ria\.localhost" is another environment's or not one Ria would give this one; use NAME--shop--main\.ria\.localhost/);
});

test('policy: a manifest Service may not set externalIPs (CVE-2020-8554) whatever allow says; NodePort/LoadBalancer need allow.hostPorts', () => {
  const svc = (spec: string) => manifest(['apiVersion: v1', 'kind: Service', 'metadata: {name: s}', 'spec:', spec, '  ports: [{port: 80}]'].join('\n'));
  const external = refused(svc('  externalIPs: [10.0.0.10]'), { hostPorts: true, privileged: true, hostNamespaces: true });
  assert.deepEqual(external.map((i) => i.path), ['kubernetes.manifest[0].spec.externalIPs']);
  assert.match(external[0]!.message, /\(CVE-2020-8554\); no allow key grants this/);
  for (const type of ['NodePort', 'LoadBalancer']) {
    const denied = refused(svc(`  type: ${type}`));
    assert.deepEqual(denied.map((i) => i.path), ['kubernetes.manifest[0].spec.type']);
    assert.match(denied[0]!.message, new RegExp(`type ${type}.*allow: \\{ hostPorts: true \\}`));
    assert.equal(checkPolicy(input(svc(`  type: ${type}`), { hostPorts: true })), undefined);
  }
  assert.equal(checkPolicy(input(svc('  type: ClusterIP'))), undefined);
});

test('policy: a manifest pod may not run as the environment\'s identity, ria-environment, whatever allow says (review10 F9); another ServiceAccount passes', () => {
  const deployment = (sa: string) => manifest(['apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: d}', 'spec:', '  template:', '    spec:', `      ${sa}`, '      containers: [{name: c, image: busybox}]'].join('\n'));
  for (const field of ['serviceAccountName', 'serviceAccount']) {
    const issues = refused(deployment(`${field}: ria-environment`), { permissions: true, hostPorts: true, privileged: true });
    assert.deepEqual(issues.map((i) => i.path), [`kubernetes.manifest[0].spec.template.spec.${field}`]);
    assert.match(issues[0]!.message, /runs as the ServiceAccount ria-environment, the identity Ria applies the environment with; no allow key grants this/);
  }
  assert.equal(checkPolicy(input(deployment('serviceAccountName: web'))), undefined);
});
