import type { ExternalService } from '../riofile/model.js';
import type { RenderContext } from './context.js';
import { metadata, scope, warn } from './context.js';
import type { KubeObject } from './types.js';
import { isIP } from 'node:net';
import { appServiceName, versionServiceName } from './apps.js';
import { serviceName } from './names.js';

/**
 * `externalservices:` give an in-cluster name to something outside the environment:
 * - `fqdn` -> Service of type ExternalName (a DNS CNAME);
 * - `ipAddresses` -> a headless, selector-less Service plus an EndpointSlice per address family
 *   that lists the addresses (headless because there are no ports to proxy: DNS returns the IPs);
 * - `targetApp`/`targetRouter` (optionally in `targetServiceNamespace`, another app's environment)
 *   -> ExternalName to that Service's cluster DNS name.
 * Rio documented one kind per entry; when several are given, fqdn wins over addresses over target.
 */
export function renderExternalService(ctx: RenderContext, name: string, ext: ExternalService): KubeObject[] {
  const path = `externalservices.${name}`;
  const svcName = serviceName(name);
  const meta = metadata(ctx, svcName, scope(ctx));
  const kinds = [ext.fqdn !== undefined, ext.ipAddresses.length > 0, ext.targetApp !== undefined || ext.targetRouter !== undefined].filter(Boolean).length;
  if (kinds > 1) warn(ctx, 'ExternalServiceAmbiguous', path, 'more than one of fqdn, ipAddresses and a target is set; using the first of fqdn, ipAddresses, target');
  if (ext.fqdn !== undefined) return [externalName(meta, ext.fqdn)];
  if (ext.ipAddresses.length > 0) {
    const families = [
      { type: 'IPv4', addresses: ext.ipAddresses.filter((ip) => isIP(ip) === 4) },
      { type: 'IPv6', addresses: ext.ipAddresses.filter((ip) => isIP(ip) === 6) },
    ].filter((f) => f.addresses.length > 0);
    const bad = ext.ipAddresses.filter((ip) => isIP(ip) === 0);
    if (bad.length > 0) warn(ctx, 'ExternalServiceBadAddress', `${path}.ipAddresses`, `not IP addresses, left out: ${bad.join(', ')}`);
    return [
      { apiVersion: 'v1', kind: 'Service', metadata: meta, spec: { clusterIP: 'None' } },
      ...families.map((f) => ({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          ...metadata(ctx, `${svcName}-${f.type.toLowerCase()}`, scope(ctx), {
            // The service-name label ties the slice to its Service; the managed-by label keeps the
            // EndpointSlice controller from treating it as its own.
            labels: { 'kubernetes.io/service-name': svcName, 'endpointslice.kubernetes.io/managed-by': 'ria.dev' },
          }),
        },
        addressType: f.type,
        endpoints: f.addresses.map((ip) => ({ addresses: [ip] })),
      })),
    ];
  }
  const targetNs = ext.targetServiceNamespace ?? ctx.namespace;
  const domain = ctx.cluster.clusterDomain ?? 'cluster.local';
  if (ext.targetRouter !== undefined) return [externalName(meta, `${serviceName(ext.targetRouter)}.${targetNs}.svc.${domain}`)];
  if (ext.targetApp !== undefined) {
    const target = ext.targetVersion !== undefined ? versionServiceName(ext.targetApp, ext.targetVersion) : appServiceName(ext.targetApp);
    return [externalName(meta, `${target}.${targetNs}.svc.${domain}`)];
  }
  warn(ctx, 'ExternalServiceEmpty', path, 'no fqdn, ipAddresses or target: nothing rendered');
  return [];
}

function externalName(meta: KubeObject['metadata'], host: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: meta, spec: { type: 'ExternalName', externalName: host } };
}
