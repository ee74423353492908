/**
 * The API server's half of Ria's node-access checks (policy/manifests.ts, policy/pods.ts): what
 * reaches the node or takes traffic outside the environment's namespace, written in an
 * environment's namespace by anyone (an app allowed `permissions` can give its own pods rights on
 * Services and Pods, and their writes never pass Ria's checks):
 *
 * - a Service with `externalIPs` takes traffic meant for any address, other tenants' included
 *   (CVE-2020-8554): refused, always (no allow key grants it);
 * - a Service of type NodePort or LoadBalancer opens a port on every node: `allow.hostPorts`;
 * - a Service's status (`services/status`) written by a ServiceAccount of the environment's own
 *   namespace: `status.loadBalancer.ingress` sends every pod's traffic for that address, cluster
 *   wide, to the Service (kube-proxy; CVE-2020-8554's other half): refused, always (the
 *   load-balancer controllers that write it run elsewhere);
 * - a Pod's status (`pods/status`) written by a ServiceAccount of the environment's own namespace:
 *   `status.podIP` is what the EndpointSlice controller publishes, also for a pod no kubelet runs
 *   (a Service with `publishNotReadyAddresses`), so a forged one sends a Service's traffic to any
 *   address, past `allow.externalServices` (review10 F5): refused, always (the kubelet writes it as
 *   `system:node:*`, readiness-gate controllers run elsewhere). An app's own controller that sets
 *   its pods' readiness-gate conditions is refused with it;
 * - a Pod with a container's `hostPort`: `allow.hostPorts`; `hostNetwork`, `hostPID`, `hostIPC`:
 *   `allow.hostNamespaces`; a `privileged` container: `allow.privileged`; a `hostPath` volume:
 *   `allow.hostPath`; a capability added outside `baseline`'s list: that capability in
 *   `allow.capabilities` (`ALL`: any);
 * - a Service of type ExternalName, an EndpointSlice not written by the EndpointSlice controller
 *   (its label `endpointslice.kubernetes.io/managed-by` other than `endpointslice-controller.k8s.io`,
 *   or written by a ServiceAccount of the namespace, whatever its label says), and Endpoints
 *   written by a ServiceAccount of the namespace: `allow.externalServices`. Traffic sent to such
 *   a Service goes where the writer says, and a route on the shared gateway makes the gateway
 *   proxy there from its own network position (other namespaces past their NetworkPolicies, nodes,
 *   the cloud metadata address: CVE-2021-25740). The EndpointSlice mirroring controller's copies
 *   of Endpoints are held by the same rule, so Endpoints written by anyone else reach no gateway
 *   either. Loopback and link-local addresses are refused in every EndpointSlice by the API
 *   server's own validation (ValidateEndpointIP), granted or not;
 * - the rest of Pod Security's `baseline` level, which no allow key grants: refused always:
 *   Windows `hostProcess`, an SELinux type other than container_t/container_init_t/
 *   container_kvm_t/container_engine_t or any SELinux `user`/`role`, `procMount` other than
 *   Default, an `Unconfined` seccomp or AppArmor profile (field or annotation), a sysctl outside
 *   the safe list (policy/pod-security.ts), a `host` in a probe or lifecycle handler (`httpGet`,
 *   `tcpSocket`; baseline since Kubernetes 1.34: the kubelet sends those requests from the node's
 *   network, past NetworkPolicies, and on older clusters Pod Security does not hold it at all).
 *
 * Pod Security's `baseline` refuses the pod side already, but only while the app is granted no
 * host access at all: any one of these keys (or a capability outside `baseline`) makes its
 * namespaces `privileged` (policy/pod-security.ts), and from then on Pod Security checks nothing.
 * So every check of `baseline` is held here, key by key, at pod and container level (containers,
 * initContainers, ephemeralContainers).
 *
 * What the app is allowed comes from an annotation of the environment's Namespace,
 * `ria.dev/host-access` (render/host-access.ts), which the engine writes from the config and the
 * environment cannot write; missing, nothing is allowed. Only Services, Pods, EndpointSlices and
 * Endpoints are matched (a workload's pods are checked when its controller creates them, as Pod
 * Security does), so no other write pays for it.
 */
