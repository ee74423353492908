import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBinaries, type ClusterBinaries } from './binaries.js';
import { createPki, type Pki } from './pki.js';
import { freePorts } from './ports.js';
import { ProcessGroup } from './processes.js';
import { adminKubeconfig } from './kubeconfig.js';
import { adminClient, type AdminCall } from './admin-client.js';
import { ClusterComponentError } from './errors.js';
import { basename } from 'node:path';
import { planRealNode, realNodeApiserverArgs, startRealNode, type RealNode, type RealNodePlan } from './real-node.js';
import { startNodeGateway } from './node-gateway.js';
import type { RunningGateway } from './gateway.js';

/** `apiserver`: etcd + kube-apiserver (fast, envtest-like). `full`: plus controller-manager,
 * scheduler and kwok, so Deployments become Available and Job pods Succeed on fake nodes.
 * `real`: controller-manager and scheduler with one real node (kubelet, containerd, kube-proxy,
 * a local registry) in a network namespace of its own: pods really run (see real-node.ts; needs
 * Linux, root and `build.sh --node`; capability.ts says whether this machine can). */
export type ClusterMode = 'apiserver' | 'full' | 'real';

export interface LocalClusterOptions {
  mode: ClusterMode;
  /**
   * Real mode: also start the gateway (Traefik, see node-gateway.ts) in front of the node. Opt-in
   * while it is new: `ria dev --mode real` asks for it; the real-node tests do not yet.
   */
  gateway?: boolean;
  /** Fake kwok Nodes to create in full mode. */
  nodes?: number;
  /** Where PKI, data and logs go; a fresh temp dir by default, removed on stop unless keepDir. */
  dir?: string;
  keepDir?: boolean;
  onProgress?: (line: string) => void;
  binaries?: ClusterBinaries;
  /**
   * Flags added to a component's own (benchmarks: client QPS of the controller-manager and the
   * scheduler, the API server's audit log). Later flags win over earlier ones for these binaries.
   */
  extraArgs?: Partial<Record<ClusterComponent, string[]>>;
}

export type ClusterComponent = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok';

export interface LocalCluster {
  mode: ClusterMode;
  server: string;
  /** etcd's client URL (plain HTTP on loopback): benchmarks read its /debug/pprof with `--enable-pprof`. */
  etcdUrl: string;
  kubeconfigPath: string;
  kubeconfig: string;
  dir: string;
  logDir: string;
  binaries: ClusterBinaries;
  pids: Record<string, number>;
  /** The real node, in `real` mode: its namespace, registry, images and helpers (see RealNode). */
  node?: RealNode;
  /** The gateway (Traefik) in front of the real node: its GatewayClass and listener ports (see node-gateway.ts). */
  gateway?: RunningGateway;
  /** Milliseconds from start() to ready, binaries already built. */
  startupMs: number;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, component: string, group: ProcessGroup, logFile: string | undefined,
  timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    group.checkAllAlive();
    try { if (await check()) return; } catch (err) { lastError = err; }
    await sleep(100);
  }
  const why = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw new ClusterComponentError(component, `${what} not reached within ${timeoutMs / 1000}s${why}`, logFile);
}

