/**
 * The real mode's gateway: Traefik inside the node's network namespace, listening on the node's
 * address (ports 80 and 443, where pods reach it too), with the Gateway API CRDs installed first
 * (a cluster with a gateway serves its API; Traefik watches these kinds from its start).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { AdminCall } from './admin-client.js';
import type { ClusterBinaries } from './binaries.js';
import { ClusterComponentError } from './errors.js';
import { GATEWAY_COMPONENT, startGateway, type RunningGateway } from './gateway.js';
import type { RealNode } from './real-node.js';

/** Listener ports, and Traefik's Prometheus endpoint (what a rollout health gate reads). */
export const NODE_GATEWAY_PORTS = { http: 80, https: 443, metrics: 9100 } as const;

export interface NodeGatewayOptions {
  binaries: ClusterBinaries;
  dir: string;
  logDir: string;
  call: AdminCall;
  /** The API server as the namespace reaches it (its port is forwarded to the namespace's loopback). */
  server: string;
  apiCaCert: string;
  node: RealNode;
  checkAlive: () => void;
  onProgress: (line: string) => void;
}

export async function startNodeGateway(o: NodeGatewayOptions): Promise<RunningGateway> {
  const traefikDir = o.binaries.node?.traefikDir;
  if (!traefikDir) throw new ClusterComponentError(GATEWAY_COMPONENT, 'Traefik is not built (test/cluster/build.sh --gateway)');
  await installGatewayApi(o.call, join(o.binaries.gatewayApiDir, 'standard-install.yaml'));
  const gateway = await startGateway({
    binary: join(traefikDir, 'traefik'), dir: o.dir, logFile: join(o.logDir, `${GATEWAY_COMPONENT}.log`), call: o.call,
    server: o.server, apiCaCert: o.apiCaCert, statusAddress: o.node.netns.bridgeIp, ports: { ...NODE_GATEWAY_PORTS },
    start: (name, command, args) => o.node.startInNetns(name, command, args), checkAlive: o.checkAlive,
  });
  o.onProgress(`gateway: Traefik serves GatewayClass ${gateway.className} on ${gateway.statusAddress}:${gateway.ports.http} (HTTP) and :${gateway.ports.https} (HTTPS) in the node's namespace`);
  return gateway;
}

/** Creates the Gateway API standard CRDs (existing ones are left as they are) and waits until they are Established. */
async function installGatewayApi(call: AdminCall, file: string): Promise<void> {
  const crds = parseAllDocuments(await readFile(file, 'utf8'))
    .map((d) => d.toJS() as { kind?: string; metadata?: { name?: string } } | null)
    .filter((o): o is { kind: string; metadata: { name: string } } => o?.kind === 'CustomResourceDefinition');
  const path = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
  for (const crd of crds) {
    const res = await call('POST', path, crd, 30_000);
    if (res.status !== 201 && res.status !== 409) {
      throw new ClusterComponentError(GATEWAY_COMPONENT, `installing CRD ${crd.metadata.name} failed: HTTP ${res.status} ${res.body.slice(0, 300)}`);
    }
  }
  const deadline = Date.now() + 60_000;
  for (const crd of crds) {
    for (;;) {
      const res = await call('GET', `${path}/${crd.metadata.name}`);
      const c = res.status === 200 ? (JSON.parse(res.body) as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions : undefined;
      if (c?.some((x) => x.type === 'Established' && x.status === 'True')) break;
      if (Date.now() > deadline) throw new ClusterComponentError(GATEWAY_COMPONENT, `CRD ${crd.metadata.name} not Established within 60s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
