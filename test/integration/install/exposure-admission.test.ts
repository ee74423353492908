/**
 * Node access and Service exposure are held by the API server itself (install/exposure-admission.ts),
 * for every writer in an environment's namespace, not only by Ria's checks: an app allowed
 * `permissions` gives its pods rights on Services and Pods; as that pod, an externalIPs Service, a
 * NodePort or LoadBalancer Service, a hostPort, host namespaces, a privileged container or a
 * hostPath volume the app's `allow` does not grant are refused, also where Pod Security no longer
 * holds them (the namespace of an app granted other host access is `privileged`); there every
 * other check of Pod Security's `baseline` level holds too (capabilities, hostProcess, SELinux,
 * procMount, seccomp, AppArmor, sysctls, a probe's or lifecycle handler's host).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testClients, eventually, uniqueName } from '../../support/kube.js';
import { forbidden, installForFile, podClient } from '../../support/installs.js';
import { KubeObjects, type KubeObject } from '../../../engine/kube/objects.js';
import { render } from '../../../engine/render/index.js';
import { environmentNamespace } from '../../../engine/render/names.js';
import { parseRiofile } from '../../../engine/riofile/index.js';
import { podSecurityFor, DEFAULT_POD_SECURITY } from '../../../engine/policy/pod-security.js';
import { allowOf } from '../../../engine/policy/allow.js';
import { hostAccessOf } from '../../../engine/controller/environment/cluster-settings.js';
import type { Environment } from '../../../engine/render/types.js';

const install = installForFile('ria-exposure');
const { admin, made } = install;


/**
 * An environment namespace as the engine writes it for an app with `allow`, and a ServiceAccount
 * `web` its `permissions` gave rights on Services and Pods there (written by the cluster admin
 * here: what the environment's Role and RoleBinding would do).
 */
async function environmentWithPodWriter(allow: Record<string, unknown>): Promise<{ namespace: string; app: string; pod: KubeObjects }> {
  const app = uniqueName('shop');
  const environment: Environment = { app, kind: 'branch', branch: 'main', commit: 'a'.repeat(40) };
  const namespace = environmentNamespace(environment);
  made.push(namespace);
  const a = allowOf({ allow });
  const rendered = render({ riofile: parseRiofile('services:\n  web:\n    image: nginx:1.27\n'), environment, cluster: { domain: 'apps.test', registry: 'registry.test' },
    podSecurity: podSecurityFor(DEFAULT_POD_SECURITY, a), hostAccess: hostAccessOf(a) }).objects;
  await install.engine.apply(rendered.find((o) => o.kind === 'Namespace')!);
  const labels = { 'app.kubernetes.io/managed-by': 'ria', 'ria.dev/app': app };
  const rbac = 'rbac.authorization.k8s.io/v1';
  await admin.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace, labels } });
  await admin.apply({ apiVersion: rbac, kind: 'Role', metadata: { name: 'exposure', namespace, labels }, rules: [
    { apiGroups: [''], resources: ['services', 'pods', 'services/status', 'pods/status'], verbs: ['create', 'update', 'patch', 'get', 'delete'] },
  ] });
  await admin.apply({ apiVersion: rbac, kind: 'RoleBinding', metadata: { name: 'exposure', namespace, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'exposure' }, subjects: [{ kind: 'ServiceAccount', name: 'web', namespace }] });
  const pod = podClient(admin, `system:serviceaccount:${namespace}:web`);
  await eventually('the pod may write Services', async () => pod.apply(service(namespace, 'probe', {})).then(() => true, (e: Error & { status?: number }) => (e.status === 403 && /cannot/.test(e.message) ? false : Promise.reject(e))), 20_000);
  // The policy is in force once the API server has loaded it (read asynchronously after install).
  await eventually('the exposure policy is in force', async () => pod.apply(service(namespace, 'probe2', { externalIPs: ['203.0.113.9'] })).then(() => false, () => true), 30_000);
  return { namespace, app, pod };
}

const service = (namespace: string, name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 80 }], ...spec } });
const podOf = (namespace: string, name: string, spec: Record<string, unknown>, container: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace },
  spec: { containers: [{ name: 'web', image: 'nginx:1.27', ...container }], ...spec } });

