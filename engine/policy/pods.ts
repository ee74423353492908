import type { Container, Service } from '../riofile/model.js';
import { howToAllow, type Allow } from './allow.js';
import { BASELINE_SELINUX_TYPES, SAFE_SYSCTLS } from './pod-security.js';
import type { Finding } from './finding.js';
import type { ModelPath } from './locate.js';
import { ENVIRONMENT_SERVICE_ACCOUNT } from '../install/rbac.js';

/**
 * Pod-level access to the node, refused unless the config allows it. Pod Security Admission on
 * the namespace says the same (see pod-security.ts); this check runs first so the refusal is a
 * located error on the Environment rather than a ReplicaSet event nobody reads.
 */

/** A service of the Riofile: its main container and sidecars, and its pod-level fields. */
export function serviceHostAccess(app: string, key: string, service: Service, allow: Allow): Finding[] {
  const out: Finding[] = [];
  const at = ['services', key] as const;
  if (service.hostNetwork && !allow.hostNamespaces) {
    out.push({ path: [...at, 'hostNetwork'], message: `service "${key}" asks for hostNetwork (the node's network), which app "${app}" is not allowed: ${howToAllow(app, 'hostNamespaces')}` });
  }
  containerAccess(app, `service "${key}"`, [...at], service, allow, out);
  service.containers.forEach((c, i) => containerAccess(app, `container "${c.name}" of service "${key}"`, [...at, 'containers', i], c, allow, out));
  return out;
}

/**
 * Where a container's probes and lifecycle handlers can name a `host` (Pod Security's `baseline`
 * since Kubernetes 1.34, KEP-4940: only undefined or "" allowed): the kubelet sends those
 * requests from the node's network namespace, so a host of the pod's choosing reaches node-local
 * services, the cloud metadata address or other namespaces' pods past every NetworkPolicy, with
 * the pod's headers, and the pod reads the outcome (readiness, restarts, events). No allow key
 * grants it. 127.0.0.1 is refused too: from the kubelet it is the node's loopback.
 */
export const HOST_HANDLERS = [['livenessProbe'], ['readinessProbe'], ['startupProbe'], ['lifecycle', 'postStart'], ['lifecycle', 'preStop']] as const;
export const HOST_ACTIONS = ['httpGet', 'tcpSocket'] as const;

/** The handlers of one container that name a host: their path under the container and the host. */
function handlerHosts(c: unknown): Array<{ path: string[]; host: string }> {
  const out: Array<{ path: string[]; host: string }> = [];
  for (const where of HOST_HANDLERS) {
    let h: unknown = c;
    for (const k of where) h = isObj(h) ? h[k] : undefined;
    for (const action of HOST_ACTIONS) {
      const a = isObj(h) ? h[action] : undefined;
      if (isObj(a) && a.host !== undefined && a.host !== null && a.host !== '') out.push({ path: [...where, action, 'host'], host: String(a.host) });
    }
  }
  return out;
}

/** `sends its livenessProbe.httpGet to the host 10.0.0.1 (...)`; `of`: which container, where the subject is not one. */
const hostAsks = (h: { path: string[]; host: string }, of?: string) =>
  `sends ${of ? 'the' : 'its'} ${h.path.slice(0, -1).join('.')}${of ? ` of ${of}` : ''} to the host ${h.host} (the kubelet sends it from the node's network, past NetworkPolicies)`;

