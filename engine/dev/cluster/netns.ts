import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readdir } from 'node:fs/promises';
import { ClusterComponentError } from './errors.js';

const run = promisify(execFile);

/**
 * The real node's network namespace: its own loopback and a bridge that carries the node address
 * and the pods. Nothing routes out of it (no default route, no link to the host), so a pod can
 * reach the node, other pods and Services, and nothing beyond the machine; the host reaches in
 * only through the unix sockets of netns-agent.ts.
 */
export interface Netns {
  name: string;
  /** /var/run/netns/NAME: what `nsenter --net=` takes. */
  path: string;
  /** The bridge inside the namespace (the CNI bridge plugin attaches pods to it). */
  bridge: string;
  /** The bridge's address: the node's InternalIP, the pods' gateway. */
  bridgeIp: string;
  /** The pods' subnet, on the bridge. */
  podCidr: string;
  /** ClusterIPs: routed to the bridge so that connections from the namespace itself (kubelet's
   * probes are to pod IPs, but a test's request or a gateway's is to a Service) get a route;
   * kube-proxy's DNAT then sends them to a pod. */
  serviceCidr: string;
}

export const NETNS_PREFIX = 'ria-';

/** Runs a command inside the namespace. `nsenter --net=`, not `ip netns exec`: the latter also
 * remounts /sys, which hides /sys/fs/cgroup from kubelet and runc. */
export function nsenterArgs(netns: Pick<Netns, 'path'>, command: string, args: string[]): [string, string[]] {
  return ['nsenter', [`--net=${netns.path}`, '--', command, ...args]];
}

async function sh(command: string, args: string[]): Promise<string> {
  try {
    return (await run(command, args)).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new ClusterComponentError('netns', `${command} ${args.join(' ')} failed: ${(e.stderr ?? e.message).trim()}`, undefined, err);
  }
}

/** A unique name that also says which process made it, so a later run can clean up after a crash. */
export function netnsName(pid = process.pid): string {
  return `${NETNS_PREFIX}${pid}-${Math.random().toString(36).slice(2, 7)}`;
}

export async function createNetns(name: string, serviceCidr = '10.96.0.0/16'): Promise<Netns> {
  const netns: Netns = { name, path: `/var/run/netns/${name}`, bridge: 'ria0', bridgeIp: '10.244.0.1', podCidr: '10.244.0.0/24', serviceCidr };
  await sh('ip', ['netns', 'add', name]);
  try {
    await sh('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    await sh('ip', ['-n', name, 'link', 'add', netns.bridge, 'type', 'bridge']);
    await sh('ip', ['-n', name, 'addr', 'add', `${netns.bridgeIp}/24`, 'dev', netns.bridge]);
    await sh('ip', ['-n', name, 'link', 'set', netns.bridge, 'up']);
    await sh('ip', ['-n', name, 'route', 'add', serviceCidr, 'dev', netns.bridge, 'src', netns.bridgeIp]);
    // Per-namespace: routes Service traffic (kube-proxy's DNAT) between pods on the bridge.
    const [cmd, args] = nsenterArgs(netns, 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
    await sh(cmd, args);
  } catch (err) {
    await removeNetns(name).catch(() => {});
    throw err;
  }
  return netns;
}

export async function removeNetns(name: string): Promise<void> {
  await run('ip', ['netns', 'delete', name]).catch(() => {});
}

/** Namespaces a previous run made and could not remove (it was SIGKILLed): their pid is gone. */
export async function staleNetnsNames(): Promise<string[]> {
  const names = await readdir('/var/run/netns').catch(() => [] as string[]);
  return names.filter((n) => {
    const m = new RegExp(`^${NETNS_PREFIX}(\\d+)-`).exec(n);
    if (!m) return false;
    try { process.kill(Number(m[1]), 0); return false; } catch { return true; }
  });
}