test('a pod given rights on Services by the app\'s permissions cannot make one with externalIPs, or of type NodePort or LoadBalancer, without allow.hostPorts; a ClusterIP Service is accepted; system:masters passes', async () => {
  // Setup
  const { namespace, app, pod } = await environmentWithPodWriter({ permissions: true });
  // Test
  await assert.rejects(pod.apply(service(namespace, 'taken', { externalIPs: ['10.96.0.1'] })), forbidden(/Service taken: externalIPs would let it take traffic meant for any address in the cluster \(CVE-2020-8554\); no allow key grants this/));
  for (const type of ['NodePort', 'LoadBalancer']) {
    await assert.rejects(pod.apply(service(namespace, 'open', { type })),
      forbidden(new RegExp(`Service open: type ${type} opens a port on every node, which app ${app} is not allowed: set "allow: \\{ hostPorts: true \\}" in apps/${app}\\.yaml of the config repository`)), type);
  }
  await pod.apply(service(namespace, 'inner', { type: 'ClusterIP' }));
  // Changed afterwards by an update: refused the same.
  await assert.rejects(pod.apply(service(namespace, 'inner', { type: 'NodePort' })), forbidden(/Service inner: type NodePort opens a port on every node/));
  await admin.apply(service(namespace, 'by-admin', { type: 'NodePort' }));
  // Pod Security (baseline here) refuses a hostPort pod anyway; the policy says which allow key.
  await assert.rejects(pod.apply(podOf(namespace, 'bound', {}, { ports: [{ containerPort: 80, hostPort: 8080 }] })), (err: Error & { status?: number }) => err.status === 403);
});

test('where Pod Security is privileged (the app is allowed hostPath), a pod still cannot use host namespaces, a hostPort or a privileged container it is not allowed, nor a NodePort Service; what it is allowed passes', async () => {
  // Setup
  const { namespace, app, pod } = await environmentWithPodWriter({ permissions: true, hostPath: true });
  const how = (key: string) => `which app ${app} is not allowed: set "allow: \\{ ${key}: true \\}"`;
  // Test
  await assert.rejects(pod.apply(podOf(namespace, 'hostnet', { hostNetwork: true, hostPID: true })), forbidden(new RegExp(`Pod hostnet: hostNetwork, hostPID shares the node's namespaces, ${how('hostNamespaces')}`)));
  await assert.rejects(pod.apply(podOf(namespace, 'ipc', { hostIPC: true })), forbidden(new RegExp(`Pod ipc: hostIPC shares the node's namespaces, ${how('hostNamespaces')}`)));
  await assert.rejects(pod.apply(podOf(namespace, 'bound', {}, { ports: [{ containerPort: 80, hostPort: 8080 }] })), forbidden(new RegExp(`Pod bound: container web binds a port on the node \\(hostPort\\), ${how('hostPorts')}`)));
  await assert.rejects(pod.apply(podOf(namespace, 'root', {}, { securityContext: { privileged: true } })), forbidden(new RegExp(`Pod root: container web runs privileged \\(root on the node\\), ${how('privileged')}`)));
  await assert.rejects(pod.apply(service(namespace, 'open', { type: 'NodePort' })), forbidden(/type NodePort opens a port on every node/));
  // Allowed: a hostPath volume; an ordinary pod.
  await pod.apply(podOf(namespace, 'logs', { volumes: [{ name: 'logs', hostPath: { path: '/var/log' } }] }, { volumeMounts: [{ name: 'logs', mountPath: '/logs' }] }));
  await pod.apply(podOf(namespace, 'plain', {}));
});

