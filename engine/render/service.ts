import type { Port, Service } from '../riofile/model.js';
import type { RenderContext } from './context.js';
import { metadata, scope, warn } from './context.js';
import type { KubeObject } from './types.js';
import { appSelector, selectorLabels } from './labels.js';
import { appProtocol, appServiceName, portName, transport, versionPorts, versionServiceName, type AppGroup } from './apps.js';

/**
 * Services of an app: one per version (`<app>-<version>`, what routes and weights point at) and
 * one for the app (`<app>`, every version, Rio's in-cluster name). Versions without ports get no
 * Service: Kubernetes requires at least one port, and nothing could connect anyway.
 */
export function renderServices(ctx: RenderContext, group: AppGroup): KubeObject[] {
  const out: KubeObject[] = [];
  const appPorts: Port[] = [];
  for (const { key, service } of group.versions) {
    const ports = checkedPorts(ctx, key, service);
    if (ports.length === 0) continue;
    out.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata(ctx, versionServiceName(service.app, service.version), scope(ctx, key, service)),
      spec: {
        selector: selectorLabels(ctx.env.app, key),
        ports: servicePorts(ports),
      },
    });
    for (const p of ports) {
      const same = appPorts.find((a) => a.port === p.port && transport(a) === transport(p));
      if (!same) appPorts.push(p);
      else if (same.targetPort !== p.targetPort) {
        warn(ctx, 'AppPortMismatch', `services.${key}.ports`, `port ${p.port} of app ${group.app} goes to container port ${same.targetPort} in one version and ${p.targetPort} in another; the app Service uses ${same.targetPort}`);
      }
    }
  }
  if (appPorts.length > 0) {
    const appScope = { ...scope(ctx), service: { name: '', app: group.app, version: '' } };
    out.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata(ctx, appServiceName(group.app), appScope),
      spec: { selector: appSelector(ctx.env.app, group.app), ports: servicePorts(appPorts) },
    });
  }
  return out;
}

/** A version's ports, warning about a Service port declared twice (Kubernetes rejects duplicates; the first wins). */
function checkedPorts(ctx: RenderContext, key: string, service: Service): Port[] {
  const ports = versionPorts(service);
  const declared = [...service.ports, ...service.containers.filter((c) => !c.init).flatMap((c) => c.ports)];
  for (const p of declared) {
    const kept = ports.find((k) => k.port === p.port && transport(k) === transport(p));
    if (kept && kept !== p) {
      warn(ctx, 'DuplicateServicePort', `services.${key}.ports`, `Service port ${p.port}/${transport(p)} is declared more than once; only the first (to container port ${kept.targetPort}) is in the Service`);
    }
  }
  return ports;
}

export function servicePorts(ports: Port[]): Record<string, unknown>[] {
  const used = new Set<string>();
  return ports.map((p) => {
    let name = portName(p);
    if (used.has(name)) name = `${p.protocol}-${p.port}`;
    if (used.has(name)) name = `${p.protocol}-${p.port}-${transport(p).toLowerCase()}`;
    used.add(name);
    const proto = appProtocol(p);
    return { name, port: p.port, targetPort: p.targetPort, protocol: transport(p), ...(proto ? { appProtocol: proto } : {}) };
  });
}
