import type { KubeConfig } from '@kubernetes/client-node';

/**
 * client-node's KubeConfig, for the CLI commands that use its typed clients (`ria ps` watches,
 * `ria dev`): the file given, else $KUBECONFIG / ~/.kube/config, else in-cluster credentials.
 * Imported when called, never at start: the engine process does not load client-node at all
 * (its own loader is kube-access.ts).
 */
export async function loadKubeConfig(file?: string): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else kc.loadFromDefault();
  return kc;
}