/** Starts a local control plane on free loopback ports with a fresh PKI and data dir. */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const { mode, nodes = 3, onProgress = () => {} } = options;
  const binaries = options.binaries ?? await ensureBinaries(onProgress, { node: mode === 'real' });
  const started = Date.now();
  const dir = options.dir ?? await mkdtemp(join(tmpdir(), 'ria-cluster-'));
  const logDir = join(dir, 'logs');
  await mkdir(logDir, { recursive: true });
  const group = new ProcessGroup();
  const log = (name: string) => join(logDir, `${name}.log`);
  const extra = (component: ClusterComponent) => options.extraArgs?.[component] ?? [];
  let stopNode: (() => Promise<void>) | undefined;
  try {
    const pki = await createPki(join(dir, 'pki'));
    const [etcdClient, etcdPeer, apiPort, kcmPort, schedPort, kwokPort] = await freePorts(6) as [number, number, number, number, number, number];
    const server = `https://127.0.0.1:${apiPort}`;

    onProgress(`starting etcd on 127.0.0.1:${etcdClient}`);
    group.start('etcd', join(binaries.etcdDir, 'etcd'), [...etcdArgs(join(dir, 'etcd'), etcdClient, etcdPeer), ...extra('etcd')], log('etcd'));

    const plan: RealNodePlan | undefined = mode === 'real' ? await planRealNode(dir) : undefined;
    onProgress(`starting kube-apiserver on ${server}`);
    group.start('kube-apiserver', join(binaries.k8sDir, 'kube-apiserver'),
      [...apiserverArgs(pki, etcdClient, apiPort, mode), ...(plan ? realNodeApiserverArgs(plan, pki) : []), ...extra('kube-apiserver')], log('kube-apiserver'));
    const call = adminClient(server, pki);
    await waitFor('/readyz', 'kube-apiserver', group, log('kube-apiserver'), 60_000,
      async () => (await call('GET', '/readyz')).status === 200);

    const kubeconfig = await adminKubeconfig(server, pki);
    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, kubeconfig, { mode: 0o600 });

    let node: RealNode | undefined;
    let gateway: RunningGateway | undefined;
    if (mode === 'real' && plan) {
      onProgress('starting kube-controller-manager and kube-scheduler');
      group.start('kube-controller-manager', join(binaries.k8sDir, 'kube-controller-manager'), [...controllerManagerArgs(pki, kubeconfigPath, kcmPort), ...extra('kube-controller-manager')], log('kube-controller-manager'));
      group.start('kube-scheduler', join(binaries.k8sDir, 'kube-scheduler'), [...schedulerArgs(kubeconfigPath, schedPort), ...extra('kube-scheduler')], log('kube-scheduler'));
      const started = await startRealNode({
        plan, dir, logDir, apiPort, pki, binaries, group, call, onProgress,
        kanikoVersion: basename(binaries.node!.kanikoDir).replace(/^kaniko-/, ''),
        waitFor: (what, component, logFile, timeoutMs, check) => waitFor(what, component, group, logFile, timeoutMs, check),
      });
      node = started.node;
      stopNode = started.stop;
      await waitFor('the default ServiceAccount', 'kube-controller-manager', group, log('kube-controller-manager'), 60_000,
        async () => (await call('GET', '/api/v1/namespaces/default/serviceaccounts/default')).status === 200);
      if (options.gateway) gateway = await startNodeGateway({ binaries, dir, logDir, call, server, apiCaCert: pki.caCert, node, onProgress, checkAlive: () => group.checkAllAlive() });
    }
    if (mode === 'full') {
      onProgress('starting kube-controller-manager, kube-scheduler and kwok');
      group.start('kube-controller-manager', join(binaries.k8sDir, 'kube-controller-manager'), [...controllerManagerArgs(pki, kubeconfigPath, kcmPort), ...extra('kube-controller-manager')], log('kube-controller-manager'));
      group.start('kube-scheduler', join(binaries.k8sDir, 'kube-scheduler'), [...schedulerArgs(kubeconfigPath, schedPort), ...extra('kube-scheduler')], log('kube-scheduler'));
      const kwokConfig = join(dir, 'kwok.yaml');
      await writeFile(kwokConfig, await kwokStages(binaries.kwokDir));
      group.start('kwok', join(binaries.kwokDir, 'kwok'), [...kwokArgs(pki, kubeconfigPath, kwokConfig, kwokPort), ...extra('kwok')], log('kwok'));
      await createNodes(call, nodes);
      await waitFor(`${nodes} Ready kwok nodes`, 'kwok', group, log('kwok'), 60_000, async () => readyNodes(call, nodes));
      // ServiceAccount admission rejects pods until the controller-manager made the default SA.
      await waitFor('the default ServiceAccount', 'kube-controller-manager', group, log('kube-controller-manager'), 60_000,
        async () => (await call('GET', '/api/v1/namespaces/default/serviceaccounts/default')).status === 200);
    }
    const startupMs = Date.now() - started;
    onProgress(`local cluster (${mode}) ready in ${(startupMs / 1000).toFixed(1)}s: KUBECONFIG=${kubeconfigPath}`);
    let stopped = false;
    return {
      mode, server, etcdUrl: `http://127.0.0.1:${etcdClient}`, kubeconfigPath, kubeconfig, dir, logDir, binaries, startupMs, ...(node ? { node } : {}), ...(gateway ? { gateway } : {}),
      get pids() { return group.pids; },
      async stop() {
        if (stopped) return;
        stopped = true;
        await group.stop();
        if (stopNode) await stopNode();
        if (!options.keepDir && !options.dir) await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await group.stop(2000);
    if (stopNode) await stopNode();
    // Nothing of a failed start is worth keeping but the logs the error names.
    if (!options.keepDir && !options.dir) await rm(join(dir, 'etcd'), { recursive: true, force: true }).catch(() => {});
    throw err;
  }
}

