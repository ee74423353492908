/**
 * The API server's half of Ria's node-access checks (policy/manifests.ts, policy/pods.ts): what
 * reaches the node or takes traffic outside the environment's namespace, written in an
 * environment's namespace by anyone (an app allowed `permissions` can give its own pods rights on
 * Services and Pods, and their writes never pass Ria's checks):
 *
 * - a Service with `externalIPs` takes traffic meant for any address, other tenants' included
 *   (CVE-2020-8554): refused, always (no allow key grants it);
 * - a Service of type NodePort or LoadBalancer opens a port on every node: `allow.hostPorts`;
 * - a Pod with a container's `hostPort`: `allow.hostPorts`; `hostNetwork`, `hostPID`, `hostIPC`:
 *   `allow.hostNamespaces`; a `privileged` container: `allow.privileged`; a `hostPath` volume:
 *   `allow.hostPath`.
 *
 * Pod Security's `baseline` refuses the pod side already, but only while the app is granted no
 * host access at all: any one of these keys makes its namespaces `privileged` (policy/pod-security.ts),
 * and from then on Pod Security lets all of them through. So these are held key by key here.
 *
 * What the app is allowed comes from an annotation of the environment's Namespace,
 * `ria.dev/host-access` (render/host-access.ts), which the engine writes from the config and the
 * environment cannot write; missing, nothing is allowed. Only Services and Pods are matched (a
 * workload's pods are checked when its controller creates them, as Pod Security does), so no other
 * write pays for it.
 */
import { HOST_ACCESS_ANNOTATION, type HostAccessKey } from '../render/host-access.js';

/** The Service and Pod requests the policy looks at (Pods only when created, or given an ephemeral container). */
export const EXPOSURE_RULES = [
  { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['services'], scope: 'Namespaced' },
  { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: 'Namespaced' },
  { apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['pods/ephemeralcontainers'], scope: 'Namespaced' },
] as const;

const nsAnnotation = (key: string) =>
  `(namespaceObject != null && has(namespaceObject.metadata.annotations) && '${key}' in namespaceObject.metadata.annotations ? namespaceObject.metadata.annotations['${key}'] : '')`;
const nsLabel = (key: string) =>
  `(namespaceObject != null && has(namespaceObject.metadata.labels) && '${key}' in namespaceObject.metadata.labels ? namespaceObject.metadata.labels['${key}'] : '')`;

/** VAP `variables`: the allowed keys between commas, the app's name (for the message), what is written. */
export function exposureVariables(): Array<{ name: string; expression: string }> {
  return [
    { name: 'hostAccess', expression: `',' + ${nsAnnotation(HOST_ACCESS_ANNOTATION)} + ','` },
    { name: 'app', expression: nsLabel('ria.dev/app') },
    { name: 'isService', expression: `request.resource.resource == 'services'` },
    { name: 'what', expression: `(request.resource.resource == 'services' ? 'Service ' : 'Pod ') + (has(object.metadata.name) && object.metadata.name != '' ? object.metadata.name : (has(object.metadata.generateName) ? object.metadata.generateName : ''))` },
    { name: 'containers', expression: `variables.isService ? [] : (has(object.spec.containers) ? object.spec.containers : []) + (has(object.spec.initContainers) ? object.spec.initContainers : []) + (has(object.spec.ephemeralContainers) ? object.spec.ephemeralContainers : [])` },
  ];
}

const allowed = (key: HostAccessKey) => `variables.hostAccess.contains(',${key},')`;
const howToAllow = (key: HostAccessKey) => `', which app ' + variables.app + ' is not allowed: set "allow: { ${key}: true }" in apps/' + variables.app + '.yaml of the config repository'`;
const podField = (field: string) => `(!variables.isService && has(object.spec.${field}) && object.spec.${field})`;

/** VAP `validations`; each is true for a request of the other kind. */
export function exposureValidations(): Array<{ expression: string; messageExpression: string; reason: string }> {
  return [
    { expression: `!variables.isService || !has(object.spec.externalIPs) || object.spec.externalIPs.size() == 0`,
      messageExpression: `variables.what + ': externalIPs would let it take traffic meant for any address in the cluster (CVE-2020-8554); no allow key grants this'`,
      reason: 'Forbidden' },
    { expression: `!variables.isService || !has(object.spec.type) || !(object.spec.type in ['NodePort', 'LoadBalancer']) || ${allowed('hostPorts')}`,
      messageExpression: `variables.what + ': type ' + object.spec.type + ' opens a port on every node' + ${howToAllow('hostPorts')}`,
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
    { expression: `variables.isService || !has(object.spec.volumes) || !object.spec.volumes.exists(v, has(v.hostPath)) || ${allowed('hostPath')}`,
      messageExpression: `variables.what + ': volume ' + object.spec.volumes.filter(v, has(v.hostPath)).map(v, v.name).join(', ') + ' mounts a directory of the node (hostPath)' + ${howToAllow('hostPath')}`,
      reason: 'Forbidden' },
  ];
}
