import { nodeClient, type RealNodeInfo } from '../../engine/dev/cluster/real-node.js';
import { ProcessGroup } from '../../engine/dev/cluster/processes.js';
import { publishReadOnlyRegistry } from '../../engine/dev/cluster/registry-proxy.js';

/** The real node the runner started (test/run.ts passes RIA_TEST_REAL_NODE), with its helpers. */
export function realNode() {
  const text = process.env.RIA_TEST_REAL_NODE;
  if (!text) throw new Error('RIA_TEST_REAL_NODE is not set: run real-node tests through test/run.ts (node dist/test/run.js --integration real)');
  const info = JSON.parse(text) as RealNodeInfo;
  const group = new ProcessGroup();
  const client = nodeClient(info);
  return {
    info, ...client,
    /** Host loopback port (the harness's git server) reachable from build pods on the node. */
    exposeHostPort: (port: number) => client.exposeHostPort(port, group),
    close: () => group.stop(),
  };
}

/** The node's registry on a host loopback port, read-only as `ria dev` publishes it (for the engine's image checks), closed with `close()`. */
export async function publishRegistry(node: ReturnType<typeof realNode>): Promise<{ url: string; close(): Promise<void> }> {
  const [host, port] = node.info.registry.split(':') as [string, string];
  const published = await publishReadOnlyRegistry(node.connect, host, Number(port));
  return { url: `http://127.0.0.1:${published.port}`, close: published.close };
}

/** ria.yaml for builds on the real node: Kaniko and git images, registry, mirror, all local. */
export function realBuildSettings(info: RealNodeInfo, options: { registryEndpoint?: string } = {}): string {
  const r = info.registry;
  return [
    'pollInterval: 1s',
    'domain: apps.test',
    `registry: ${r}/ria`,
    'builder:',
    `  image: ${info.images.kanikoExecutor}`,
    `  gitImage: ${info.images.git}`,
    '  hostNetwork: true',
    '  timeout: 4m',
    `  extraArgs: [--insecure, --insecure-pull, --insecure-registry=${r}, --registry-mirror=${r}, --skip-default-registry-fallback]`,
    // The engine runs on the host, where the node's 127.0.0.1:5000 is not: a published port reaches it.
    ...(options.registryEndpoint ? [`  registryEndpoint: ${options.registryEndpoint}`] : []),
    '',
  ].join('\n');
}