function containerAccess(app: string, what: string, at: ModelPath, c: Container, allow: Allow, out: Finding[]): void {
  // A Riofile's livenessProbe and readinessProbe are Kubernetes probes, passed through by render.
  for (const h of handlerHosts(c)) {
    out.push({ path: [...at, ...h.path], message: `${what} ${hostAsks(h)}: Pod Security's baseline level refuses this and no allow key grants it` });
  }
  if (c.privileged && !allow.privileged) {
    out.push({ path: [...at, 'privileged'], message: `${what} asks to run privileged (root on the node), which app "${app}" is not allowed: ${howToAllow(app, 'privileged')}` });
  }
  if (c.runAsUser === 0 && !allow.runAsRoot) {
    out.push({ path: [...at, 'runAsUser'], message: `${what} asks to run as root (runAsUser: 0), which app "${app}" is not allowed: ${howToAllow(app, 'runAsRoot')}` });
  }
  c.ports.forEach((p, i) => {
    if (p.hostPort && !allow.hostPorts) {
      out.push({ path: [...at, 'ports', i], message: `${what} binds port ${p.targetPort} on the node (hostport), which app "${app}" is not allowed: ${howToAllow(app, 'hostPorts')}` });
    }
  });
  c.volumes.forEach((v, i) => {
    if (v.hostPath !== undefined && !allow.hostPath) {
      out.push({ path: [...at, 'volumes', i], message: `${what} mounts the node's directory ${v.hostPath}, which app "${app}" is not allowed: ${howToAllow(app, 'hostPath')}` });
    }
  });
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Every pod spec inside a manifest object, wherever it sits: a Pod's `spec`, a Deployment's
 * `spec.template.spec`, a CronJob's `spec.jobTemplate.spec.template.spec`, or a custom resource
 * that embeds one (Knative, Argo Rollouts...). A pod spec is a map with a list of `containers`.
 */
export function podSpecs(object: unknown, path: ModelPath = [], depth = 0, metadata?: Obj): Array<{ spec: Obj; path: ModelPath; metadata?: Obj }> {
  if (depth > 12) return [];
  if (Array.isArray(object)) return object.flatMap((v, i) => podSpecs(v, [...path, i], depth + 1));
  if (!isObj(object)) return [];
  if (Array.isArray(object.containers) && object.containers.every(isObj)) return [{ spec: object, path, ...(metadata ? { metadata } : {}) }];
  // The pod's metadata (its annotations: AppArmor) sits next to its spec: a Pod's, a template's.
  const own = k8sMetadata(object);
  return Object.entries(object).flatMap(([k, v]) => (k === 'metadata' || k === 'status' ? [] : podSpecs(v, [...path, k], depth + 1, k === 'spec' ? own : undefined)));
}

const k8sMetadata = (o: Obj): Obj | undefined => (isObj(o.metadata) ? o.metadata : undefined);

/** AppArmor's annotation per container (before the `appArmorProfile` field; the API server still reads it). */
const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';

/**
 * Host access in one pod spec of a manifest (`at` is the spec's path; `metadata` the pod's, for
 * its AppArmor annotations): what an allow key grants, and the rest of Pod Security's `baseline`
 * level, which none grants (hostProcess, SELinux, procMount, Unconfined seccomp or AppArmor, unsafe
 * sysctls, a probe's or lifecycle handler's host), as the API server's exposure policy refuses them
 * (install/exposure-admission.ts).
 */
export function podSpecHostAccess(app: string, what: string, spec: Obj, at: ModelPath, allow: Allow, metadata?: Obj): Finding[] {
  const out: Finding[] = [];
  const refuse: Refuse = (path, asks, key, item) => {
    if (key === undefined) out.push({ path, message: `${what} ${asks}: Pod Security's baseline level refuses this and no allow key grants it` });
    else out.push({ path, message: `${what} ${asks}, which app "${app}" is not allowed: ${howToAllow(app, key, item)}` });
  };
  const annotations = metadata && isObj(metadata.annotations) ? metadata.annotations : {};
  for (const [k, v] of Object.entries(annotations)) {
    if (k.startsWith(APPARMOR_ANNOTATION) && v !== 'runtime/default' && !(typeof v === 'string' && v.startsWith('localhost/'))) {
      refuse([...at.slice(0, -1), 'metadata', 'annotations', k], `sets the AppArmor profile ${String(v)} (annotation ${k}; only runtime/default or localhost/*)`);
    }
  }
  // The environment's identity, which Ria applies the environment with (review10 F9).
  for (const field of ['serviceAccountName', 'serviceAccount'] as const) {
    if (spec[field] === ENVIRONMENT_SERVICE_ACCOUNT) out.push({ path: [...at, field], message: `${what} runs as the ServiceAccount ${ENVIRONMENT_SERVICE_ACCOUNT}, the identity Ria applies the environment with; no allow key grants this` });
  }
  const podSc = isObj(spec.securityContext) ? spec.securityContext : {};
  (Array.isArray(podSc.sysctls) ? podSc.sysctls : []).forEach((s, i) => {
    const name = isObj(s) ? String(s.name ?? '') : '';
    if (!SAFE_SYSCTLS.has(name)) refuse([...at, 'securityContext', 'sysctls', i], `sets the sysctl ${name}, not one of the safe sysctls`);
  });
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (spec[field] === true && !allow.hostNamespaces) refuse([...at, field], `sets ${field} (the node's namespaces)`, 'hostNamespaces');
  }
  (Array.isArray(spec.volumes) ? spec.volumes : []).forEach((v, i) => {
    if (isObj(v) && v.hostPath !== undefined && !allow.hostPath) {
      const dir = isObj(v.hostPath) ? String(v.hostPath.path ?? '') : '';
      refuse([...at, 'volumes', i, 'hostPath'], `mounts the node's directory ${dir || '(hostPath)'}`, 'hostPath');
    }
  });
  securityContext(spec.securityContext, [...at, 'securityContext'], 'its pod', allow, refuse);
  for (const list of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    (Array.isArray(spec[list]) ? spec[list] : []).forEach((c, i) => {
      if (!isObj(c)) return;
      const cpath = [...at, list, i];
      const name = `container "${String(c.name ?? i)}"`;
      (Array.isArray(c.ports) ? c.ports : []).forEach((p, j) => {
        if (isObj(p) && typeof p.hostPort === 'number' && p.hostPort !== 0 && !allow.hostPorts) {
          refuse([...cpath, 'ports', j, 'hostPort'], `binds port ${p.hostPort} on the node (hostPort, ${name})`, 'hostPorts');
        }
      });
      securityContext(c.securityContext, [...cpath, 'securityContext'], name, allow, refuse);
      for (const h of handlerHosts(c)) refuse([...cpath, ...h.path], hostAsks(h, name));
    });
  }
  return out;
}

