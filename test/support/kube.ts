import { KubeConfig, KubernetesObjectApi, CoreV1Api, AppsV1Api, BatchV1Api } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { KubeRest } from '../../engine/kube/rest.js';
import { KubeObjects } from '../../engine/kube/objects.js';

/** The shared control plane started by test/run.ts. Integration tests fail loudly without it. */
export function testKubeConfig(): KubeConfig {
  const path = process.env.RIA_TEST_KUBECONFIG;
  if (!path) throw new Error('RIA_TEST_KUBECONFIG is not set: run integration tests through `npm test` (test/run.ts starts the cluster)');
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

export function testClients(kc = testKubeConfig()) {
  return {
    kc,
    objects: KubernetesObjectApi.makeApiClient(kc),
    /** The engine's own client: fixtures are applied through it (test/support/apply.ts). */
    ria: new KubeObjects(new KubeRest(kc)),
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    batch: kc.makeApiClient(BatchV1Api),
  };
}

/** A namespace name no other test uses, so tests can share one cluster and run side by side. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/** Polls `check` until it returns a value, or fails with the last observation after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) { last = err; }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/**
 * A kubeconfig for the engine's installed identity (a token of the `ria-engine` ServiceAccount
 * `ria install` made in `namespace`), on the cluster of `kc`: what the engine's pod would use.
 */
export async function installedEngineKubeConfig(kc: KubeConfig, namespace: string): Promise<KubeConfig> {
  const { core } = testClients(kc);
  const token = await core.createNamespacedServiceAccountToken({ namespace, name: 'ria-engine', body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const cluster = kc.getCurrentCluster()!;
  const engineKc = new KubeConfig();
  engineKc.loadFromOptions({
    clusters: [{ name: 'c', server: cluster.server, caData: cluster.caData, skipTLSVerify: false }],
    users: [{ name: 'ria-engine', token: token.status!.token }],
    contexts: [{ name: 'engine', cluster: 'c', user: 'ria-engine' }], currentContext: 'engine',
  });
  return engineKc;
}