function etcdArgs(dataDir: string, client: number, peer: number): string[] {
  return [
    '--name=node0', `--data-dir=${dataDir}`,
    `--listen-client-urls=http://127.0.0.1:${client}`, `--advertise-client-urls=http://127.0.0.1:${client}`,
    `--listen-peer-urls=http://127.0.0.1:${peer}`, `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
    `--initial-cluster=node0=http://127.0.0.1:${peer}`, '--unsafe-no-fsync', '--log-level=warn',
    // The metrics listener would otherwise take a fixed port (2381) and collide between clusters.
    '--listen-metrics-urls=',
  ];
}

function apiserverArgs(pki: Pki, etcd: number, port: number, mode: ClusterMode): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${etcd}`, '--etcd-prefix=/registry',
    '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${port}`,
    `--tls-cert-file=${pki.serverCert}`, `--tls-private-key-file=${pki.serverKey}`, `--client-ca-file=${pki.caCert}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.serviceAccountPub}`, `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    '--authorization-mode=Node,RBAC', '--allow-privileged=true', '--endpoint-reconciler-type=none',
    // Room for thousands of Services: a benchmark of 100 environments has 400.
    '--service-cluster-ip-range=10.96.0.0/16',
    // TaintNodesByCondition taints new Nodes not-ready until the node-lifecycle controller, which
    // we do not run (fake nodes must never be evicted), lifts it. Without a controller-manager
    // nobody creates default ServiceAccounts either; do as envtest does.
    `--disable-admission-plugins=${mode === 'apiserver' ? 'ServiceAccount,TaintNodesByCondition' : 'TaintNodesByCondition'}`,
  ];
}

function controllerManagerArgs(pki: Pki, kubeconfig: string, port: number): string[] {
  return [
    `--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`,
    `--root-ca-file=${pki.caCert}`, `--service-account-private-key-file=${pki.serviceAccountKey}`,
    '--bind-address=127.0.0.1', `--secure-port=${port}`, '--leader-elect=false',
    '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics',
    // kwok keeps node leases fresh, but fake nodes must never be evicted by a slow heartbeat.
    '--controllers=*,-node-lifecycle-controller',
  ];
}

function schedulerArgs(kubeconfig: string, port: number): string[] {
  return [
    `--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1', `--secure-port=${port}`, '--leader-elect=false',
    '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics',
  ];
}

function kwokArgs(pki: Pki, kubeconfig: string, config: string, port: number): string[] {
  return [
    `--kubeconfig=${kubeconfig}`, `--config=${config}`, '--manage-all-nodes=true',
    '--node-lease-duration-seconds=40', `--server-address=127.0.0.1:${port}`,
    `--tls-cert-file=${pki.serverCert}`, `--tls-private-key-file=${pki.serverKey}`,
  ];
}

async function kwokStages(kwokDir: string): Promise<string> {
  const stagesDir = join(kwokDir, 'stages');
  const files = (await readdir(stagesDir)).filter((f) => f.endsWith('.yaml')).sort();
  const docs = await Promise.all(files.map((f) => readFile(join(stagesDir, f), 'utf8')));
  return docs.map((d) => d.trim()).join('\n---\n') + '\n';
}

async function createNodes(call: AdminCall, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const name = `kwok-node-${i}`;
    const res = await call('POST', '/api/v1/nodes', {
      apiVersion: 'v1', kind: 'Node',
      metadata: { name, labels: { type: 'kwok', 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' },
        annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' } },
      spec: {},
    });
    if (res.status !== 201 && res.status !== 409) {
      throw new ClusterComponentError('kube-apiserver', `creating node ${name} failed: HTTP ${res.status} ${res.body.slice(0, 300)}`);
    }
  }
}

async function readyNodes(call: AdminCall, count: number): Promise<boolean> {
  const res = await call('GET', '/api/v1/nodes');
  if (res.status !== 200) return false;
  const list = JSON.parse(res.body) as { items: { status?: { conditions?: { type: string; status: string }[] } }[] };
  const ready = list.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  return ready.length >= count;
}
