import { mkdir, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeBinaries } from './binaries.js';
import type { Netns } from './netns.js';

/** Where one node's containerd keeps everything; all under the cluster's directory. */
export interface ContainerdPaths {
  dir: string;
  config: string;
  socket: string;
  cniConfDir: string;
  certsDir: string;
}

export function containerdPaths(clusterDir: string): ContainerdPaths {
  const dir = join(clusterDir, 'containerd');
  return { dir, config: join(dir, 'config.toml'), socket: join(dir, 'containerd.sock'), cniConfDir: join(dir, 'cni'), certsDir: join(dir, 'certs.d') };
}

/**
 * containerd's config (version 3). Every setting here was needed on this kind of machine (see
 * the README's "Real node" section): restrict_oom_score_adj (the machine does not allow lowering
 * OOM scores), cgroupfs (no systemd), the sandbox image from the local registry, pod network
 * namespaces under containerd's own state dir (not /var/run/netns), and hosts.toml mirrors so
 * that `docker.io/...` is pulled from the local registry and never from the internet.
 */
export function containerdConfig(paths: ContainerdPaths, bins: NodeBinaries, sandboxImage: string): string {
  return `version = 3
root = "${join(paths.dir, 'root')}"
state = "${join(paths.dir, 'state')}"
disabled_plugins = ["io.containerd.nri.v1.nri", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "${paths.socket}"

[ttrpc]
  address = "${paths.socket}.ttrpc"

[plugins.'io.containerd.internal.v1.opt']
  path = "${join(paths.dir, 'opt')}"

[plugins.'io.containerd.grpc.v1.cri']
  disable_tcp_service = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"

[plugins.'io.containerd.cri.v1.runtime']
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  enable_cdi = false
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "runc"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = "${join(bins.runcDir, 'runc')}"
        SystemdCgroup = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["/usr/lib/cni"]
    conf_dir = "${paths.cniConfDir}"
    max_conf_num = 1

[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "${sandboxImage}"
  [plugins.'io.containerd.cri.v1.images'.registry]
    config_path = "${paths.certsDir}"
`;
}

/** The bridge network: pods on the namespace's bridge, host-local addresses on its subnet. */
export function cniConfig(netns: Netns): string {
  return JSON.stringify({
    cniVersion: '1.0.0',
    name: 'ria',
    plugins: [
      {
        type: 'bridge', bridge: netns.bridge, isGateway: true, ipMasq: false, hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: netns.podCidr, gateway: netns.bridgeIp }]], routes: [{ dst: '0.0.0.0/0' }] },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  }, null, 2);
}

/** hosts.toml: pulls of `registry` (and of docker.io, mirrored) go to the local registry over HTTP. */
export function hostsToml(registryUrl: string): string {
  return `server = "${registryUrl}"\n\n[host."${registryUrl}"]\n  capabilities = ["pull", "resolve"]\n  skip_verify = true\n`;
}

export async function writeContainerdFiles(paths: ContainerdPaths, bins: NodeBinaries, netns: Netns, sandboxImage: string, registry: string, mirrored: string[]): Promise<void> {
  await mkdir(paths.cniConfDir, { recursive: true });
  await writeFile(paths.config, containerdConfig(paths, bins, sandboxImage));
  await writeFile(join(paths.cniConfDir, '10-ria.conflist'), cniConfig(netns));
  for (const host of [registry, ...mirrored]) {
    await mkdir(join(paths.certsDir, host), { recursive: true });
    await writeFile(join(paths.certsDir, host, 'hosts.toml'), hostsToml(`http://${registry}`));
  }
}

export async function containerdReady(paths: ContainerdPaths): Promise<boolean> {
  return stat(paths.socket).then((s) => s.isSocket(), () => false);
}
