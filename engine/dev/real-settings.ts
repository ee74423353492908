/**
 * The example config's ria.yaml as `ria dev` serves it: the Gateway is the one `ria dev` creates
 * in Ria's namespace, and on the real node builds really run, so the registry and the builder are
 * the node's own (the local registry, the locally assembled Kaniko and git images, docker.io
 * mirrored to the registry, build pods on the node's network where the git server's port is
 * exposed). Pure: YAML text in, YAML text out, comments kept.
 */
import { parseDocument } from 'yaml';

export interface RealNodeImages {
  /** The registry as the node's namespace names it (`127.0.0.1:5000`). */
  registry: string;
  images: { kanikoExecutor: string; git: string };
  /** Where the engine reaches that registry from where it runs (`ria dev` runs it on the host, where
   * the node's 127.0.0.1:5000 is not: a published loopback port). Without it the engine cannot
   * tell that a commit's image is built already, and builds it again. */
  registryEndpoint?: string;
}

/** ria.yaml's builder and registry for builds on the real node (Kaniko with the local registry). */
export function realBuilderSettings(node: RealNodeImages): { registry: string; builder: Record<string, unknown> } {
  const r = node.registry;
  return {
    registry: `${r}/ria`,
    builder: {
      image: node.images.kanikoExecutor,
      gitImage: node.images.git,
      hostNetwork: true,
      timeout: '5m',
      extraArgs: ['--insecure', '--insecure-pull', `--insecure-registry=${r}`, `--registry-mirror=${r}`, '--skip-default-registry-fallback'],
      ...(node.registryEndpoint ? { registryEndpoint: node.registryEndpoint } : {}),
    },
  };
}

/** ria.yaml with its gateway set to `namespace/name` and, given a real node, its registry and builder. */
export function devRiaYaml(text: string, gateway: { namespace: string; name: string }, node?: RealNodeImages): string {
  const doc = parseDocument(text);
  doc.setIn(['gateway', 'namespace'], gateway.namespace);
  doc.setIn(['gateway', 'name'], gateway.name);
  if (node) {
    const real = realBuilderSettings(node);
    doc.set('registry', real.registry);
    doc.set('builder', doc.createNode(real.builder));
  }
  return doc.toString();
}
