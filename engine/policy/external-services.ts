import { BlockList, isIP } from 'node:net';
import type { KubernetesObject, Riofile } from '../riofile/model.js';
import { howToAllow, type Allow } from './allow.js';
import type { Finding } from './finding.js';

/**
 * Riofile `externalservices` render a Service whose traffic goes where the Riofile says: an
 * ExternalName Service (a DNS name: another namespace's Service, anything) or a selector-less
 * Service with an EndpointSlice of its own addresses. Whatever sends traffic to it (a route on the
 * shared gateway: the gateway proxies from its own network position, past NetworkPolicies, to
 * other namespaces, nodes, the cloud's metadata address; CVE-2021-25740) then reaches that
 * address. So the config repository decides: `allow.externalServices`. Pure.
 */
export function externalServiceFindings(app: string, riofile: Riofile, allow: Allow): Finding[] {
  const out: Finding[] = [];
  for (const [name, ext] of Object.entries(riofile.externalServices)) {
    const at = ['externalservices', name];
    if (!allow.externalServices) {
      out.push({ path: at, message: `external service "${name}" sends the traffic of a Service of the environment to ${describe(ext)}, which app "${app}" is not allowed: ${howToAllow(app, 'externalServices')}` });
    }
    ext.ipAddresses.forEach((ip, i) => {
      const special = specialAddress(ip);
      if (special) out.push({ path: [...at, 'ipAddresses', i], message: `external service "${name}": ${ip} is ${special}; no allow key grants this` });
    });
  }
  return out;
}

function describe(ext: Riofile['externalServices'][string]): string {
  if (ext.fqdn !== undefined) return `whatever ${ext.fqdn} names (an ExternalName Service)`;
  if (ext.ipAddresses.length > 0) return `addresses of its own (${ext.ipAddresses.join(', ')}: an EndpointSlice)`;
  const target = ext.targetRouter ?? ext.targetApp ?? '';
  return `another Service by its DNS name (${target}${ext.targetServiceNamespace ? ` in ${ext.targetServiceNamespace}` : ''}: an ExternalName Service)`;
}

/**
 * What an endpoint address may never be (the API server's own validation of an EndpointSlice,
 * ValidateEndpointIP, refuses the same): the node itself, or link-local, where the cloud metadata
 * address 169.254.169.254 is. IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) are matched as IPv4.
 */
const SPECIAL: ReadonlyArray<{ why: string; ranges: ReadonlyArray<[string, number, 'ipv4' | 'ipv6']> }> = [
  { why: 'unspecified (0.0.0.0, ::: the node itself)', ranges: [['0.0.0.0', 32, 'ipv4'], ['::', 128, 'ipv6']] },
  { why: 'loopback (127.0.0.0/8, ::1: the node itself)', ranges: [['127.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6']] },
  { why: 'link-local (169.254.0.0/16, fe80::/10: the cloud metadata address 169.254.169.254 among them)', ranges: [['169.254.0.0', 16, 'ipv4'], ['fe80::', 10, 'ipv6']] },
  { why: 'link-local multicast (224.0.0.0/24, ff02::/16)', ranges: [['224.0.0.0', 24, 'ipv4'], ['ff02::', 16, 'ipv6']] },
];
const SPECIAL_LISTS = SPECIAL.map(({ why, ranges }) => {
  const list = new BlockList();
  for (const [net, prefix, type] of ranges) list.addSubnet(net, prefix, type);
  return { why, list };
});

/** Pure: why an endpoint address may never be listed, or undefined. */
export function specialAddress(ip: string): string | undefined {
  const family = isIP(ip);
  if (family === 0) return undefined;
  return SPECIAL_LISTS.find(({ list }) => list.check(ip, family === 4 ? 'ipv4' : 'ipv6'))?.why;
}

/**
 * The same in `kubernetes:` manifests: a Service of type ExternalName, an EndpointSlice (any: its
 * `endpointslice.kubernetes.io/managed-by` label is the writer's to choose) or a v1 Endpoints
 * object (mirrored into an EndpointSlice for a Service without selector). Pure.
 */
export function manifestExternalFindings(app: string, m: KubernetesObject, what: string, at: readonly (string | number)[], allow: Allow): Finding[] {
  if (allow.externalServices) return [];
  const group = m.apiVersion.includes('/') ? m.apiVersion.split('/')[0] : '';
  if (group === '' && m.kind === 'Service' && (m.spec as { type?: unknown } | undefined)?.type === 'ExternalName') {
    return [{ path: [...at, 'spec', 'type'], message: `${what} is of type ExternalName: traffic sent to it goes to whatever its externalName names, which app "${app}" is not allowed: ${howToAllow(app, 'externalServices')}` }];
  }
  if ((group === 'discovery.k8s.io' && m.kind === 'EndpointSlice') || (group === '' && m.kind === 'Endpoints')) {
    return [{ path: [...at, 'kind'], message: `${what} lists addresses of its own for a Service: traffic sent to the Service goes to them, which app "${app}" is not allowed: ${howToAllow(app, 'externalServices')}` }];
  }
  return [];
}
