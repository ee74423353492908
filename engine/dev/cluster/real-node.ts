import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, readdirSync, rmdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { connect as netConnect, createServer, type Socket, type Server } from 'node:net';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { ClusterBinaries, NodeBinaries } from './binaries.js';
import type { ProcessGroup } from './processes.js';
import { createNetns, removeNetns, nsenterArgs, netnsName, staleNetnsNames, type Netns } from './netns.js';
import { containerdPaths, writeContainerdFiles, containerdReady } from './containerd.js';
import { kubeletPaths, kubeletConfig, kubeletArgs, kubeProxyConfig, NODE_NAME } from './kubelet.js';
import { pushLocalImages, type LocalImages } from './images.js';
import { holdSysctls, releaseSysctls, createCgroupRoot, cleanUpNode } from './host-state.js';
import { issueClientCert, type Pki } from './pki.js';
import { clientKubeconfig } from './kubeconfig.js';
import type { AdminCall } from './admin-client.js';
import { ClusterComponentError } from './errors.js';
import { publishApiServer } from './api-service.js';

const run = promisify(execFile);

/** The registry as everything inside the node's namespace names it: containerd, and build pods
 * on the node's network (hostNetwork). Pods on the bridge reach the same registry at
 * `<bridgeIp>:5000`. docker.io is mirrored to it. */
export const REGISTRY_PORT = 5000;
/** The `kubernetes` Service's ClusterIP: the first address of the API server's --service-cluster-ip-range. */
export const API_SERVICE_IP = '10.96.0.1';

/**
 * A real node: kubelet, containerd (runc, CNI bridge), kube-proxy and a local registry inside a
 * network namespace of its own, next to the control plane of local-cluster.ts. This is the API
 * other components (a gateway, port forwards, tests) build on:
 *
 * - `netns`: the namespace (`name`, `path` for `nsenter --net=`, `bridgeIp` = the node's InternalIP
 *   and the pods' gateway, `podCidr`).
 * - `processes`: the cluster's ProcessGroup; anything started with `startInNetns` (or
 *   `processes.start`) is stopped, in reverse order, when the cluster stops.
 * - `startInNetns(name, command, args)`: a long-running process inside the namespace, logging to
 *   `<logDir>/<name>.log`. `exec(command, args)`: a one-shot command there.
 * - `connect(host, port)`: a TCP connection opened from inside the namespace (to a pod IP, a
 *   ClusterIP, the bridge address); `request(url)`: an HTTP request made from inside it.
 * - `publish(host, port)`: a host loopback port (free, returned) that reaches `host:port` inside
 *   the namespace: how a user's curl or a browser reaches a gateway on the node.
 * - `exposeHostPort(port)`: a host loopback port (the git server, say) reachable inside the
 *   namespace at `127.0.0.1:port` and `<bridgeIp>:port`.
 * - `registry` / `images`: the registry's name inside the namespace and the images pushed to it.
 */
export interface RealNode {
  /** What another process needs to use this node (JSON-serializable): see nodeClient(). */
  info: RealNodeInfo;
  netns: Netns;
  nodeName: string;
  registry: string;
  images: LocalImages;
  processes: ProcessGroup;
  cgroupRoot: string;
  startInNetns(name: string, command: string, args: string[]): void;
  exec(command: string, args: string[]): Promise<string>;
  connect(host: string, port: number): Promise<Socket>;
  request(url: string, options?: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number }): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>;
  publish(host: string, port: number): Promise<{ port: number; close(): Promise<void> }>;
  exposeHostPort(port: number): Promise<void>;
}

/** The node as another process (a test, a helper) sees it; nodeClient(info) gives it the helpers. */
export interface RealNodeInfo {
  netnsName: string;
  netnsPath: string;
  bridgeIp: string;
  connectSocket: string;
  sockDir: string;
  logDir: string;
  registry: string;
  images: LocalImages;
  /** The crane binary: run it in the namespace (`nsenter --net=<netnsPath>`) to reach the registry. */
  crane: string;
}

