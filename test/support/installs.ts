import type { KubeObjects } from '../../engine/kube/objects.js';

/**
 * Removes the admission policies `ria install --namespace ns` wrote. They are cluster-scoped and
 * hold every environment namespace of the cluster, and each names its own engine: left behind
 * on the cluster the integration tests share, one install's namespace policy refuses another
 * install's engine a change of an environment's namespace (one Ria per cluster).
 */
export async function removeInstallPolicies(objects: KubeObjects, ns: string): Promise<void> {
  const apiVersion = 'admissionregistration.k8s.io/v1';
  for (const name of [`ria-engine-${ns}`, `ria-engine-routes-${ns}`, `ria-engine-namespaces-${ns}`, `ria-engine-exposure-${ns}`]) {
    for (const kind of ['ValidatingAdmissionPolicyBinding', 'ValidatingAdmissionPolicy']) await objects.delete({ apiVersion, kind, name }).catch(() => undefined);
  }
}