import { HOST_ACCESS_ANNOTATION, type HostAccessKey } from '../render/host-access.js';
import { BASELINE_CAPABILITIES, BASELINE_SELINUX_TYPES, SAFE_SYSCTLS } from '../policy/pod-security.js';
import { HOST_ACTIONS, HOST_HANDLERS } from '../policy/pods.js';
import { ENVIRONMENT_SERVICE_ACCOUNT } from './rbac.js';

/**
 * The requests the policy looks at: Services, EndpointSlices and Endpoints created or updated, a
 * Service's or a Pod's status updated, Pods created or given an ephemeral container.
 */
export const EXPOSURE_RULES = [
  { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['services'], scope: 'Namespaced' },
  { apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['services/status'], scope: 'Namespaced' },
  { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: 'Namespaced' },
  { apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['pods/status'], scope: 'Namespaced' },
  { apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['pods/ephemeralcontainers'], scope: 'Namespaced' },
  { apiGroups: ['discovery.k8s.io'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['endpointslices'], scope: 'Namespaced' },
  { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['endpoints'], scope: 'Namespaced' },
] as const;

/** The label the EndpointSlice controller puts on the slices it writes (any writer can copy it: see `fromNamespace`). */
export const ENDPOINTSLICE_CONTROLLER = 'endpointslice-controller.k8s.io';

const nsAnnotation = (key: string) =>
  `(namespaceObject != null && has(namespaceObject.metadata.annotations) && '${key}' in namespaceObject.metadata.annotations ? namespaceObject.metadata.annotations['${key}'] : '')`;
const nsLabel = (key: string) =>
  `(namespaceObject != null && has(namespaceObject.metadata.labels) && '${key}' in namespaceObject.metadata.labels ? namespaceObject.metadata.labels['${key}'] : '')`;

/** VAP `variables`: the allowed keys between commas, the app's name (for the message), what is written. */
export function exposureVariables(): Array<{ name: string; expression: string }> {
  return [
    { name: 'hostAccess', expression: `',' + ${nsAnnotation(HOST_ACCESS_ANNOTATION)} + ','` },
    { name: 'app', expression: nsLabel('ria.dev/app') },
    { name: 'isStatus', expression: `has(request.subResource) && request.subResource == 'status'` },
    { name: 'isService', expression: `request.resource.resource == 'services'` },
    // A pod's status write carries the spec admitted before: its checks are the create's (and an
    // ephemeral container's), never the status's, which the kubelet writes whatever was allowed since.
    { name: 'isPod', expression: `request.resource.resource == 'pods' && !variables.isStatus` },
    { name: 'isSlice', expression: `request.resource.resource == 'endpointslices'` },
    { name: 'isEndpoints', expression: `request.resource.resource == 'endpoints'` },
    // The environment's own identities: its pods' ServiceAccounts, and the one the engine applies as.
    { name: 'fromNamespace', expression: `request.userInfo.username.startsWith('system:serviceaccount:' + request.namespace + ':')` },
    { name: 'what', expression: `{'services': 'Service ', 'pods': 'Pod ', 'endpointslices': 'EndpointSlice ', 'endpoints': 'Endpoints '}[request.resource.resource] + (has(object.metadata.name) && object.metadata.name != '' ? object.metadata.name : (has(object.metadata.generateName) ? object.metadata.generateName : ''))` },
    { name: 'containers', expression: `!variables.isPod ? [] : (has(object.spec.containers) ? object.spec.containers : []) + (has(object.spec.initContainers) ? object.spec.initContainers : []) + (has(object.spec.ephemeralContainers) ? object.spec.ephemeralContainers : [])` },
    { name: 'sliceManager', expression: `has(object.metadata.labels) && 'endpointslice.kubernetes.io/managed-by' in object.metadata.labels ? object.metadata.labels['endpointslice.kubernetes.io/managed-by'] : ''` },
  ];
}

const allowed = (key: HostAccessKey) => `variables.hostAccess.contains(',${key},')`;
const howToAllow = (key: HostAccessKey) => `', which app ' + variables.app + ' is not allowed: set "allow: { ${key}: true }" in apps/' + variables.app + '.yaml of the config repository'`;
const celList = (items: Iterable<string>) => `[${[...items].map((i) => `'${i}'`).join(', ')}]`;

/** A container's added capabilities (empty if none). */
const capsOf = (c: string) => `(has(${c}.securityContext) && has(${c}.securityContext.capabilities) && has(${c}.securityContext.capabilities.add) ? ${c}.securityContext.capabilities.add : [])`;
/** Capability `k` (as written: any case, `CAP_` or not) is neither in baseline's list nor granted by the annotation. */
const capName = (k: string) => `(${k}.upperAscii().startsWith('CAP_') ? ${k}.upperAscii().substring(4) : ${k}.upperAscii())`;
const badCap = (k: string) => `!(${capName(k)} in ${celList(BASELINE_CAPABILITIES)} || variables.hostAccess.contains(',cap:' + ${capName(k)} + ',') || variables.hostAccess.contains(',cap:ALL,'))`;

/**
 * One of baseline's checks that no allow key grants, on a security context (`sc`, present): true
 * when the pod-level one (`pod`) or a container's breaks it; `ofContainer` checks the container
 * itself (`c`) rather than its security context.
 */
interface ContextCheck { pod?: (sc: string) => string; container?: (sc: string) => string; ofContainer?: (c: string) => string; does: string }
const podBreaks = (k: ContextCheck) => (k.pod ? `(variables.isPod && has(object.spec.securityContext) && ${k.pod('object.spec.securityContext')})` : 'false');
const containerBreaks = (k: ContextCheck) => (k.ofContainer ? `(${k.ofContainer('c')})` : k.container ? `(has(c.securityContext) && ${k.container('c.securityContext')})` : 'false');
/** `has(a.b) && has(a.b.c) && ...` down to `path`. */
const hasPath = (root: string, path: readonly string[]) => path.map((_, i) => `has(${[root, ...path.slice(0, i + 1)].join('.')})`).join(' && ');
/** A probe's or lifecycle handler's `host` set, not empty (policy/pods.ts HOST_HANDLERS: baseline since 1.34). */
const handlerHost = (c: string) => HOST_HANDLERS.flatMap((where) => HOST_ACTIONS.map((action) => {
  const path = [...where, action, 'host'];
  return `(${hasPath(c, path)} && ${[c, ...path].join('.')} != '')`;
})).join(' || ');
const seLinux = (sc: string) => `has(${sc}.seLinuxOptions) && ((has(${sc}.seLinuxOptions.type) && !(${sc}.seLinuxOptions.type in ${celList(['', ...BASELINE_SELINUX_TYPES])})) || (has(${sc}.seLinuxOptions.user) && ${sc}.seLinuxOptions.user != '') || (has(${sc}.seLinuxOptions.role) && ${sc}.seLinuxOptions.role != ''))`;
const hostProcess = (sc: string) => `has(${sc}.windowsOptions) && has(${sc}.windowsOptions.hostProcess) && ${sc}.windowsOptions.hostProcess`;
const unconfined = (sc: string, field: string) => `has(${sc}.${field}) && has(${sc}.${field}.type) && ${sc}.${field}.type == 'Unconfined'`;
const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';
const BASELINE_ONLY: ContextCheck[] = [
  { pod: hostProcess, container: hostProcess, does: 'runs as a Windows HostProcess container (SYSTEM on the node)' },
  { pod: seLinux, container: seLinux, does: `sets an SELinux user or role, or a type other than ${[...BASELINE_SELINUX_TYPES].join(', ')}` },
  { container: (sc) => `has(${sc}.procMount) && ${sc}.procMount != 'Default'`, does: 'sets procMount other than Default (an unmasked /proc)' },
  { pod: (sc) => unconfined(sc, 'seccompProfile'), container: (sc) => unconfined(sc, 'seccompProfile'), does: 'runs without seccomp (seccompProfile Unconfined)' },
  { pod: (sc) => unconfined(sc, 'appArmorProfile'), container: (sc) => unconfined(sc, 'appArmorProfile'), does: 'runs without AppArmor (appArmorProfile Unconfined)' },
  { ofContainer: handlerHost, does: 'sends a probe or lifecycle handler to a host of its own (httpGet or tcpSocket host: the kubelet sends it from the network of the node, past NetworkPolicies)' },
];
const noAllowKey = `'; Pod Security refuses it at baseline and no allow key grants it'`;

const podField = (field: string) => `(variables.isPod && has(object.spec.${field}) && object.spec.${field})`;

/** VAP `validations`; each is true for a request of the other kind. */
export function exposureValidations(): Array<{ expression: string; messageExpression: string; reason: string }> {
  return [
    // A status write carries the spec admitted before (or a cluster admin's): only who writes it is held.
    { expression: `!variables.isStatus || !variables.fromNamespace`,
      messageExpression: `variables.what + (variables.isService
        ? ': its status (status.loadBalancer) belongs to the load-balancer controller; a ServiceAccount of the environment namespace writing it could take traffic meant for any address (CVE-2020-8554); no allow key grants this'
        : ': its status (status.podIP) belongs to the kubelet; a ServiceAccount of the environment namespace writing it could have the EndpointSlice controller publish any address for a Service (through the shared gateway too); no allow key grants this')`,
      reason: 'Forbidden' },
    { expression: `!variables.isService || variables.isStatus || !has(object.spec.externalIPs) || object.spec.externalIPs.size() == 0`,
      messageExpression: `variables.what + ': externalIPs would let it take traffic meant for any address in the cluster (CVE-2020-8554); no allow key grants this'`,
      reason: 'Forbidden' },
    { expression: `!variables.isService || variables.isStatus || !has(object.spec.type) || !(object.spec.type in ['NodePort', 'LoadBalancer']) || ${allowed('hostPorts')}`,
      messageExpression: `variables.what + ': type ' + object.spec.type + ' opens a port on every node' + ${howToAllow('hostPorts')}`,
      reason: 'Forbidden' },
    { expression: `!variables.isService || variables.isStatus || !has(object.spec.type) || object.spec.type != 'ExternalName' || ${allowed('externalServices')}`,
      messageExpression: `variables.what + ': type ExternalName sends the traffic for it to ' + (has(object.spec.externalName) ? object.spec.externalName : 'the name it gives') + ' (through the shared gateway too)' + ${howToAllow('externalServices')}`,
      reason: 'Forbidden' },
    { expression: `!variables.isSlice || (variables.sliceManager == '${ENDPOINTSLICE_CONTROLLER}' && !variables.fromNamespace) || ${allowed('externalServices')}`,
      messageExpression: `variables.what + ': an EndpointSlice not written by the EndpointSlice controller sends the traffic of the Service it names to addresses of its own (through the shared gateway too)' + ${howToAllow('externalServices')}`,
      reason: 'Forbidden' },
    { expression: `!variables.isEndpoints || !variables.fromNamespace || ${allowed('externalServices')}`,
      messageExpression: `variables.what + ': Endpoints written in the environment send the traffic of their Service to addresses of their own (through the shared gateway too)' + ${howToAllow('externalServices')}`,
      reason: 'Forbidden' },
    // The environment's identity is the engine's hand in the namespace (the ownership policy and
    // the first policy know it by name): a pod running as it would be that hand (review10 F9).
    { expression: `!variables.isPod || !has(object.spec.serviceAccountName) || object.spec.serviceAccountName != '${ENVIRONMENT_SERVICE_ACCOUNT}'`,
      messageExpression: `variables.what + ': runs as the ServiceAccount ${ENVIRONMENT_SERVICE_ACCOUNT}, the identity Ria applies the environment with; no allow key grants this'`,
      reason: 'Forbidden' },
    { expression: `!(${podField('hostNetwork')} || ${podField('hostPID')} || ${podField('hostIPC')}) || ${allowed('hostNamespaces')}`,
      messageExpression: `variables.what + ': ' + ['hostNetwork', 'hostPID', 'hostIPC'].filter(f, f == 'hostNetwork' ? ${podField('hostNetwork')} : (f == 'hostPID' ? ${podField('hostPID')} : ${podField('hostIPC')})).join(', ') + ' shares the node\\'s namespaces' + ${howToAllow('hostNamespaces')}`,
      reason: 'Forbidden' },
    { expression: `!variables.containers.exists(c, has(c.ports) && c.ports.exists(p, has(p.hostPort) && p.hostPort != 0)) || ${allowed('hostPorts')}`,
      messageExpression: `variables.what + ': container ' + variables.containers.filter(c, has(c.ports) && c.ports.exists(p, has(p.hostPort) && p.hostPort != 0)).map(c, c.name).join(', ') + ' binds a port on the node (hostPort)' + ${howToAllow('hostPorts')}`,
      reason: 'Forbidden' },
    { expression: `!variables.containers.exists(c, has(c.securityContext) && has(c.securityContext.privileged) && c.securityContext.privileged) || ${allowed('privileged')}`,
      messageExpression: `variables.what + ': container ' + variables.containers.filter(c, has(c.securityContext) && has(c.securityContext.privileged) && c.securityContext.privileged).map(c, c.name).join(', ') + ' runs privileged (root on the node)' + ${howToAllow('privileged')}`,
      reason: 'Forbidden' },
    { expression: `!variables.isPod || !has(object.spec.volumes) || !object.spec.volumes.exists(v, has(v.hostPath)) || ${allowed('hostPath')}`,
      messageExpression: `variables.what + ': volume ' + object.spec.volumes.filter(v, has(v.hostPath)).map(v, v.name).join(', ') + ' mounts a directory of the node (hostPath)' + ${howToAllow('hostPath')}`,
      reason: 'Forbidden' },
    { expression: `!variables.containers.exists(c, ${capsOf('c')}.exists(k, ${badCap('k')}))`,
      messageExpression: `variables.what + ': ' + variables.containers.filter(c, ${capsOf('c')}.exists(k, ${badCap('k')})).map(c, 'container ' + c.name + ' adds ' + ${capsOf('c')}.filter(k, ${badCap('k')}).join(', ')).join('; ') + ' (beyond the capabilities of Pod Security baseline), which app ' + variables.app + ' is not allowed: set "allow: { capabilities: [...] }" in apps/' + variables.app + '.yaml of the config repository'`,
      reason: 'Forbidden' },
    ...BASELINE_ONLY.map((k) => ({
      expression: `!(${podBreaks(k)} || variables.containers.exists(c, ${containerBreaks(k)}))`,
      messageExpression: `variables.what + ': ' + ((${podBreaks(k)} ? ['its pod'] : []) + variables.containers.filter(c, ${containerBreaks(k)}).map(c, 'container ' + c.name)).join(', ') + ' ${k.does}' + ${noAllowKey}`,
      reason: 'Forbidden',
    })),
    { expression: `!variables.isPod || !has(object.metadata.annotations) || !object.metadata.annotations.exists(k, k.startsWith('${APPARMOR_ANNOTATION}') && object.metadata.annotations[k] != 'runtime/default' && !object.metadata.annotations[k].startsWith('localhost/'))`,
      messageExpression: `variables.what + ': annotation ' + object.metadata.annotations.filter(k, k.startsWith('${APPARMOR_ANNOTATION}') && object.metadata.annotations[k] != 'runtime/default' && !object.metadata.annotations[k].startsWith('localhost/')).join(', ') + ' sets an AppArmor profile other than runtime/default or localhost/*' + ${noAllowKey}`,
      reason: 'Forbidden' },
    { expression: `!variables.isPod || !has(object.spec.securityContext) || !has(object.spec.securityContext.sysctls) || object.spec.securityContext.sysctls.all(s, s.name in ${celList(SAFE_SYSCTLS)})`,
      messageExpression: `variables.what + ': sysctl ' + object.spec.securityContext.sysctls.filter(s, !(s.name in ${celList(SAFE_SYSCTLS)})).map(s, s.name).join(', ') + ' is not one of the safe sysctls' + ${noAllowKey}`,
      reason: 'Forbidden' },
  ];
}