test('an app allowed hostPorts may have NodePort and LoadBalancer Services and hostPorts, never externalIPs; host namespaces stay refused', async () => {
  // Setup
  const { namespace, pod } = await environmentWithPodWriter({ permissions: true, hostPorts: true });
  // Test
  await pod.apply(service(namespace, 'node', { type: 'NodePort' }));
  await pod.apply(service(namespace, 'lb', { type: 'LoadBalancer' }));
  await pod.apply(podOf(namespace, 'bound', {}, { ports: [{ containerPort: 80, hostPort: 8080 }] }));
  await assert.rejects(pod.apply(service(namespace, 'taken', { type: 'NodePort', externalIPs: ['10.96.0.1'] })), forbidden(/externalIPs/));
  await assert.rejects(pod.apply(podOf(namespace, 'hostnet', { hostNetwork: true })), forbidden(/hostNetwork shares the node's namespaces/));
});

test('where Pod Security is privileged (the app is allowed hostNamespaces and NET_ADMIN), every other baseline check holds for a pod\'s writes: capabilities beyond baseline and NET_ADMIN, hostProcess, SELinux, procMount, seccomp, AppArmor, unsafe sysctls', async () => {
  // Setup
  const { namespace, app, pod } = await environmentWithPodWriter({ permissions: true, hostNamespaces: true, capabilities: ['NET_ADMIN'] });
  const { core } = testClients();
  assert.equal((await core.readNamespace({ name: namespace })).metadata?.labels?.['pod-security.kubernetes.io/enforce'], 'privileged');
  const caps = (...add: string[]) => ({ securityContext: { capabilities: { add } } });
  const refusedAlways = "; Pod Security refuses it at baseline and no allow key grants it";
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // Test
  // Capabilities: the review's attacks (a kernel module, open_by_handle_at, SYS_ADMIN), in any spelling, in any container list.
  await assert.rejects(pod.apply(podOf(namespace, 'module', {}, caps('SYS_MODULE'))),
    forbidden(new RegExp(esc(`Pod module: container web adds SYS_MODULE (beyond the capabilities of Pod Security baseline), which app ${app} is not allowed: set "allow: { capabilities: [...] }" in apps/${app}.yaml`))));
  await assert.rejects(pod.apply(podOf(namespace, 'handles', {}, caps('NET_ADMIN', 'CAP_DAC_READ_SEARCH'))), forbidden(/container web adds CAP_DAC_READ_SEARCH \(/));
  await assert.rejects(pod.apply(podOf(namespace, 'init', { initContainers: [{ name: 'setup', image: 'busybox', ...caps('sys_admin') }] })), forbidden(/container setup adds sys_admin/));
  // Allowed: baseline's own list and what the app is granted, however spelled.
  await pod.apply(podOf(namespace, 'netadmin', {}, caps('NET_ADMIN', 'CAP_NET_ADMIN', 'net_admin', 'CHOWN', 'NET_BIND_SERVICE')));
  // The rest of baseline: no allow key grants it.
  await assert.rejects(pod.apply(podOf(namespace, 'windows', { hostNetwork: true, os: { name: 'windows' }, securityContext: { windowsOptions: { hostProcess: true } } }, { securityContext: { windowsOptions: { hostProcess: true } } })),
    forbidden(new RegExp(esc(`Pod windows: its pod, container web runs as a Windows HostProcess container (SYSTEM on the node)${refusedAlways}`))));
  await assert.rejects(pod.apply(podOf(namespace, 'spc', {}, { securityContext: { seLinuxOptions: { type: 'spc_t' } } })), forbidden(/Pod spc: container web sets an SELinux user or role, or a type other than container_t/));
  await assert.rejects(pod.apply(podOf(namespace, 'seuser', { securityContext: { seLinuxOptions: { user: 'system_u', role: 'system_r' } } })), forbidden(/Pod seuser: its pod sets an SELinux user or role/));
  await assert.rejects(pod.apply(podOf(namespace, 'proc', { hostUsers: false }, { securityContext: { procMount: 'Unmasked' } })), forbidden(/Pod proc: container web sets procMount other than Default/));
  await assert.rejects(pod.apply(podOf(namespace, 'seccomp', { securityContext: { seccompProfile: { type: 'Unconfined' } } })), forbidden(/Pod seccomp: its pod runs without seccomp/));
  await assert.rejects(pod.apply(podOf(namespace, 'seccomp2', {}, { securityContext: { seccompProfile: { type: 'Unconfined' } } })), forbidden(/Pod seccomp2: container web runs without seccomp/));
  await assert.rejects(pod.apply(podOf(namespace, 'apparmor', {}, { securityContext: { appArmorProfile: { type: 'Unconfined' } } })), forbidden(/Pod apparmor: container web runs without AppArmor/));
  await assert.rejects(pod.apply({ ...podOf(namespace, 'apparmor2', {}), metadata: { name: 'apparmor2', namespace, annotations: { 'container.apparmor.security.beta.kubernetes.io/web': 'unconfined' } } }), forbidden(/AppArmor/));
  await assert.rejects(pod.apply(podOf(namespace, 'sysctl', { securityContext: { sysctls: [{ name: 'net.ipv4.tcp_syncookies', value: '1' }, { name: 'kernel.msgmax', value: '65536' }] } })),
    forbidden(new RegExp(esc(`Pod sysctl: sysctl kernel.msgmax is not one of the safe sysctls${refusedAlways}`))));
  // What baseline allows passes.
  await pod.apply(podOf(namespace, 'confined', { securityContext: { seccompProfile: { type: 'RuntimeDefault' }, seLinuxOptions: { type: 'container_init_t', level: 's0:c1,c2' }, sysctls: [{ name: 'net.ipv4.tcp_keepalive_time', value: '60' }] } },
    { securityContext: { procMount: 'Default', appArmorProfile: { type: 'RuntimeDefault' }, seLinuxOptions: { type: 'container_t' } } }));
  await pod.apply(podOf(namespace, 'hostnet', { hostNetwork: true }));
});

test('a host in a probe or lifecycle handler (Pod Security baseline since 1.34, review10 F3) is refused for a pod\'s writes where the namespace is privileged (hostPorts alone); probes without a host pass', async () => {
  // Setup
  const { namespace, pod } = await environmentWithPodWriter({ permissions: true, hostPorts: true });
  const { core } = testClients();
  assert.equal((await core.readNamespace({ name: namespace })).metadata?.labels?.['pod-security.kubernetes.io/enforce'], 'privileged');
  const refusedAlways = /; Pod Security refuses it at baseline and no allow key grants it/;
  // Test
  await assert.rejects(pod.apply(podOf(namespace, 'probe-host', {}, { livenessProbe: { httpGet: { host: '10.0.0.1', path: '/', port: 80, httpHeaders: [{ name: 'Metadata-Flavor', value: 'Google' }] } } })),
    forbidden(/Pod probe-host: container web sends a probe or lifecycle handler to a host of its own \(httpGet or tcpSocket host: the kubelet sends it from the network of the node, past NetworkPolicies\)/));
  await assert.rejects(pod.apply(podOf(namespace, 'hook-host', {}, { lifecycle: { preStop: { httpGet: { host: '127.0.0.1', path: '/', port: 10250 } } } })), forbidden(refusedAlways));
  await assert.rejects(pod.apply(podOf(namespace, 'tcp-host', {}, { readinessProbe: { tcpSocket: { host: 'metadata.google.internal', port: 80 } } })), forbidden(/Pod tcp-host: container web sends a probe/));
  // Probes and hooks sent to the pod itself (no host, or an empty one) pass.
  await pod.apply(podOf(namespace, 'probed', {}, { livenessProbe: { httpGet: { path: '/', port: 80 } }, readinessProbe: { tcpSocket: { host: '', port: 80 } }, lifecycle: { preStop: { httpGet: { path: '/quit', port: 80 } } } }));
});

test('a capability is refused at the API server in a namespace made privileged by hostPorts alone (review9 F1), and accepted once the app is allowed it', async () => {
  // Setup
  const { namespace: plain, pod: plainPod } = await environmentWithPodWriter({ permissions: true, hostPorts: true });
  // Test
  await assert.rejects(plainPod.apply(podOf(plain, 'module', {}, { securityContext: { capabilities: { add: ['SYS_MODULE'] } } })), forbidden(/container web adds SYS_MODULE/));
  const { namespace: all, pod: allPod } = await environmentWithPodWriter({ permissions: true, capabilities: ['ALL'] });
  await allPod.apply(podOf(all, 'module', {}, { securityContext: { capabilities: { add: ['SYS_MODULE'] } } }));
  await assert.rejects(allPod.apply(podOf(all, 'proc', { securityContext: { seccompProfile: { type: 'Unconfined' } } })), forbidden(/its pod runs without seccomp/));
});

test('a pod given rights on services/status cannot write a Service\'s status.loadBalancer (CVE-2020-8554 through the status); a ServiceAccount of another namespace (a load-balancer controller) and system:masters can', async () => {
  // Setup
  const { namespace, pod } = await environmentWithPodWriter({ permissions: true, hostPorts: true });
  await pod.apply(service(namespace, 'lb', { type: 'LoadBalancer' }));
  const status = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'lb', namespace }, status: { loadBalancer: { ingress: [{ ip: '8.8.8.8' }] } } };
  const controllerNs = uniqueName('lb-system');
  made.push(controllerNs);
  await admin.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: controllerNs } });
  await admin.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'controller', namespace: controllerNs } });
  await admin.apply({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'lb-controller', namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'exposure' }, subjects: [{ kind: 'ServiceAccount', name: 'controller', namespace: controllerNs }] });
  const controller = admin.as(`system:serviceaccount:${controllerNs}:controller`);
  // Test
  await assert.rejects(pod.applyStatus(status, 'attacker'), forbidden(/Service lb: its status \(status\.loadBalancer\) belongs to the load-balancer controller; .*CVE-2020-8554/));
  await eventually('the controller may write the status', async () => controller.applyStatus({ ...status, status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } } }, 'lb-controller')
    .then(() => true, (e: Error & { status?: number }) => (e.status === 403 && /cannot/.test(e.message) ? false : Promise.reject(e))), 20_000);
  const ips = async () => ((await admin.get<KubeObject & { status?: { loadBalancer?: { ingress?: Array<{ ip: string }> } } }>({ apiVersion: 'v1', kind: 'Service', name: 'lb', namespace }))?.status?.loadBalancer?.ingress ?? []).map((i) => i.ip);
  assert.deepEqual(await ips(), ['192.0.2.10']);
  await admin.applyStatus({ ...status, status: { loadBalancer: { ingress: [{ ip: '192.0.2.11' }] } } }, 'admin');
  assert.deepEqual(await ips(), ['192.0.2.11']);
});