/** A refusal: with the allow key that would grant it, or none (`baseline`'s checks no key grants). */
type Refuse = (path: ModelPath, asks: string, key?: keyof Allow, item?: string) => void;

/** Pod- or container-level security context. */
function securityContext(sc: unknown, at: ModelPath, who: string, allow: Allow, refuse: Refuse): void {
  if (!isObj(sc)) return;
  const windows = isObj(sc.windowsOptions) ? sc.windowsOptions : {};
  if (windows.hostProcess === true) refuse([...at, 'windowsOptions', 'hostProcess'], `runs ${who} as a Windows HostProcess container (SYSTEM on the node)`);
  const se = isObj(sc.seLinuxOptions) ? sc.seLinuxOptions : {};
  if (typeof se.type === 'string' && se.type !== '' && !BASELINE_SELINUX_TYPES.has(se.type)) refuse([...at, 'seLinuxOptions', 'type'], `gives ${who} the SELinux type ${se.type} (only ${[...BASELINE_SELINUX_TYPES].join(', ')})`);
  for (const f of ['user', 'role'] as const) {
    if (typeof se[f] === 'string' && se[f] !== '') refuse([...at, 'seLinuxOptions', f], `gives ${who} the SELinux ${f} ${se[f]}`);
  }
  if (sc.procMount !== undefined && sc.procMount !== 'Default') refuse([...at, 'procMount'], `gives ${who} procMount ${String(sc.procMount)} (an unmasked /proc)`);
  for (const f of ['seccompProfile', 'appArmorProfile'] as const) {
    const profile = isObj(sc[f]) ? sc[f] : {};
    if (profile.type === 'Unconfined') refuse([...at, f, 'type'], `runs ${who} without ${f === 'seccompProfile' ? 'seccomp' : 'AppArmor'} (${f} Unconfined)`);
  }
  if (sc.privileged === true && !allow.privileged) refuse([...at, 'privileged'], `runs ${who} privileged (root on the node)`, 'privileged');
  if (sc.allowPrivilegeEscalation === true && !allow.privileged) refuse([...at, 'allowPrivilegeEscalation'], `lets ${who} gain privileges (allowPrivilegeEscalation)`, 'privileged');
  if (sc.runAsUser === 0 && !allow.runAsRoot) refuse([...at, 'runAsUser'], `runs ${who} as root (runAsUser: 0)`, 'runAsRoot');
  if (sc.runAsNonRoot === false && !allow.runAsRoot) refuse([...at, 'runAsNonRoot'], `lets ${who} run as root (runAsNonRoot: false)`, 'runAsRoot');
  const caps = isObj(sc.capabilities) && Array.isArray(sc.capabilities.add) ? sc.capabilities.add : [];
  caps.forEach((cap, i) => {
    const name = String(cap).toUpperCase().replace(/^CAP_/, '');
    if (!allow.capabilities.includes(name) && !allow.capabilities.includes('ALL')) {
      refuse([...at, 'capabilities', 'add', i], `adds the capability ${name} to ${who}`, 'capabilities', name);
    }
  });
}
