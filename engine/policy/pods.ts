import type { Container, Service } from '../riofile/model.js';
import { howToAllow, type Allow } from './allow.js';
import type { Finding } from './finding.js';
import type { ModelPath } from './locate.js';

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

function containerAccess(app: string, what: string, at: ModelPath, c: Container, allow: Allow, out: Finding[]): void {
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
export function podSpecs(object: unknown, path: ModelPath = [], depth = 0): Array<{ spec: Obj; path: ModelPath }> {
  if (depth > 12) return [];
  if (Array.isArray(object)) return object.flatMap((v, i) => podSpecs(v, [...path, i], depth + 1));
  if (!isObj(object)) return [];
  if (Array.isArray(object.containers) && object.containers.every(isObj)) return [{ spec: object, path }];
  return Object.entries(object).flatMap(([k, v]) => (k === 'metadata' || k === 'status' ? [] : podSpecs(v, [...path, k], depth + 1)));
}

/** Host access in one pod spec of a manifest (`at` is the spec's path). */
export function podSpecHostAccess(app: string, what: string, spec: Obj, at: ModelPath, allow: Allow): Finding[] {
  const out: Finding[] = [];
  const refuse = (path: ModelPath, asks: string, key: keyof Allow, item?: string) =>
    out.push({ path, message: `${what} ${asks}, which app "${app}" is not allowed: ${howToAllow(app, key, item)}` });
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
    });
  }
  return out;
}

type Refuse = (path: ModelPath, asks: string, key: keyof Allow, item?: string) => void;

function securityContext(sc: unknown, at: ModelPath, who: string, allow: Allow, refuse: Refuse): void {
  if (!isObj(sc)) return;
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
