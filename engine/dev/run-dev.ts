/**
 * The flow behind `npm start` (`ria dev`), as one function the command and its integration test
 * share: a local control plane (or the one given), Ria's and the Gateway API's CRDs, the examples
 * served from a local git server, the engine in-process with the GitHub webhook route, and a live
 * table of the environments until every example is Ready. `stop()` undoes all of it.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { startLocalCluster, type LocalCluster } from './cluster/local-cluster.js';
import { ensureBinaries } from './cluster/binaries.js';
import { startGitServer, type GitServer } from './git-server.js';
import { commitFiles, createRepo } from './git-fixtures.js';
import { CONFIG_EXAMPLE, EXAMPLES_PORT, configApps, defaultExamplesDir, listExamples, readExample, servedFiles, servedRepoName } from './examples.js';
import { removeDevState, writeDevState, type DevState } from './dev-state.js';
import { createTablePrinter, environmentsReady } from './live-table.js';
import { demoObjects, GATEWAY_NAME } from './demo-objects.js';
import { startDevGateway, type DevGateway } from './dev-gateway.js';
import { DEFAULT_DOMAIN } from '../controller/environment/cluster-settings.js';
import { homedir } from 'node:os';
import type { ServedRepos } from './dev-repos.js';
import type { DevConfig } from './examples.js';
import { nodeClient, type RealNodeInfo } from './cluster/real-node.js';
import { ProcessGroup } from './cluster/processes.js';
import type { RunningGateway } from './cluster/gateway.js';
import type { Socket } from 'node:net';
import { publishReadOnlyRegistry } from './cluster/registry-proxy.js';
import { createEngine } from '../controller/create.js';
import { ensureCrds } from '../controller/install-crds.js';
import { riaCrds } from '../crds/definitions.js';
import type { Engine } from '../controller/engine.js';
import type { EngineContext } from '../controller/context.js';
import { KubeRest } from '../kube/rest.js';
import { KubeObjects, type KubeObject } from '../kube/objects.js';
import { createLogger, type Logger } from '../observe/logger.js';
import { startHttpServer, type RunningHttpServer } from '../server/http-server.js';
import { createGitHubIntegration, WEBHOOK_PATH } from '../github/index.js';
import { listEnvironments, watchEnvironments } from '../cli/ps-command.js';
import type { Environment } from '../crds/types.js';
import { RiaError, errorMessage } from '../errors.js';

export interface RunDevOptions {
  /**
   * The local cluster's mode when one is started: `full` (kwok: pods simulated) or `real` (a
   * real node and its gateway: the URLs answer). Default full.
   */
  mode?: 'full' | 'real';
  /** Called once the real gateway is reachable from this machine (real mode): its ports and CA. */
  onGateway?: (gateway: DevGateway) => void;
  /**
   * A running cluster to use (tests); without it a local cluster is started. With `node` and
   * `gateway` (a real-mode cluster and its Traefik, e.g. the test runner's), the examples run on
   * that node behind that gateway, as `ria dev` does in real mode.
   */
  cluster?: { kubeconfigPath: string; gatewayCrdsPath: string; node?: RealNodeInfo; gateway?: RunningGateway };
  /** Host ports for the gateway's HTTP and HTTPS listeners (default 8080/8443, any free port when taken). */
  gatewayPorts?: { http: number; https: number };
  /** kwok nodes of the started control plane. */
  nodes?: number;
  /** Ria's namespace. */
  namespace?: string;
  examplesDir?: string;
  /** Where the pointer for `ria dev push|pr` is written (see dev-state.ts). */
  statePath: string;
  /** Port the git server tries first (7080, the one the example config names); 0: any. */
  gitPort?: number;
  /** Progress lines (control plane build and start, set-up steps). */
  onProgress?: (line: string) => void;
  /** The environments, whenever a row changed, at most once per `tableIntervalMs`. */
  onTable?: (envs: Environment[]) => void;
  tableIntervalMs?: number;
  now?: () => number;
  /** Ctrl-C during set-up: stop after the current step and undo what was started. */
  signal?: AbortSignal;
}

/** What runDev uses of a real node: its registry and images (builds), a way in, the git server's port inside. */
interface NodeAccess {
  registry: string;
  images: RealNodeInfo['images'];
  connect(host: string, port: number): Promise<Socket>;
  exposeHostPort(port: number): Promise<void>;
}

