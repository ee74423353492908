import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { ClusterComponentError } from './errors.js';

export interface ClusterBinaries {
  /** kube-apiserver, kube-controller-manager, kube-scheduler, kubectl */
  k8sDir: string;
  etcdDir: string;
  /** kwok and stages/ */
  kwokDir: string;
  /** standard-install.yaml: the Gateway API standard CRDs */
  gatewayApiDir: string;
  /** cert-manager's CRDs (`crds.yaml`), for tests of rendered Certificates; absent on an old cache. */
  certManagerDir?: string;
  /** Only when built with `{ node: true }` (the `real` mode): see NodeBinaries. */
  node?: NodeBinaries;
}

/** The real node's binaries (test/cluster/build-node.sh). kubelet and kube-proxy are in k8sDir. */
export interface NodeBinaries {
  /** containerd, containerd-shim-runc-v2 */
  containerdDir: string;
  runcDir: string;
  /** crane: the local registry (`crane registry serve`) and the tool that assembles images */
  craneDir: string;
  /** executor: the Kaniko executor, put into an image by images.ts */
  kanikoDir: string;
  /** traefik: the gateway (Gateway API implementation) in front of the node's pods, see gateway.ts;
   *  only when built (`build.sh --gateway`, not part of CI's first build) */
  traefikDir?: string;
}

/**
 * The Traefik binary when `build.sh --gateway` has built it (else undefined): the gateway tests run
 * it in any mode, without building the node.
 */
export function builtTraefik(cacheDir = process.env.RIA_CACHE_DIR ?? join(homedir(), '.cache', 'ria')): string | undefined {
  try {
    const versions = JSON.parse(readFileSync(join(dirname(buildScriptPath()), 'versions.json'), 'utf8')) as { traefik?: string };
    const binary = join(cacheDir, `traefik-${versions.traefik}`, 'traefik');
    return versions.traefik && existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The binaries a real cluster with its gateway runs that are not cached yet (empty: all built), by
 * looking in the cache only: nothing is built. `ria dev` picks the real node only when this is
 * empty, so `npm start` never starts an hour-long build on its own.
 */
export function missingRealBinaries(cacheDir = process.env.RIA_CACHE_DIR ?? join(homedir(), '.cache', 'ria')): string[] {
  let v: Record<string, string>;
  try {
    v = JSON.parse(readFileSync(join(dirname(buildScriptPath()), 'versions.json'), 'utf8')) as Record<string, string>;
  } catch {
    return ['test/cluster/versions.json'];
  }
  const wanted: [string, string[]][] = [
    [`kubernetes-${v.kubernetes}`, ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl', 'kubelet', 'kube-proxy']],
    [`etcd-${v.etcd}`, ['etcd']], [`gateway-api-${v.gatewayApi}`, ['standard-install.yaml']],
    [`containerd-${v.containerd}`, ['containerd', 'containerd-shim-runc-v2']], [`runc-${v.runc}`, ['runc']],
    [`crane-${v.crane}`, ['crane']], [`kaniko-${v.kaniko}`, ['executor']], [`traefik-${v.traefik}`, ['traefik']],
  ];
  return wanted.flatMap(([dir, files]) => files.filter((f) => !existsSync(join(cacheDir, dir, f))));
}

/** test/cluster/build.sh, found relative to this file both from engine/ (ts) and dist/engine/ (js). */
export function buildScriptPath(): string {
  const fromDist = new URL('../../../../test/cluster/build.sh', import.meta.url);
  return fileURLToPath(fromDist);
}

/**
 * Makes sure the control-plane binaries exist (building them from the Go module proxy the first
 * time, which takes a while) and returns where they are. Progress lines go to `onProgress`.
 */
export function ensureBinaries(onProgress: (line: string) => void = () => {}, options: { node?: boolean } = {}): Promise<ClusterBinaries> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [buildScriptPath(), ...(options.node ? ['--node'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    const found: Record<string, string> = {};
    const errors: string[] = [];
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      errors.push(line);
      onProgress(line);
    });
    child.on('error', (err) => reject(new ClusterComponentError('build', `cannot run bash: ${err.message}`, undefined, err)));
    child.on('close', (code) => {
      if (code !== 0) {
        const last = errors.filter((l) => l.includes('ERROR')).pop() ?? errors.slice(-3).join('\n');
        reject(new ClusterComponentError('build', `building the ${options.node ? 'control plane and node' : 'control plane'} failed: ${last}`));
        return;
      }
      for (const line of stdout.split('\n')) {
        const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
        if (m) found[m[1]!] = m[2]!;
      }
      const { K8S_BIN_DIR, ETCD_BIN_DIR, KWOK_BIN_DIR, GATEWAY_API_DIR } = found;
      if (!K8S_BIN_DIR || !ETCD_BIN_DIR || !KWOK_BIN_DIR || !GATEWAY_API_DIR) {
        reject(new ClusterComponentError('build', 'build script did not report its binary directories'));
        return;
      }
      const { CONTAINERD_BIN_DIR, RUNC_BIN_DIR, CRANE_BIN_DIR, KANIKO_BIN_DIR, TRAEFIK_BIN_DIR } = found;
      const traefikDir = TRAEFIK_BIN_DIR ?? ((t) => (t ? dirname(t) : undefined))(builtTraefik());
      const node = options.node && CONTAINERD_BIN_DIR && RUNC_BIN_DIR && CRANE_BIN_DIR && KANIKO_BIN_DIR
        ? { containerdDir: CONTAINERD_BIN_DIR, runcDir: RUNC_BIN_DIR, craneDir: CRANE_BIN_DIR, kanikoDir: KANIKO_BIN_DIR, ...(traefikDir ? { traefikDir } : {}) }
        : undefined;
      if (options.node && !node) {
        reject(new ClusterComponentError('build', 'build script did not report the node\'s binary directories'));
        return;
      }
      const certManager = found.CERT_MANAGER_DIR ? { certManagerDir: found.CERT_MANAGER_DIR } : {};
      resolve({ k8sDir: K8S_BIN_DIR, etcdDir: ETCD_BIN_DIR, kwokDir: KWOK_BIN_DIR, gatewayApiDir: GATEWAY_API_DIR, ...certManager, ...(node ? { node } : {}) });
    });
  });
}
