import type { Allow } from './allow.js';

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';
export const POD_SECURITY_LEVELS: readonly PodSecurityLevel[] = ['privileged', 'baseline', 'restricted'];

/** ria.yaml `podSecurity:`: the Pod Security Admission levels of every environment namespace. */
export interface PodSecurity {
  enforce: PodSecurityLevel;
  warn: PodSecurityLevel;
  audit: PodSecurityLevel;
}

/**
 * `baseline` is enforced (no privileged pods, host namespaces, hostPath, host ports or extra
 * capabilities: exactly what `allow` gates), `restricted` only warned and audited: most images
 * still run as root, which `restricted` refuses.
 */
export const DEFAULT_POD_SECURITY: PodSecurity = { enforce: 'baseline', warn: 'restricted', audit: 'restricted' };

/** Capabilities `baseline` lets a container add (Kubernetes' Pod Security Standards). */
export const BASELINE_CAPABILITIES: ReadonlySet<string> = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);

/** The sysctls `baseline` lets a pod set (Pod Security Standards: namespaced, isolated from other pods). */
export const SAFE_SYSCTLS: ReadonlySet<string> = new Set(['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.ping_group_range', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_syncookies']);

/** The SELinux types `baseline` lets a pod or container ask for (empty or absent too); `user` and `role` must not be set. */
export const BASELINE_SELINUX_TYPES: ReadonlySet<string> = new Set(['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

/**
 * The levels of one app's namespaces: the configured ones, lowered to what the app's `allow`
 * grants (a pod the config allows must not be refused by the API server): host access needs
 * `privileged`, root needs at most `baseline`. Never raised above the configuration.
 */
export function podSecurityFor(configured: PodSecurity, allow: Allow): PodSecurity {
  const hostAccess = allow.privileged || allow.hostNamespaces || allow.hostPath || allow.hostPorts
    || allow.capabilities.some((c) => !BASELINE_CAPABILITIES.has(c));
  const extraCaps = allow.capabilities.some((c) => c !== 'NET_BIND_SERVICE');
  const ceiling: PodSecurityLevel = hostAccess ? 'privileged' : allow.runAsRoot || extraCaps ? 'baseline' : 'restricted';
  const min = (a: PodSecurityLevel) => (POD_SECURITY_LEVELS.indexOf(a) <= POD_SECURITY_LEVELS.indexOf(ceiling) ? a : ceiling);
  return { enforce: min(configured.enforce), warn: configured.warn, audit: configured.audit };
}

/** The namespace labels Pod Security Admission reads. */
export function podSecurityLabels(levels: PodSecurity): Record<string, string> {
  return {
    'pod-security.kubernetes.io/audit': levels.audit,
    'pod-security.kubernetes.io/enforce': levels.enforce,
    'pod-security.kubernetes.io/warn': levels.warn,
  };
}
