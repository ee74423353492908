import { access, constants } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Whether this machine can run a real node, and if not, the first reason why (for the user). */
export interface RealNodeCapability {
  ok: boolean;
  reasons: string[];
}

const exists = (path: string) => access(path, constants.X_OK).then(() => true, () => false);
const onPath = (cmd: string) => run('sh', ['-c', `command -v ${cmd}`]).then(() => true, () => false);

/**
 * Linux, root (network namespaces, mounts, cgroups), and the host tools a node uses: nsenter and
 * ip (util-linux, iproute2), iptables (kube-proxy), the CNI plugins (containernetworking-plugins),
 * busybox-static (the images), nginx-light (the examples' nginx stand-ins, see images-nginx.ts), gcc + libseccomp (to build runc), tar and git. The node's Go
 * binaries are built on demand like the control plane's. Pure checks: nothing is changed.
 */
export async function realNodeCapability(): Promise<RealNodeCapability> {
  const reasons: string[] = [];
  if (process.platform !== 'linux') return { ok: false, reasons: [`not Linux (${process.platform})`] };
  if (process.getuid?.() !== 0) reasons.push('not running as root (a node needs network namespaces, mounts and cgroups)');
  for (const [cmd, pkg] of [['nsenter', 'util-linux'], ['ip', 'iproute2'], ['iptables', 'iptables'], ['tar', 'tar'], ['git', 'git'],
    ['gcc', 'gcc'], ['pkg-config', 'pkg-config']] as const) {
    if (!await onPath(cmd)) reasons.push(`${cmd} is missing (apt-get install ${pkg})`);
  }
  for (const [file, pkg] of [['/usr/lib/cni/bridge', 'containernetworking-plugins'], ['/usr/lib/cni/host-local', 'containernetworking-plugins'],
    ['/bin/busybox', 'busybox-static'], ['/usr/sbin/nginx', 'nginx-light']] as const) {
    if (!await exists(file)) reasons.push(`${file} is missing (apt-get install ${pkg})`);
  }
  if (await onPath('pkg-config') && !await run('pkg-config', ['--exists', 'libseccomp']).then(() => true, () => false)) {
    reasons.push('libseccomp is missing (apt-get install libseccomp-dev)');
  }
  if (!await exists('/sys/fs/cgroup')) reasons.push('no /sys/fs/cgroup');
  return { ok: reasons.length === 0, reasons };
}
