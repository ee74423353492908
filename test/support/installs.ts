import type { KubeObject, KubeObjects } from '../../engine/kube/objects.js';

/**
 * Removes the admission policies `ria install --namespace ns` wrote. They are cluster-scoped and
 * hold every environment namespace of the cluster, and each names its own engine: left behind
 * on the cluster the integration tests share, one install's namespace policy refuses another
 * install's engine a change of an environment's namespace, and its ownership policy that engine's
 * writes as Ria's field manager there (one Ria per cluster).
 */
export async function removeInstallPolicies(objects: KubeObjects, ns: string): Promise<void> {
  const apiVersion = 'admissionregistration.k8s.io/v1';
  for (const name of [`ria-engine-${ns}`, `ria-engine-routes-${ns}`, `ria-engine-namespaces-${ns}`, `ria-engine-exposure-${ns}`, `ria-engine-ownership-${ns}`]) {
    for (const kind of ['ValidatingAdmissionPolicyBinding', 'ValidatingAdmissionPolicy']) await objects.delete({ apiVersion, kind, name }).catch(() => undefined);
  }
}

/**
 * A client acting as `user`, a pod's ServiceAccount say, whose server-side applies name a field
 * manager of their own (`manager`), as a pod's would: KubeObjects applies as Ria's (`ria`) unless
 * told otherwise, which the ownership policy refuses anyone but the engine and the environment's
 * identity in an environment's namespace.
 */
export function podClient(objects: KubeObjects, user: string, manager = 'pod'): KubeObjects {
  const client = objects.as(user);
  const apply = client.apply.bind(client);
  return Object.assign(client, {
    apply: <T = KubeObject>(obj: KubeObject, options: { force?: boolean; dryRun?: boolean; fieldManager?: string } = {}) => apply<T>(obj, { fieldManager: manager, ...options }),
  });
}
