import type { Port, Service } from '../riofile/model.js';
import type { VersionSource } from './versions.js';
import { dnsLabel, serviceName } from './names.js';

/**
 * Riofile services grouped by `app`. In Rio a service is one *version* of an app: `web` (v0) and
 * `web-v2` (app: web, version: v2) are two Deployments behind one app endpoint that splits traffic
 * by weight. So Ria renders, per version, a Deployment and a version Service `<app>-<version>`, and
 * per app an app Service `<app>` (all versions, plain round-robin inside the cluster) and one route
 * whose weighted backendRefs point at the version Services.
 */
export interface AppVersion {
  /** The key under `services:`. */
  key: string;
  service: Service;
  /** A version per commit: its Riofile service, and the other live versions (weighted backends only). */
  source?: VersionSource;
}

export interface AppGroup {
  app: string;
  /** In the order the Riofile lists them. */
  versions: AppVersion[];
}

export function groupApps(services: Record<string, Service>, sources: ReadonlyMap<string, VersionSource> = new Map()): AppGroup[] {
  const groups = new Map<string, AppGroup>();
  for (const [key, service] of Object.entries(services)) {
    const group = groups.get(service.app) ?? { app: service.app, versions: [] };
    const source = sources.get(key);
    group.versions.push({ key, service, ...(source ? { source } : {}) });
    groups.set(service.app, group);
  }
  return [...groups.values()];
}

/** Deployment / DaemonSet / ServiceAccount name of a Riofile service. */
export function workloadName(key: string): string {
  return dnsLabel(key);
}

/** The Service that reaches exactly one version. */
export function versionServiceName(app: string, version: string): string {
  return serviceName(`${app}-${version}`);
}

/** The Service that reaches every version of an app (Rio's in-cluster name `<app>`). */
export function appServiceName(app: string): string {
  return serviceName(app);
}

/** Ports protocols that speak HTTP and can be routed by hostname. */
export function isHttp(port: Port): boolean {
  return port.protocol === 'http' || port.protocol === 'http2' || port.protocol === 'grpc';
}

/** Every port a version serves: the main container's, then its (non-init) sidecars', first one per Service port wins. */
export function versionPorts(service: Service): Port[] {
  const all = [...service.ports, ...service.containers.filter((c) => !c.init).flatMap((c) => c.ports)];
  const seen = new Set<string>();
  return all.filter((p) => {
    const key = `${p.port}/${transport(p)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** HTTP ports that are exposed through the router, in declaration order. */
export function exposedHttpPorts(service: Service): Port[] {
  return versionPorts(service).filter((p) => p.expose && isHttp(p));
}

/** Kubernetes transport protocol of a port. */
export function transport(port: Port): 'TCP' | 'UDP' | 'SCTP' {
  return port.protocol === 'udp' ? 'UDP' : port.protocol === 'sctp' ? 'SCTP' : 'TCP';
}

const IANA_SVC_NAME = /^(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/;

/** Name of a port: the user's when it is a valid IANA service name (container ports allow 15 characters), else `<protocol>-<port>`. */
export function portName(port: Port): string {
  if (port.name !== undefined && IANA_SVC_NAME.test(port.name)) return port.name;
  return `${port.protocol}-${port.port}`;
}

/** Service `appProtocol` for HTTP-family ports, so Gateways pick HTTP/1.1 or cleartext HTTP/2. */
export function appProtocol(port: Port): string | undefined {
  if (port.protocol === 'http') return 'http';
  if (port.protocol === 'http2' || port.protocol === 'grpc') return 'kubernetes.io/h2c';
  return undefined;
}
