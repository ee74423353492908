import { KubeConfig } from '@kubernetes/client-node';

/**
 * Loads the kubeconfig to talk to: the file given, else in-cluster credentials when running in a
 * pod, else $KUBECONFIG / ~/.kube/config. Only the CLI entry points call this; everything else
 * receives the KubeConfig (or clients made from it) as an argument.
 */
export function loadKubeConfig(file?: string): KubeConfig {
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else kc.loadFromDefault();
  return kc;
}