test('a pod given rights on pods/status cannot forge a pod\'s IP, which the EndpointSlice controller would publish (review10 F5); a ServiceAccount of another namespace can write a pod\'s status, also of a pod the app is not allowed now; system:masters can', async () => {
  // Setup: a pod no kubelet will run (its node does not exist: kwok leaves it alone), which a
  // Service selecting it with publishNotReadyAddresses would publish at whatever IP its status says.
  const { namespace, pod } = await environmentWithPodWriter({ permissions: true, hostPorts: true });
  await pod.apply(podOf(namespace, 'ghost', { nodeName: uniqueName('nowhere') }));
  // Made by a cluster admin past the policy (hostNetwork is not allowed to this app).
  await admin.apply(podOf(namespace, 'hostnet', { hostNetwork: true, nodeName: uniqueName('nowhere') }));
  const status = (name: string, ip: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, status: { podIP: ip, podIPs: [{ ip }] } } as KubeObject);
  const controllerNs = uniqueName('gates-system');
  made.push(controllerNs);
  await admin.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: controllerNs } });
  await admin.apply({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'gates-controller', namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'exposure' }, subjects: [{ kind: 'ServiceAccount', name: 'controller', namespace: controllerNs }] });
  const controller = admin.as(`system:serviceaccount:${controllerNs}:controller`);
  const ipOf = async (name: string) => (await admin.get<KubeObject & { status?: { podIP?: string } }>({ apiVersion: 'v1', kind: 'Pod', name, namespace }))?.status?.podIP;
  // Test
  await assert.rejects(pod.applyStatus(status('ghost', '10.0.0.99'), 'attacker'),
    forbidden(/Pod ghost: its status \(status\.podIP\) belongs to the kubelet; a ServiceAccount of the environment namespace writing it could have the EndpointSlice controller publish any address/));
  assert.equal(await ipOf('ghost'), undefined);
  await eventually('the controller may write a pod\'s status', async () => controller.applyStatus(status('ghost', '192.0.2.30'), 'gates')
    .then(() => true, (e: Error & { status?: number }) => (e.status === 403 && /cannot/.test(e.message) ? false : Promise.reject(e))), 20_000);
  assert.equal(await ipOf('ghost'), '192.0.2.30');
  // The pod checks are not made again on a status write (the kubelet writes it whatever is allowed since).
  await controller.applyStatus(status('hostnet', '192.0.2.31'), 'gates');
  await admin.applyStatus(status('hostnet', '192.0.2.31'), 'admin');
  assert.equal(await ipOf('hostnet'), '192.0.2.31');
});

test('a pod given rights on Pods cannot make one run as the environment\'s identity, ria-environment, whatever the app is allowed (review10 F9); another ServiceAccount passes', async () => {
  // Setup: the namespace holds the identity's ServiceAccount (the engine makes it with the environment).
  const { namespace, pod } = await environmentWithPodWriter({ permissions: true, hostPorts: true });
  await admin.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'ria-environment', namespace } });
  // Test
  await assert.rejects(pod.apply(podOf(namespace, 'as-ria', { serviceAccountName: 'ria-environment' })),
    forbidden(/Pod as-ria: runs as the ServiceAccount ria-environment, the identity Ria applies the environment with; no allow key grants this/));
  await pod.apply(podOf(namespace, 'as-web', { serviceAccountName: 'web' }));
});
