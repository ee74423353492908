import type { AdminCall } from './admin-client.js';
import { ClusterComponentError } from './errors.js';

/**
 * The `kubernetes` Service (namespace default) for pods on the real node: what in-cluster clients
 * (the Ria engine installed by `ria install`, client-node's loadFromCluster) reach the API server
 * at, through KUBERNETES_SERVICE_HOST/PORT (10.96.0.1:443), without DNS.
 *
 * The API server runs on the host's loopback with `--endpoint-reconciler-type=none` (it must not
 * advertise 127.0.0.1 as its endpoint), so nothing fills the Service's endpoints. Here they name
 * the API server's forward inside the node's namespace (netns-agent.ts listens on the node
 * address at the API server's port): kube-proxy then sends 10.96.0.1:443 there. The serving
 * certificate already carries both addresses (pki.ts).
 */
export const API_ENDPOINT_SLICE = 'kubernetes';
const MANAGED_BY = 'local-cluster.ria.dev';

export function apiServerEndpointSlice(nodeIp: string, apiPort: number, portName: string): Record<string, unknown> {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: {
      name: API_ENDPOINT_SLICE, namespace: 'default',
      labels: { 'kubernetes.io/service-name': 'kubernetes', 'endpointslice.kubernetes.io/managed-by': MANAGED_BY },
    },
    addressType: 'IPv4',
    endpoints: [{ addresses: [nodeIp], conditions: { ready: true } }],
    ports: [{ name: portName, port: apiPort, protocol: 'TCP' }],
  };
}

/** Writes the `kubernetes` Service's EndpointSlice once the API server has made the Service. */
export async function publishApiServer(call: AdminCall, nodeIp: string, apiPort: number, waitFor: (what: string, check: () => Promise<boolean>) => Promise<void>): Promise<void> {
  let portName = 'https';
  await waitFor('the kubernetes Service', async () => {
    const res = await call('GET', '/api/v1/namespaces/default/services/kubernetes');
    if (res.status !== 200) return false;
    portName = (JSON.parse(res.body) as { spec?: { ports?: { name?: string }[] } }).spec?.ports?.[0]?.name ?? portName;
    return true;
  });
  const slice = apiServerEndpointSlice(nodeIp, apiPort, portName);
  // A fresh cluster each time: created once (a 409 means this start already wrote it).
  const res = await call('POST', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', slice);
  if (res.status !== 201 && res.status !== 409) {
    throw new ClusterComponentError('kube-apiserver', `writing the kubernetes Service's EndpointSlice failed: HTTP ${res.status} ${res.body.slice(0, 300)}`);
  }
}
