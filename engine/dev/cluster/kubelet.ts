import { join } from 'node:path';
import type { Netns } from './netns.js';

export const NODE_NAME = 'ria-node';
export const KUBELET_PORT = 10250;

export interface KubeletPaths {
  rootDir: string;
  config: string;
  kubeconfig: string;
}

export function kubeletPaths(clusterDir: string): KubeletPaths {
  const rootDir = join(clusterDir, 'kubelet');
  return { rootDir, config: join(rootDir, 'config.yaml'), kubeconfig: join(rootDir, 'kubeconfig') };
}

/**
 * KubeletConfiguration for one node in the project's network namespace. The settings that are
 * not defaults were each needed on this kind of machine: cgroup v1 hosts are refused by default
 * since 1.35 (failCgroupV1), there is no systemd (cgroupfs), swap may be on, the node's own
 * cgroup root keeps its pods apart from any other node on the machine, and every directory
 * kubelet would otherwise create on the host (/var/lib/kubelet, /var/log/pods, the volume plugin
 * dir) is under the cluster's directory. No cluster DNS: the examples do not need it.
 */
export function kubeletConfig(paths: KubeletPaths, netns: Netns, containerdSocket: string, caCert: string,
  cgroupRoot: string, podLogsDir: string): string {
  const c = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: netns.bridgeIp,
    port: KUBELET_PORT,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: 10248,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: caCert } },
    authorization: { mode: 'Webhook' },
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    cgroupRoot,
    cgroupsPerQOS: true,
    failSwapOn: false,
    containerRuntimeEndpoint: `unix://${containerdSocket}`,
    resolvConf: '',
    enforceNodeAllocatable: [],
    localStorageCapacityIsolation: false,
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: { 'memory.available': '1Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
    podCIDR: netns.podCidr,
    podLogsDir,
    volumePluginDir: join(paths.rootDir, 'volume-plugins'),
    serializeImagePulls: false,
    registerNode: true,
    protectKernelDefaults: false,
    // Fast feedback in a local cluster: status and pod changes show within seconds.
    nodeStatusUpdateFrequency: '5s',
    syncFrequency: '10s',
    fileCheckFrequency: '10s',
    shutdownGracePeriod: '0s',
  };
  return JSON.stringify(c, null, 2);
}

export function kubeletArgs(paths: KubeletPaths, netns: Netns): string[] {
  return [
    `--config=${paths.config}`, `--kubeconfig=${paths.kubeconfig}`,
    `--root-dir=${paths.rootDir}`, `--cert-dir=${join(paths.rootDir, 'pki')}`,
    `--hostname-override=${NODE_NAME}`, `--node-ip=${netns.bridgeIp}`, '--v=1',
  ];
}

/** kube-proxy (iptables mode, in the namespace): ClusterIP Services for pods and the node.
 * masqueradeAll: replies from a pod on the same bridge then come back through the node, so no
 * br_netfilter (a host-wide module) is needed. Conntrack limits are host-wide: left alone. */
export function kubeProxyConfig(kubeconfig: string, netns: Netns): string {
  return JSON.stringify({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    clientConnection: { kubeconfig },
    hostnameOverride: NODE_NAME,
    bindAddress: netns.bridgeIp,
    mode: 'iptables',
    clusterCIDR: netns.podCidr,
    iptables: { masqueradeAll: true, syncPeriod: '5s', minSyncPeriod: '0s' },
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
    metricsBindAddress: '127.0.0.1:10249',
    healthzBindAddress: '127.0.0.1:10256',
  }, null, 2);
}