export interface DevTimings {
  /** Control plane up (0 when one was given). */
  clusterMs: number;
  /** CRDs, git server, examples and engine up, after the control plane. */
  setupMs: number;
  /** From start to every example environment Ready. */
  readyMs?: number;
}

export interface DevSession {
  /** Where the pods run: `real` (a real node; URLs answer when `gateway` is there) or `full` (kwok). */
  mode: 'full' | 'real';
  state: DevState;
  apps: string[];
  examples: string[];
  cluster?: LocalCluster;
  /** Real mode: the gateway's host ports and CA (URLs answer at http://<host>:<httpPort>/). */
  gateway?: DevGateway;
  kc: KubeConfig;
  git: GitServer;
  engine: Engine;
  ctx: EngineContext;
  repos: ServedRepos;
  logPath: string;
  timings: DevTimings;
  /** Resolves once every example app has an environment and all are Ready. */
  ready: Promise<DevTimings>;
  /** The environments last seen by the table's watch. */
  environments(): Environment[];
  stop(): Promise<void>;
}

export async function runDev(options: RunDevOptions): Promise<DevSession> {
  const { namespace = 'ria-system', statePath, onProgress = () => {}, now = Date.now, signal } = options;
  const checkpoint = () => { if (signal?.aborted) throw new DevStoppedError(); };
  const examplesDir = options.examplesDir ?? defaultExamplesDir();
  const started = now();
  const cleanups: Array<() => Promise<void>> = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    // Read the examples first: a broken checkout fails before anything is started.
    const examples = await listExamples(examplesDir);
    const configFiles = await readExample(examplesDir, CONFIG_EXAMPLE);
    const apps = configApps(configFiles);

    let cluster: LocalCluster | undefined;
    let kubeconfigPath: string;
    let gatewayCrds: Promise<KubeObject[]>;
    let node: NodeAccess | undefined;
    let runningGateway: RunningGateway | undefined;
    if (options.cluster) {
      kubeconfigPath = options.cluster.kubeconfigPath;
      gatewayCrds = gatewayApiCrds(options.cluster.gatewayCrdsPath);
      if (options.cluster.node) {
        // Agents this session starts for the node (the git server's port) are its own, stopped with it.
        const group = new ProcessGroup();
        cleanups.push(() => group.stop());
        const client = nodeClient(options.cluster.node);
        node = { registry: options.cluster.node.registry, images: options.cluster.node.images, connect: client.connect, exposeHostPort: (p) => client.exposeHostPort(p, group) };
        runningGateway = options.cluster.gateway;
      }
    } else {
      const mode = options.mode ?? 'full';
      const binaries = await ensureBinaries(onProgress, { node: mode === 'real' });
      // Parsing the Gateway API CRDs (1 MB of YAML) takes seconds: do it while the cluster starts.
      gatewayCrds = gatewayApiCrds(join(binaries.gatewayApiDir, 'standard-install.yaml'));
      onProgress(mode === 'real'
        ? 'starting the local control plane with a real node (pods run in a network namespace, behind a gateway)'
        : 'starting the local control plane (full mode: pods are simulated by kwok)');
      // Without Traefik (--mode real before build.sh --gateway) the pods still run; nothing serves the URLs.
      const gateway = mode === 'real' && !!binaries.node?.traefikDir;
      if (mode === 'real' && !gateway) onProgress('Traefik is not built (test/cluster/build.sh --gateway): pods run on the real node, but no gateway serves the URLs');
      cluster = await startLocalCluster({ mode, nodes: options.nodes ?? 3, onProgress, binaries, gateway });
      cleanups.push(() => cluster!.stop());
      kubeconfigPath = cluster.kubeconfigPath;
      if (cluster.node) {
        const n = cluster.node;
        node = { registry: n.registry, images: n.images, connect: (h, p) => n.connect(h, p), exposeHostPort: (p) => n.exposeHostPort(p) };
      }
      runningGateway = cluster.gateway;
    }
    // The engine runs on this host: it asks the registry whether a commit's image is built already
    // (a reset branch, a second branch at one commit) through a loopback port published to it,
    // read-only (GET and HEAD, Host 127.0.0.1 or localhost): the registry takes pushes unauthenticated.
    let registryEndpoint: string | undefined;
    if (node) {
      const [host, port] = node.registry.split(':') as [string, string];
      const published = await publishReadOnlyRegistry(node.connect, host, Number(port));
      cleanups.push(() => published.close());
      registryEndpoint = `http://127.0.0.1:${published.port}`;
    }
    const devConfig: DevConfig = { gateway: { namespace, name: GATEWAY_NAME }, ...(node ? { node: { registry: node.registry, images: node.images, ...(registryEndpoint ? { registryEndpoint } : {}) } } : {}) };
    gatewayCrds.catch(() => undefined);
    const clusterReady = now();
    checkpoint();

    const dir = await mkdtemp(join(tmpdir(), 'ria-dev-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const logPath = join(dir, 'engine.log');
    const logStream = createWriteStream(logPath, { flags: 'a' });
    cleanups.push(() => new Promise<void>((resolve) => logStream.end(resolve)));
    const log: Logger = createLogger({ stream: logStream, level: 'info', base: { component: 'ria-dev' } });

    let devGateway: DevGateway | undefined;
    const { KubeConfig: KubeConfigClass } = await import('@kubernetes/client-node');
    const kc = new KubeConfigClass();
    kc.loadFromFile(kubeconfigPath);
    const objects = new KubeObjects(new KubeRest(kc));
    cleanups.push(async () => objects.rest.close());
    onProgress('installing Ria\'s CRDs and the Gateway API CRDs; serving examples/ from a local git server');
    // The CRDs (one per call, each waiting for its own Established condition: a cold API server
    // answers them in parallel much sooner) and the git repositories are independent: at once.
    const crdsStarted = now();
    const installing = (async () => {
      const crds = [...(riaCrds as unknown as KubeObject[]), ...await gatewayCrds];
      await Promise.all(crds.map((crd) => ensureCrds(objects, 60_000, [crd])));
      for (const obj of demoObjects(namespace, { recordOnlyGateway: !runningGateway })) await objects.apply(obj, { force: true });
      if (runningGateway && node) {
        // The real gateway serves the examples' Gateway; host loopback ports reach it.
        const n = node;
        const gw = await startDevGateway({
          objects, gateway: runningGateway, namespace, name: GATEWAY_NAME, domain: DEFAULT_DOMAIN,
          connect: (host, port) => n.connect(host, port),
          caDir: join(process.env.RIA_CACHE_DIR ?? join(homedir(), '.cache', 'ria'), 'dev-ca'), dir,
          ...(options.gatewayPorts ? { ports: options.gatewayPorts } : {}),
        });
        cleanups.push(() => gw.close());
        devGateway = gw;
        options.onGateway?.(gw);
        onProgress(`gateway: http://<app URL host>:${gw.httpPort}/ and https://…:${gw.httpsPort}/ (curl --cacert ${gw.caCert})`);
      }
      onProgress(`CRDs established, Gateway and demo Secret created in ${((now() - crdsStarted) / 1000).toFixed(1)}s`);
    })();
    const serving = (async () => {
      const git = await startPreferred(join(dir, 'git'), options.gitPort ?? EXAMPLES_PORT);
      cleanups.push(() => git.stop());
      await mkdir(join(git.root, 'ria-examples'), { recursive: true });
      await Promise.all([CONFIG_EXAMPLE, ...examples].map(async (example) => {
        const files = example === CONFIG_EXAMPLE ? configFiles : await readExample(examplesDir, example);
        await createRepo(git, servedRepoName(example));
        await commitFiles(git, servedRepoName(example), 'main', servedFiles(example, files, git.url, devConfig), `Import examples/${example}`,
          { date: new Date(now()).toISOString() });
      }));
      // Build pods run on the node's network: the git server's port is there too, at the same number.
      if (node) await node.exposeHostPort(Number(new URL(git.url).port));
      onProgress(`serving ${[CONFIG_EXAMPLE, ...examples].map((e) => `examples/${e}`).join(', ')} at ${git.url}/ria-examples/${node ? ' (also inside the node\'s network, for builds)' : ''}`);
      return git;
    })();
    const [git] = await Promise.all([serving, installing]);
    checkpoint();

    const webhookSecret = randomBytes(24).toString('hex');
    let engine: Engine | undefined;
    let ctx: EngineContext | undefined;
    const github = createGitHubIntegration({
      objects, namespace, log, webhookSecret,
      settings: () => ctx!.settings(),
      engine: { poke: (url, push) => engine?.poke(url, push) },
    });
    ({ engine, ctx } = createEngine({
      kc, namespace, log, gitCacheDir: join(dir, 'git-cache'), gitTimeoutMs: 10_000,
      config: { url: git.urlFor(servedRepoName(CONFIG_EXAMPLE)), branch: 'main', path: '' },
      sources: github.sources, hooks: github.hooks,
    }));
    // The webhook listener only, as in a cluster (where probes and /metrics have a port of their
    // own); nothing probes `ria dev`, and its table says when the environments are Ready.
    const http: RunningHttpServer = await startHttpServer({
      name: 'webhook', host: '127.0.0.1', port: 0, logger: log, routes: github.routes,
    });
    cleanups.push(() => http.close());
    engine.start();
    cleanups.push(async () => { await engine!.stop(); await github.reporter.idle(); });

    const state: DevState = {
      version: 1, pid: process.pid, startedAt: new Date(started).toISOString(),
      gitRoot: git.root, gitUrl: git.url, examplesDir, kubeconfigPath, namespace,
      webhookUrl: `${http.url}${WEBHOOK_PATH}`, webhookSecret, devConfig,
    };
    await writeDevState(statePath, state);
    cleanups.push(() => removeDevState(statePath));
    const timings: DevTimings = { clusterMs: clusterReady - started, setupMs: now() - clusterReady };

    // The table, and readiness, from a watch on the Environments in Ria's namespace.
    let latest: Environment[] = [];
    let markReady: (t: DevTimings) => void = () => {};
    let markFailed: (err: Error) => void = () => {};
    const ready = new Promise<DevTimings>((resolve, reject) => { markReady = resolve; markFailed = reject; });
    ready.catch(() => undefined);
    let isReady = false;
    // Ready is announced after the table that shows it, so the last table above the announcement
    // is the all-Ready one; the time is taken when the watch saw it.
    const printer = createTablePrinter({
      print: (envs) => {
        options.onTable?.(envs);
        if (!isReady && timings.readyMs !== undefined && environmentsReady(envs, apps).ready) {
          isReady = true;
          markReady({ ...timings });
        }
      },
      ...(options.tableIntervalMs !== undefined ? { minIntervalMs: options.tableIntervalMs } : {}), now,
    });
    cleanups.push(async () => printer.stop());
    const seen = (envs: Environment[]) => {
      latest = envs;
      if (timings.readyMs === undefined && environmentsReady(envs, apps).ready) timings.readyMs = now() - started;
      printer.update(envs);
    };
    // Through KubeRest, which waits out the API server's 429 "storage is (re)initializing" that a
    // CRD's first requests can get just after it is Established.
    const initial = await listEnvironments(objects.rest, namespace);
    const stopWatch = new AbortController();
    const watching = watchEnvironments(objects.rest, namespace, initial, seen,
      (err) => log.warn('environment watch interrupted; resuming', { error: errorMessage(err) }), stopWatch.signal);
    cleanups.push(async () => { stopWatch.abort(); await watching; });
    seen(initial.items);

    let stopped = false;
    return {
      mode: node ? 'real' : 'full', state, apps, examples, ...(cluster ? { cluster } : {}), ...(devGateway ? { gateway: devGateway } : {}), kc, git, engine, ctx, logPath, timings, ready,
      repos: { gitRoot: git.root, gitUrl: git.url, examplesDir, webhook: { url: state.webhookUrl, secret: webhookSecret }, devConfig },
      environments: () => latest,
      async stop() {
        if (stopped) return;
        stopped = true;
        if (!isReady) markFailed(new Error('ria dev stopped before every environment was Ready'));
        await cleanup();
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Set-up was interrupted (Ctrl-C): everything started so far has been stopped. */
export class DevStoppedError extends RiaError {
  constructor() {
    super('DevStopped', 'ria dev was stopped during set-up; everything it had started is stopped');
  }
}

/** The git server on the port the example config names, or any free port when it is taken. */
async function startPreferred(root: string, port: number): Promise<GitServer> {
  await mkdir(root, { recursive: true });
  if (port === 0) return startGitServer({ root });
  try {
    return await startGitServer({ root, port });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    return startGitServer({ root });
  }
}

async function gatewayApiCrds(path: string): Promise<KubeObject[]> {
  const crds = parseAllDocuments(await readFile(path, 'utf8'))
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o?.kind === 'CustomResourceDefinition');
  if (crds.length === 0) throw new Error(`no CustomResourceDefinition in ${path}`);
  return crds;
}