/** connect / request / publish / exposeHostPort for any process that has the node's info. */
export function nodeClient(info: RealNodeInfo) {
  const connect = (host: string, port: number, signal?: AbortSignal) => connectVia(info.connectSocket, host, port, signal);
  return {
    connect,
    request: (url: string, options: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {}) => requestVia(connect, url, options),
    publish: (host: string, port: number) => publishVia(connect, host, port),
    /** The host loopback `port` inside the namespace (at 127.0.0.1:port and bridgeIp:port), by two
     * agents in `group` (stopped with it). */
    exposeHostPort: async (port: number, group: ProcessGroup): Promise<void> => {
      const sock = join(info.sockDir, `host-${port}.sock`);
      const hostLog = join(info.logDir, `agent-host-${port}.log`);
      const nsLog = join(info.logDir, `agent-netns-${port}.log`);
      group.start(`agent-host-${port}`, process.execPath, [agentScript(), `--forward=unix:${sock}=tcp:127.0.0.1:${port}`], hostLog);
      const [cmd, args] = nsenterArgs({ path: info.netnsPath }, process.execPath, [agentScript(), `--forward=tcp:0.0.0.0:${port}=unix:${sock}`]);
      group.start(`agent-netns-${port}`, cmd, args, nsLog);
      const deadline = Date.now() + 15_000;
      while (!((await fileHas(nsLog, 'ready')) && (await fileHas(hostLog, 'ready')))) {
        group.checkAllAlive();
        if (Date.now() > deadline) throw new ClusterComponentError(`agent-netns-${port}`, `host port ${port} not exposed in the namespace within 15s`, nsLog);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

/** Files the API server needs before it starts (its egress goes through the node's proxy). */
export interface RealNodePlan {
  netnsName: string;
  sockDir: string;
  /** HTTP CONNECT proxy inside the namespace (a unix socket): the API server's egress to kubelet and pods. */
  connectSocket: string;
  egressConfig: string;
}

export async function planRealNode(dir: string): Promise<RealNodePlan> {
  const sockDir = join(dir, 'sock');
  await mkdir(sockDir, { recursive: true });
  const connectSocket = join(sockDir, 'connect.sock');
  const egressConfig = join(dir, 'egress-selector.yaml');
  await writeFile(egressConfig, [
    'apiVersion: apiserver.k8s.io/v1beta1',
    'kind: EgressSelectorConfiguration',
    'egressSelections:',
    '- name: cluster',
    '  connection:',
    '    proxyProtocol: HTTPConnect',
    '    transport:',
    '      uds:',
    `        udsName: ${connectSocket}`,
    '',
  ].join('\n'));
  return { netnsName: netnsName(), sockDir, connectSocket, egressConfig };
}

/** API server flags for a real node: its egress, and the kubelet reached at its InternalIP. */
export function realNodeApiserverArgs(plan: RealNodePlan, pki: Pki): string[] {
  return [
    `--egress-selector-config-file=${plan.egressConfig}`,
    '--kubelet-preferred-address-types=InternalIP',
    `--kubelet-client-certificate=${pki.adminCert}`, `--kubelet-client-key=${pki.adminKey}`,
  ];
}

export const agentScript = (): string => fileURLToPath(new URL('./netns-agent.js', import.meta.url));

interface StartOptions {
  plan: RealNodePlan;
  dir: string;
  logDir: string;
  apiPort: number;
  pki: Pki;
  binaries: ClusterBinaries;
  kanikoVersion: string;
  group: ProcessGroup;
  call: AdminCall;
  onProgress: (line: string) => void;
  waitFor: (what: string, component: string, logFile: string | undefined, timeoutMs: number, check: () => Promise<boolean>) => Promise<void>;
}

/** Starts the node's parts in order; `stop` (returned) undoes them in reverse and puts back the host. */
export async function startRealNode(o: StartOptions): Promise<{ node: RealNode; stop: () => Promise<void> }> {
  const bins = o.binaries.node;
  if (!bins) throw new ClusterComponentError('real-node', 'the node binaries are not built (test/cluster/build.sh --node)');
  const log = (name: string) => join(o.logDir, `${name}.log`);
  for (const stale of await staleNetnsNames()) {
    await removeNetns(stale);
    o.onProgress(`removed network namespace ${stale} left by a run that was killed`);
  }
  const sysctlHolder = `${process.pid}:${o.plan.netnsName}`;
  holdSysctls(sysctlHolder);
  const cgroupRoot = o.plan.netnsName;
  let netns: Netns | undefined;
  const undo = async () => {
    // The processes were stopped by the caller's group.stop(); what they leave is removed here.
    const done = await cleanUpNode(o.dir, cgroupRoot).catch((err: Error) => [`cleanup failed: ${err.message}`]);
    const restored = releaseSysctls(sysctlHolder);
    if (netns) await removeNetns(netns.name);
    removeExitCleanup();
    o.onProgress(`real node removed: network namespace ${o.plan.netnsName}${done.length ? `; ${done.join('; ')}` : ''}${restored.length ? `; sysctls put back (${restored.join(', ')})` : ''}`);
  };
  const removeExitCleanup = installExitCleanup(o.dir, cgroupRoot, sysctlHolder, o.plan.netnsName);
  try {
    netns = await createNetns(o.plan.netnsName);
    await createCgroupRoot(cgroupRoot);
    o.onProgress(`network namespace ${netns.name}: bridge ${netns.bridge} ${netns.bridgeIp}, pods ${netns.podCidr}`);
    const ns = netns;
    const startInNetns = (name: string, command: string, args: string[]) => {
      const [cmd, a] = nsenterArgs(ns, command, args);
      o.group.start(name, cmd, a, log(name));
    };
    const exec = async (command: string, args: string[]) => {
      const [cmd, a] = nsenterArgs(ns, command, args);
      try {
        return (await run(cmd, a, { maxBuffer: 64 << 20 })).stdout;
      } catch (err) {
        const e = err as { stderr?: string; message: string };
        throw new ClusterComponentError('real-node', `${command} ${args.join(' ')} (in ${ns.name}) failed: ${(e.stderr ?? e.message).trim().slice(-800)}`, undefined, err);
      }
    };

    // The bridge to the host: the API server's port in the namespace, and the CONNECT proxy.
    const apiSock = join(o.plan.sockDir, 'api.sock');
    o.group.start('agent-host', process.execPath, [agentScript(), `--forward=unix:${apiSock}=tcp:127.0.0.1:${o.apiPort}`], log('agent-host'));
    startInNetns('agent-netns', process.execPath, [agentScript(), `--forward=tcp:0.0.0.0:${o.apiPort}=unix:${apiSock}`, `--connect-proxy=unix:${o.plan.connectSocket}`]);
    await o.waitFor('the namespace agents', 'agent-netns', log('agent-netns'), 15_000, async () =>
      (await fileHas(log('agent-netns'), 'ready')) && (await fileHas(log('agent-host'), 'ready')));
    const connect = (host: string, port: number, signal?: AbortSignal) => connectVia(o.plan.connectSocket, host, port, signal);

    // The registry and the images (the pause image must be there before the first pod).
    const registry = `127.0.0.1:${REGISTRY_PORT}`;
    await mkdir(join(o.dir, 'registry'), { recursive: true });
    startInNetns('registry', join(bins.craneDir, 'crane'), ['registry', 'serve', `--address=0.0.0.0:${REGISTRY_PORT}`, `--disk=${join(o.dir, 'registry')}`]);
    await o.waitFor('the registry', 'registry', log('registry'), 15_000, async () =>
      (await requestVia(connect, `http://${registry}/v2/`, {})).status === 200);
    const images = await pushLocalImages((args) => exec(join(bins.craneDir, 'crane'), args), registry, bins, o.kanikoVersion, o.onProgress);

    const cd = containerdPaths(o.dir);
    await writeContainerdFiles(cd, bins, ns, images.pause, registry, ['docker.io', `${ns.bridgeIp}:${REGISTRY_PORT}`]);
    o.onProgress(`starting containerd and kubelet in ${ns.name}`);
    startInNetns('containerd', join(bins.containerdDir, 'containerd'), [`--config=${cd.config}`, '--log-level=warn']);
    await o.waitFor('containerd socket', 'containerd', log('containerd'), 30_000, () => containerdReady(cd));

    const kp = kubeletPaths(o.dir);
    await mkdir(kp.rootDir, { recursive: true });
    const nodeCert = await issueClientCert(o.pki, 'kubelet', `/O=system:nodes/CN=system:node:${NODE_NAME}`);
    const server = `https://127.0.0.1:${o.apiPort}`;
    await writeFile(kp.kubeconfig, await clientKubeconfig(server, o.pki, nodeCert, 'ria-local', NODE_NAME), { mode: 0o600 });
    await writeFile(kp.config, kubeletConfig(kp, ns, cd.socket, o.pki.caCert, `/${cgroupRoot}`, join(o.dir, 'pod-logs')));
    startInNetns('kubelet', join(o.binaries.k8sDir, 'kubelet'), kubeletArgs(kp, ns));

    const proxyKubeconfig = join(o.dir, 'kube-proxy.kubeconfig');
    const proxyCert = await issueClientCert(o.pki, 'kube-proxy', '/CN=system:kube-proxy');
    await writeFile(proxyKubeconfig, await clientKubeconfig(server, o.pki, proxyCert, 'ria-local', 'kube-proxy'), { mode: 0o600 });
    const proxyConfig = join(o.dir, 'kube-proxy.yaml');
    await writeFile(proxyConfig, kubeProxyConfig(proxyKubeconfig, ns));
    startInNetns('kube-proxy', join(o.binaries.k8sDir, 'kube-proxy'), [`--config=${proxyConfig}`, '--v=1']);
    // In-cluster clients (the engine `ria install` deploys) reach the API server at the
    // `kubernetes` Service's ClusterIP; its endpoint is the API server's forward on the node.
    await publishApiServer(o.call, ns.bridgeIp, o.apiPort, (what, check) => o.waitFor(what, 'kube-apiserver', log('kube-apiserver'), 30_000, check));

    await o.waitFor(`Node ${NODE_NAME} Ready`, 'kubelet', log('kubelet'), 90_000, async () => nodeReady(o.call, NODE_NAME));
    await o.waitFor(`the kubernetes Service (${API_SERVICE_IP}:443) reachable from the node`, 'kube-proxy', log('kube-proxy'), 30_000, async () => {
      (await connect(API_SERVICE_IP, 443)).destroy();
      return true;
    });
    o.onProgress(`node ${NODE_NAME} Ready (InternalIP ${ns.bridgeIp}); registry ${registry} in the namespace`);

    const info: RealNodeInfo = {
      netnsName: ns.name, netnsPath: ns.path, bridgeIp: ns.bridgeIp, connectSocket: o.plan.connectSocket,
      sockDir: o.plan.sockDir, logDir: o.logDir, registry, images, crane: join(bins.craneDir, 'crane'),
    };
    const client = nodeClient(info);
    const node: RealNode = {
      info, netns: ns, nodeName: NODE_NAME, registry, images, processes: o.group, cgroupRoot,
      startInNetns, exec, connect: client.connect, request: client.request, publish: client.publish,
      exposeHostPort: (port) => client.exposeHostPort(port, o.group),
    };
    return { node, stop: undo };
  } catch (err) {
    await o.group.stop(2000);
    await undo();
    throw err;
  }
}

async function fileHas(file: string, text: string): Promise<boolean> {
  return (await readFile(file, 'utf8').catch(() => '')).includes(text);
}

async function nodeReady(call: AdminCall, name: string): Promise<boolean> {
  const res = await call('GET', `/api/v1/nodes/${name}`);
  if (res.status !== 200) return false;
  const n = JSON.parse(res.body) as { status?: { conditions?: { type: string; status: string }[] } };
  return !!n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** A TCP connection from inside the namespace, through its CONNECT proxy. */
export function connectVia(proxySocket: string, host: string, port: number, signal?: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect(proxySocket);
    // Aborted before the proxy answered: closing our end makes the proxy drop its dial too (a SYN
    // to a pod that just went away is otherwise retried by the kernel for about two minutes).
    const onAbort = () => { s.destroy(); reject(signal!.reason instanceof Error ? signal!.reason : new Error(`connect to ${host}:${port} aborted`)); };
    if (signal?.aborted) { onAbort(); return; }
    signal?.addEventListener('abort', onAbort, { once: true });
    s.once('close', () => signal?.removeEventListener('abort', onAbort));
    s.once('error', reject);
    s.once('connect', () => s.write(`CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`));
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      s.off('data', onData);
      s.off('error', reject);
      const status = head.subarray(0, end).toString('latin1');
      if (!/^HTTP\/1\.[01] 200/.test(status)) {
        s.destroy();
        reject(new Error(`cannot reach ${host}:${port} in the node's namespace: ${status.split('\r\n')[0]} ${head.subarray(end + 4).toString('utf8').trim()}`));
        return;
      }
      const rest = head.subarray(end + 4);
      if (rest.length) s.unshift(rest);
      signal?.removeEventListener('abort', onAbort);
      resolve(s);
    };
    s.on('data', onData);
  });
}

/**
 * One HTTP request through the node's CONNECT proxy. `timeoutMs` (default 10 s) bounds all of it,
 * the dial included: a Service whose iptables rules still point at a pod that just went away
 * leaves the dial unanswered for about two minutes, which would hold a caller's poll loop past
 * its own deadline.
 */
function requestVia(connect: (host: string, port: number, signal?: AbortSignal) => Promise<Socket>, url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number }): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const u = new URL(url);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new Error(`timeout after ${timeoutMs} ms: ${url}`)), timeoutMs);
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
    connect(u.hostname, Number(u.port || 80), deadline.signal).then((socket) => {
      const req = httpRequest({
        host: u.hostname, port: u.port || 80, path: `${u.pathname}${u.search}`, method: options.method ?? 'GET',
        headers: options.headers ?? {}, createConnection: () => socket, signal: deadline.signal,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', (err) => reject(deadline.signal.aborted ? deadline.signal.reason : err));
      if (options.body !== undefined) req.write(options.body);
      req.end();
    }, reject);
  }).finally(() => clearTimeout(timer));
}

