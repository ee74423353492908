import type { DataMount, EnvVar, HostAlias, Permission, Port, Volume } from '../model.js';
import { defaultExpose } from './ports.js';
import { defaultMountTarget } from './mounts.js';
import { READ_VERBS } from './permissions.js';

/**
 * The shortest string form of each structured value, in the syntax the parsers read: used to
 * show values the way users write them, and by tests to prove parse(format(x)) is x.
 */
export function formatPort(p: Port): string {
  let out = p.targetPort === p.port ? `${p.port}` : `${p.port}:${p.targetPort}`;
  if (p.protocol !== 'http') out += `/${p.protocol}`;
  if (p.name !== undefined) out += `,${['expose', 'internal', 'hostport', 'name'].includes(p.name) ? `name=${p.name}` : p.name}`;
  if (p.expose !== defaultExpose(p.protocol)) out += p.expose ? ',expose' : ',internal';
  if (p.hostPort) out += ',hostport';
  return out;
}

export function formatEnv(e: EnvVar): string {
  if ('secretRef' in e) return `${e.name}=secret://${e.secretRef.name}/${e.secretRef.key}`;
  if ('configRef' in e) return `${e.name}=config://${e.configRef.name}/${e.configRef.key}`;
  if ('fieldRef' in e) return `${e.name}=$(${e.fieldRef})`;
  return `${e.name}=${e.value}`;
}

export function formatDataMount(m: DataMount, kind: 'secret' | 'config'): string {
  const source = m.key === undefined ? m.name : `${m.name}/${m.key}`;
  return m.target === defaultMountTarget(kind, m.name, m.key) ? source : `${source}:${m.target}`;
}

export function formatVolume(v: Volume): string {
  const source = v.name ?? v.hostPath;
  let out = source === undefined ? v.path : `${source}:${v.path}`;
  if (v.hostPathType !== undefined) out += `,hosttype=${v.hostPathType}`;
  if (v.persistent) out += ',persistent';
  return out;
}

export function formatPermission(p: Permission): string {
  if (p.role !== undefined) return `role=${p.role}`;
  const readOnly = p.verbs.length === READ_VERBS.length && READ_VERBS.every((v, i) => p.verbs[i] === v);
  const verbs = p.verbs.join(',');
  if (p.nonResourceURL !== undefined) return `${verbs} url=${p.nonResourceURL}`;
  const target = p.apiGroup !== '' || p.resource.includes('/') ? `${p.apiGroup}/${p.resource}` : p.resource;
  const names = p.resourceNames ? ` ${p.resourceNames.join(',')}` : '';
  return readOnly && names === '' ? target : `${verbs} ${target}${names}`;
}

export function formatHostAlias(h: HostAlias): string {
  return `${h.hostnames.join(',')}=${h.ip}`;
}
