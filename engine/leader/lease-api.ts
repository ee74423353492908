import type { V1Lease } from '@kubernetes/client-node';
import type { KubeObject, KubeObjects } from '../kube/objects.js';
import { KubeApiError } from '../kube/errors.js';
import type { LeaseApi } from './lease-client.js';

const LEASE = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' } as const;

/**
 * The three Lease calls of the election over the engine's own client (one connection, counted
 * requests), in the shape of client-node's CoordinationV1Api, which tests still pass in. A missing
 * Lease is a 404 KubeApiError, as the election expects. Answers are final (no Retry-After waits,
 * engine/kube/retry.ts): the election retries every couple of seconds itself and steps down at its
 * renew deadline, which a renew waiting out 429s for up to 30 s would carry past the lease's
 * expiry, another replica leading beside this one meanwhile.
 */
export function leaseApi(all: KubeObjects): LeaseApi {
  const objects = all.withoutRetries();
  const asObject = (namespace: string, body: V1Lease) =>
    ({ ...LEASE, ...body, metadata: { ...body.metadata, namespace, name: body.metadata?.name ?? '' } }) as unknown as KubeObject;
  return {
    async readNamespacedLease({ name, namespace }) {
      const found = await objects.get<V1Lease>({ ...LEASE, namespace, name });
      if (found) return found;
      // The election reads a missing Lease as "create it": say so the way the API server would.
      throw new KubeApiError('read', { ...LEASE, namespace, name }, 404, `leases.coordination.k8s.io "${name}" not found`, 'NotFound');
    },
    createNamespacedLease: ({ namespace, body }) => objects.create<V1Lease>(asObject(namespace, body)),
    replaceNamespacedLease: ({ name, namespace, body }) => objects.replace<V1Lease>(asObject(namespace, { ...body, metadata: { ...body.metadata, name } })),
  } as LeaseApi;
}