async function publishVia(connect: (host: string, port: number) => Promise<Socket>, host: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((client) => {
    client.pause();
    connect(host, port).then((upstream) => {
      client.pipe(upstream); upstream.pipe(client); client.resume();
      const end = () => { client.destroy(); upstream.destroy(); };
      client.on('error', end); upstream.on('error', end); client.on('close', end); upstream.on('close', end);
    }, () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', () => resolve()); });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * When the process exits without stop() (a signal, an uncaught error), the ProcessGroup's exit
 * hook SIGKILLs the components; this runs after it, synchronously, and puts the host back.
 */
function installExitCleanup(dir: string, cgroupRoot: string, sysctlHolder: string, name: string): () => void {
  const onExit = () => {
    try {
      for (const entry of readdirSync('/proc')) {
        const pid = Number(entry);
        if (!Number.isInteger(pid) || pid === process.pid) continue;
        let cmd = '', cg = '';
        try { cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8'); cg = readFileSync(`/proc/${pid}/cgroup`, 'utf8'); } catch { continue; }
        if (cmd.includes(dir) || cg.includes(`/${cgroupRoot}/`)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
      }
      const points = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l: string) => l.split(' ')[4])
        .filter((p: string | undefined): p is string => !!p && p.startsWith(`${dir}/`)).sort((a: string, b: string) => b.length - a.length);
      for (const p of points) { try { execFileSync('umount', ['-l', p]); } catch { /* already gone */ } }
      try { releaseSysctls(sysctlHolder); } catch { /* the record is unreadable: nothing to put back */ }
      try { execFileSync('ip', ['netns', 'delete', name], { stdio: 'ignore' }); } catch { /* already gone */ }
      const rmTree = (d: string): void => {
        let entries: import('node:fs').Dirent[] = [];
        try { entries = readdirSync(d, { withFileTypes: true }); } catch { return; }
        for (const e of entries) if (e.isDirectory()) rmTree(join(d, e.name));
        try { rmdirSync(d); } catch { /* busy or gone */ }
      };
      for (const line of readFileSync('/proc/self/mounts', 'utf8').split('\n')) {
        const f = line.split(' ');
        if (f[2] === 'cgroup' || f[2] === 'cgroup2') rmTree(join(f[1]!, cgroupRoot));
      }
    } catch { /* best effort on the way out */ }
  };
  process.once('exit', onExit);
  return () => process.off('exit', onExit);
}

