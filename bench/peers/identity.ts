/**
 * Each engine under test gets an identity of its own (a ServiceAccount and a kubeconfig holding a
 * TokenRequest token for it), so the API server's audit log tells its writes from the control
 * plane's, which all use the admin certificate. Its rights are those its own install gives it:
 * Flux's install binds its controllers to cluster-admin (`clusterAdmin`); Ria's install writes its
 * own ClusterRoles and admission policies, applied by the caller before (ria-side.ts), so the
 * bench pays what a real install pays on every write.
 */
import { writeFile } from 'node:fs/promises';
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';

export interface EngineIdentity {
  /** The username the API server sees (`system:serviceaccount:NS:NAME`). */
  username: string;
  kubeconfigPath: string;
}

export async function engineIdentity(admin: KubeConfig, namespace: string, name: string, kubeconfigPath: string, { clusterAdmin }: { clusterAdmin: boolean }): Promise<EngineIdentity> {
  const core = admin.makeApiClient(CoreV1Api);
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  const ignoreExists = (err: { code?: number }) => { if (err.code !== 409) throw err; };
  await core.createNamespace({ body: { metadata: { name: namespace } } }).catch(ignoreExists);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } }).catch(ignoreExists);
  if (clusterAdmin) await rbac.createClusterRoleBinding({ body: {
    metadata: { name: `bench-${namespace}-${name}` },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ kind: 'ServiceAccount', namespace, name }],
  } }).catch(ignoreExists);
  const token = await core.createNamespacedServiceAccountToken({ namespace, name, body: { spec: { audiences: [], expirationSeconds: 24 * 3600 } } });
  const cluster = admin.getCurrentCluster();
  if (!cluster?.caData || !token.status?.token) throw new Error('the admin kubeconfig has no embedded CA, or no token was issued');
  await writeFile(kubeconfigPath, [
    'apiVersion: v1', 'kind: Config',
    'clusters:', `- name: bench`, '  cluster:', `    server: ${cluster.server}`, `    certificate-authority-data: ${cluster.caData}`,
    'users:', `- name: ${name}`, '  user:', `    token: ${token.status.token}`,
    'contexts:', '- name: bench', '  context:', '    cluster: bench', `    user: ${name}`,
    'current-context: bench', '',
  ].join('\n'), { mode: 0o600 });
  return { username: `system:serviceaccount:${namespace}:${name}`, kubeconfigPath };
}
