/**
 * The local cluster's gateway: Traefik with its Kubernetes Gateway provider, a process of the
 * local cluster (start / ready / stop like the other components). It watches the API server with
 * a ServiceAccount token (TokenRequest; Traefik outside a cluster takes a token, not a client
 * certificate), serves every Gateway of its GatewayClass on its entry points, and writes the
 * Gateway API status (GatewayClass Accepted, Gateway Programmed with `statusAddress`, each
 * HTTPRoute's Accepted/ResolvedRefs) that Ria reads back into the Environment.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AdminCall } from './admin-client.js';
import { ClusterComponentError } from './errors.js';
import { GATEWAY_CLASS, GATEWAY_NAMESPACE, GATEWAY_SERVICE_ACCOUNT, gatewayControllerObjects } from './gateway-objects.js';
import type { KubeObject } from '../../kube/objects.js';

export interface GatewayPorts {
  /** Entry point ports Traefik listens on; a Gateway listener is served by the entry point of its port. */
  http: number;
  https: number;
  /**
   * Port of Traefik's Prometheus endpoint (`/metrics`, entry point `metrics`): per backend Service
   * request counts by status code, what a rollout's health gate reads (ria.yaml
   * `rollouts.healthGate`). Absent: no metrics. No Gateway listener may use this port.
   */
  metrics?: number;
  /** Address the entry points bind; all addresses of the network namespace by default. */
  host?: string;
}

export interface StartGatewayOptions {
  /** The traefik binary. */
  binary: string;
  /** Where its static configuration and token go (private to the cluster). */
  dir: string;
  logFile: string;
  /** Admin access, to create the GatewayClass, RBAC and the token. */
  call: AdminCall;
  /** The API server and its CA as Traefik reaches them. */
  server: string;
  apiCaCert: string;
  /** The address written into Gateway status (where the listeners are reachable). */
  statusAddress: string;
  ports: GatewayPorts;
  /** Starts the process (a ProcessGroup's start, possibly inside the node's network namespace). */
  start: (name: string, command: string, args: string[], logFile: string) => void;
  /** Throws if a component of the cluster died (the group's checkAllAlive). */
  checkAlive: () => void;
  /** Token lifetime; a `ria dev` session longer than this loses its gateway's API access. */
  tokenSeconds?: number;
}

export interface RunningGateway {
  className: string;
  ports: GatewayPorts;
  statusAddress: string;
}

export const GATEWAY_COMPONENT = 'traefik';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Traefik's static configuration: entry points, the Gateway provider, nothing that reaches out. */
export function traefikConfig(o: { server: string; apiCaCert: string; tokenFile: string; statusAddress: string; ports: GatewayPorts }): Record<string, unknown> {
  return {
    // Never call home: no version check, no usage report (this machine has no internet anyway).
    global: { checkNewVersion: false, sendAnonymousUsage: false },
    entryPoints: {
      web: { address: `${o.ports.host ?? ''}:${o.ports.http}` },
      websecure: { address: `${o.ports.host ?? ''}:${o.ports.https}` },
      ...(o.ports.metrics !== undefined ? { metrics: { address: `${o.ports.host ?? ''}:${o.ports.metrics}` } } : {}),
    },
    // traefik_service_requests_total{code,method,protocol,service}: only what a health gate needs.
    ...(o.ports.metrics !== undefined ? { metrics: { prometheus: { entryPoint: 'metrics', addServicesLabels: true, addEntryPointsLabels: false, addRoutersLabels: false } } } : {}),
    providers: {
      // Traefik holds each new configuration from a provider for this long after applying the
      // previous one (default 2s). The Gateway provider writes a route's Accepted status when it
      // reads the route, before the configuration is applied: with the default, a route could be
      // Accepted (the Environment Ready) and still answer 404 for up to 2 s. No throttle: an
      // Accepted route is served within milliseconds.
      providersThrottleDuration: '0s',
      kubernetesGateway: {
        endpoint: o.server, token: o.tokenFile, certAuthFilePath: o.apiCaCert,
        statusAddress: { ip: o.statusAddress },
        // Route changes are served as soon as they are seen (the default waits 0s too; explicit
        // because a push -> served figure depends on it).
        throttleDuration: '0s',
      },
    },
    log: { level: 'INFO' },
  };
}

/** Creates the GatewayClass and RBAC, asks for a token, starts Traefik and waits until it accepted its class. */
export async function startGateway(o: StartGatewayOptions): Promise<RunningGateway> {
  for (const obj of gatewayControllerObjects()) await createObject(o.call, obj);
  const token = await requestToken(o.call, o.tokenSeconds ?? 7 * 24 * 3600);
  // The token goes to a file Traefik reads (`token` accepts a path): never in argv or the logs.
  const tokenFile = join(o.dir, 'traefik.token');
  await writeFile(tokenFile, token, { mode: 0o600 });
  const configFile = join(o.dir, 'traefik.yaml');
  // JSON is YAML: the file needs no YAML writer.
  await writeFile(configFile, JSON.stringify(traefikConfig({ ...o, tokenFile }), null, 2), { mode: 0o600 });
  // Traefik prefers an in-cluster config or $KUBECONFIG over its own settings: clear both, so it
  // uses the token it was given and never the user's kubeconfig.
  o.start(GATEWAY_COMPONENT, 'env', ['-u', 'KUBECONFIG', '-u', 'KUBERNETES_SERVICE_HOST', '-u', 'KUBERNETES_SERVICE_PORT',
    o.binary, `--configFile=${configFile}`], o.logFile);
  await waitFor('GatewayClass Accepted', o, 60_000, async () => {
    const res = await o.call('GET', `/apis/gateway.networking.k8s.io/v1/gatewayclasses/${GATEWAY_CLASS}`);
    if (res.status !== 200) return false;
    const gc = JSON.parse(res.body) as { status?: { conditions?: { type: string; status: string }[] } };
    return gc.status?.conditions?.some((c) => c.type === 'Accepted' && c.status === 'True') ?? false;
  });
  return { className: GATEWAY_CLASS, ports: o.ports, statusAddress: o.statusAddress };
}

async function createObject(call: AdminCall, obj: KubeObject): Promise<void> {
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
  const plural = `${obj.kind.toLowerCase()}${obj.kind.endsWith('s') ? 'es' : 's'}`;
  const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const path = obj.metadata.namespace ? `${base}/namespaces/${obj.metadata.namespace}/${plural}` : `${base}/${plural}`;
  const res = await call('POST', path, obj);
  if (res.status !== 201 && res.status !== 409) {
    throw new ClusterComponentError(GATEWAY_COMPONENT, `creating ${obj.kind} ${obj.metadata.name} failed: HTTP ${res.status} ${res.body.slice(0, 300)}`);
  }
}

async function requestToken(call: AdminCall, seconds: number): Promise<string> {
  const res = await call('POST', `/api/v1/namespaces/${GATEWAY_NAMESPACE}/serviceaccounts/${GATEWAY_SERVICE_ACCOUNT}/token`, {
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: seconds },
  });
  if (res.status !== 201) {
    // The body of a refused TokenRequest holds no token: safe to show.
    throw new ClusterComponentError(GATEWAY_COMPONENT, `TokenRequest for ServiceAccount ${GATEWAY_NAMESPACE}/${GATEWAY_SERVICE_ACCOUNT} failed: HTTP ${res.status} ${res.body.slice(0, 300)}`);
  }
  const token = (JSON.parse(res.body) as { status?: { token?: string } }).status?.token;
  if (!token) throw new ClusterComponentError(GATEWAY_COMPONENT, 'TokenRequest answered without a token');
  return token;
}

async function waitFor(what: string, o: StartGatewayOptions, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    o.checkAlive();
    try { if (await check()) return; } catch (err) { lastError = err; }
    await sleep(100);
  }
  const why = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw new ClusterComponentError(GATEWAY_COMPONENT, `${what} not reached within ${timeoutMs / 1000}s${why}`, o.logFile);
}
