import { join } from 'node:path';
import type { Command, CommandIO } from './command.js';
import { RiaError, UsageError } from '../errors.js';
import { startLocalCluster, type ClusterMode } from '../dev/cluster/local-cluster.js';
import { runDev, DevStoppedError, type DevSession, type DevTimings, type RunDevOptions } from '../dev/run-dev.js';
import { defaultStatePath, readDevState, requireDevState, type DevState } from '../dev/dev-state.js';
import { closePullRequest, openPullRequest, pushExample, type ServedRepos } from '../dev/dev-repos.js';
import { formatEnvironmentTable } from '../observe/environment-table.js';
import { DEMO_SECRET } from '../dev/demo-objects.js';
import { endpointHost, environmentNamespace } from '../render/names.js';
import { DEFAULT_DOMAIN } from '../controller/environment/cluster-settings.js';
import type { Environment } from '../crds/types.js';
import { chooseDevMode, type DevMode, type DevModeChoice } from '../dev/dev-mode.js';
import { realNodeCapability } from '../dev/cluster/capability.js';
import { missingRealBinaries } from '../dev/cluster/binaries.js';

const usage = `Usage: ria dev [--simulate | --mode full|real]      deploy the examples on a local cluster
       ria dev push EXAMPLE [--branch B] [-m MSG]  commit examples/EXAMPLE to the served repo
       ria dev pr open|close EXAMPLE BRANCH        open or close a pull request (a preview environment)
       ria dev --cluster-only [--mode full|apiserver|real] [--nodes N]

ria dev (what "npm start" runs) starts a local Kubernetes cluster, installs Ria's CRDs and the
Gateway API CRDs, serves examples/ from a local git server, runs the Ria engine against it, and
prints the environments until all are Ready, then keeps running until Ctrl-C, which stops
everything it started. It says which of two clusters it chose, and why:

  real node   when this machine can run one (Linux, root, the host tools) and its binaries are
              built (test/cluster/build.sh --node --gateway): pods run in a network namespace,
              the api example is built by Kaniko, and the URLs answer through a gateway (Traefik)
              on host ports 8080 (HTTP) and 8443 (HTTPS, a local CA: curl --cacert ...)
  simulated   otherwise, or with --simulate: kwok's fake nodes mark pods Running without running
              containers, builds complete without Kaniko, nothing answers on the URLs

The first run builds the control-plane binaries from the Go module proxy (needs Go 1.26, takes
about 30 min on 2 cores); later runs reuse them from ~/.cache/ria and start in seconds.

While it runs, from another terminal (with npm: npm start -- push hello):
  push      commits the working copy of examples/EXAMPLE (config, hello, api, notes) to BRANCH
            (default main; a new branch starts from main) and sends GitHub's push webhook
  pr open   opens a pull request from BRANCH: Ria creates its preview environment
  pr close  closes it: Ria removes the preview

Options:
  --simulate       kwok's simulated pods even when a real node could run
  --mode M         real or full (= --simulate) instead of the automatic choice;
                   with --cluster-only also apiserver (default full)
  --cluster-only   only the cluster (the examples are not deployed)
  --nodes N        kwok nodes (default 3)
  --branch B       push: the branch to commit to (default main)
  -m MSG           push: the commit message`;

export interface DevDeps {
  /** Which cluster to run on (default: chooseDevMode with this machine's capability and cache). */
  chooseMode?: (i: { asked?: DevMode; simulate: boolean }) => Promise<DevModeChoice>;
  /** The pointer file of a running ria dev; default $RIA_CACHE_DIR/dev/state.json (~/.cache/ria). */
  statePath?: string;
  /** Resolves when ria dev should stop (default: Ctrl-C / SIGTERM). */
  until?: () => Promise<void>;
  run?: (options: RunDevOptions) => Promise<DevSession>;
}

interface RunArgs { clusterOnly: boolean; mode?: ClusterMode; simulate: boolean; nodes: number }

function parseRun(args: string[]): RunArgs {
  const out: RunArgs = { clusterOnly: false, simulate: false, nodes: 3 };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => { const v = args[++i]; if (v === undefined) throw new UsageError(`${a} needs a value`); return v; };
    if (a === '--cluster-only') out.clusterOnly = true;
    else if (a === '--simulate') out.simulate = true;
    else if (a === '--mode') {
      const m = value();
      if (m !== 'full' && m !== 'apiserver' && m !== 'real') throw new UsageError(`--mode must be full, real or apiserver, not "${m}"`);
      out.mode = m;
    } else if (a === '--nodes') {
      out.nodes = Number(value());
      if (!Number.isInteger(out.nodes) || out.nodes < 1 || out.nodes > 1000) throw new UsageError('--nodes must be a whole number from 1 to 1000');
    } else throw new UsageError(`unknown option "${a}"`);
  }
  if (out.mode === 'apiserver' && !out.clusterOnly) throw new UsageError('--mode apiserver runs no pods: use it with --cluster-only');
  if (out.simulate && out.mode === 'real') throw new UsageError('--simulate and --mode real contradict each other: pick one');
  return out;
}

interface PushArgs { example: string; branch: string; message?: string }

function parsePush(args: string[]): PushArgs {
  let branch = 'main';
  let message: string | undefined;
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = () => { const v = args[++i]; if (v === undefined) throw new UsageError(`${a} needs a value`); return v; };
    if (a === '--branch' || a === '-b') branch = value();
    else if (a === '-m' || a === '--message') message = value();
    else if (a.startsWith('-')) throw new UsageError(`unknown option "${a}"`);
    else positional.push(a);
  }
  if (positional.length !== 1) throw new UsageError('push needs one EXAMPLE (a directory of examples/, e.g. hello or config)');
  return { example: positional[0]!, branch, ...(message ? { message } : {}) };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

function reposOf(state: DevState): ServedRepos {
  return {
    gitRoot: state.gitRoot, gitUrl: state.gitUrl, examplesDir: state.examplesDir, webhook: { url: state.webhookUrl, secret: state.webhookSecret },
    ...(state.devConfig ? { devConfig: state.devConfig } : {}),
  };
}

/** What ria dev prints once every example environment is Ready. */
export function readyText(session: Pick<DevSession, 'mode' | 'apps' | 'state' | 'logPath' | 'cluster' | 'gateway' | 'environments'>, t: DevTimings): string {
  const deploy = (t.readyMs ?? 0) - t.clusterMs - t.setupMs;
  const remote = `${session.state.gitUrl}/ria-examples/hello.git`;
  const kubectl = session.cluster ? join(session.cluster.binaries.k8sDir, 'kubectl') : 'kubectl';
  return [
    '',
    `All ${session.apps.length} example apps are Ready, ${seconds(t.readyMs ?? 0)} after start `
      + `(control plane ${seconds(t.clusterMs)}, CRDs + git server + engine ${seconds(t.setupMs)}, first deploys ${seconds(deploy)}).`,
    '',
    ...(session.gateway ? gatewayLines(session.gateway, exampleUrl(session.environments())) : session.mode === 'real' ? [
      'The apps run on a real node (api was built by Kaniko), but no gateway serves their URLs:',
      'Traefik is not built (test/cluster/build.sh --gateway, see README "First run").',
    ] : [
      'Pods are simulated: kwok marks them Running on fake nodes without running any container, and',
      'builds complete without running Kaniko (nothing is built or pushed). The URLs name where each',
      'app would be served behind a gateway; nothing answers on them on this machine',
      '(where it can, ria dev runs them on a real node behind a gateway: its first line said why not).',
    ]),
    '',
    'Make a change (in another terminal; npm start -- ARGS runs ria dev ARGS):',
    '  edit examples/hello/Riofile (say scale: 3), then    npm start -- push hello',
    `  or with git:  git clone ${remote}, commit, git push (picked up within the 5s poll)`,
    'Open a pull request and see its preview environment:',
    '  npm start -- push hello --branch try-it             (after editing examples/hello)',
    `  npm start -- pr open hello try-it                   → ${environmentNamespace({ app: 'hello', kind: 'pr', pr: 1, commit: '' })} appears below`,
    '  npm start -- pr close hello try-it                  → and is removed',
    'Look around:',
    `  export KUBECONFIG=${session.state.kubeconfigPath}`,
    `  ${kubectl} get environments -n ${session.state.namespace}`,
    `  demo Secret for notes: ${DEMO_SECRET.namespace}/${DEMO_SECRET.name} (user ${DEMO_SECRET.user}, password ${DEMO_SECRET.password})`,
    `  engine log: ${session.logPath}`,
    'Ctrl-C stops everything ria dev started.',
    '',
  ].join('\n');
}

/** How to reach the apps through the real gateway (*.localhost resolves to this machine in curl and browsers). */
export function gatewayLines(gw: { httpPort: number; httpsPort: number; caCert: string }, url: string | undefined): string[] {
  const host = url ? new URL(url).hostname : endpointHost(['hello'], { app: 'hello', kind: 'branch', branch: 'main', commit: '' }, DEFAULT_DOMAIN);
  return [
    'The apps run on a real node behind a gateway (Traefik). Their URLs answer on this machine',
    '(*.localhost is this machine for curl and browsers), e.g.:',
    `  curl http://${host}:${gw.httpPort}/`,
    `  curl --cacert ${gw.caCert} https://${host}:${gw.httpsPort}/`,
    `HTTPS uses a local CA (kept in ${gw.caCert.replace(/\/[^/]+$/, '')}); to trust it in a browser, import ${gw.caCert}.`,
  ];
}

/** The URL the ready text shows: hello's main environment when there is one, else the first. */
function exampleUrl(envs: Environment[]): string | undefined {
  const withUrl = envs.filter((e) => e.status?.url);
  return (withUrl.find((e) => e.spec?.app === 'hello' && e.spec?.target === 'main') ?? withUrl[0])?.status?.url;
}

export function createDevCommand(deps: DevDeps = {}): Command {
  const statePath = () => deps.statePath ?? defaultStatePath(process.env.RIA_CACHE_DIR || undefined);
  const until = deps.until ?? untilSignal;
  const run = deps.run ?? runDev;
  const chooseMode = deps.chooseMode ?? (async (i: { asked?: DevMode; simulate: boolean }) =>
    chooseDevMode({ ...i, capability: await realNodeCapability(), missing: missingRealBinaries() }));

  async function push(args: string[], io: CommandIO): Promise<number> {
    const p = parsePush(args);
    const state = await requireDevState(statePath());
    const r = await pushExample(reposOf(state), p.example, p.branch, p.message);
    if (!r.changed) {
      io.stdout.write(`examples/${p.example} matches ${r.repo} ${r.branch} (${r.sha.slice(0, 7)}): nothing to push\n`);
      return 0;
    }
    io.stdout.write(`pushed examples/${p.example} to ${r.repo} ${r.branch}${r.created ? ' (new branch)' : ''}: ${r.sha.slice(0, 7)}\n`);
    if (r.pullRequest !== undefined) io.stdout.write(`pull request #${r.pullRequest} follows ${r.branch}: its preview redeploys\n`);
    else if (r.branch !== 'main' && p.example !== 'config') io.stdout.write(`no environment tracks ${r.branch} yet: ria dev pr open ${p.example} ${r.branch}\n`);
    return 0;
  }

  async function pr(args: string[], io: CommandIO): Promise<number> {
    const [action, example, branch, ...extra] = args;
    if ((action !== 'open' && action !== 'close') || !example || !branch || extra.length > 0) {
      throw new UsageError('pr needs: open|close EXAMPLE BRANCH');
    }
    if (example === 'config') throw new UsageError('the config repository has no previews; pick an app example');
    const state = await requireDevState(statePath());
    if (action === 'open') {
      const r = await openPullRequest(reposOf(state), example, branch);
      io.stdout.write(`${r.existed ? 'updated' : 'opened'} pull request #${r.number} of ria-examples/${example} from ${branch} (${r.sha.slice(0, 7)})\n`
        + `its preview environment is ${environmentNamespace({ app: example, kind: 'pr', pr: r.number, commit: '' })}: watch the ria dev table\n`);
    } else {
      const r = await closePullRequest(reposOf(state), example, branch);
      io.stdout.write(`closed pull request #${r.number} of ria-examples/${example}: Ria removes ${environmentNamespace({ app: example, kind: 'pr', pr: r.number, commit: '' })}\n`);
    }
    return 0;
  }

  async function clusterOnly(a: RunArgs, io: CommandIO): Promise<number> {
    const mode = a.simulate ? 'full' : a.mode ?? 'full';
    const cluster = await startLocalCluster({ mode, nodes: a.nodes, onProgress: (l) => io.stderr.write(`${l}\n`) });
    io.stdout.write([
      '', `Local control plane (${mode} mode) is up: ${cluster.server}`,
      `  export KUBECONFIG=${cluster.kubeconfigPath}`, `  ${join(cluster.binaries.k8sDir, 'kubectl')} get nodes`,
      `Logs: ${cluster.logDir}`, 'Press Ctrl-C to stop everything.', '',
    ].join('\n'));
    await until();
    io.stderr.write('stopping the local control plane...\n');
    await cluster.stop();
    return 0;
  }

  async function dev(a: RunArgs, io: CommandIO): Promise<number> {
    const running = await readDevState(statePath());
    if (running) throw new RiaError('DevAlreadyRunning', `ria dev is already running (pid ${running.pid}, git server ${running.gitUrl}); stop it first (Ctrl-C in its terminal)`);
    let stopRequested = false;
    let up = false;
    const abort = new AbortController();
    const stopSignal = until().then(() => {
      stopRequested = true;
      if (!abort.signal.aborted && !up) io.stderr.write('[ria dev] stopping after the current step...\n');
      abort.abort();
    });
    const started = Date.now();
    const choice = await chooseMode({ simulate: a.simulate, ...(a.mode === 'full' || a.mode === 'real' ? { asked: a.mode } : {}) });
    io.stderr.write(`[ria dev] mode: ${choice.why}\n`);
    io.stderr.write('[ria dev] checking the control-plane binaries (cached in ~/.cache/ria; a first build takes about 30 min on 2 cores and prints its progress)\n');
    let session: DevSession;
    try {
      // Real mode: the table shows each URL as it answers from this machine (the gateway's host port).
      let urlFor: ((url: string) => string) | undefined;
      session = await run({
        statePath: statePath(), nodes: a.nodes, signal: abort.signal, mode: choice.mode,
        onGateway: (gw) => { urlFor = gw.local; },
        onProgress: (l) => io.stderr.write(`[ria dev] ${l}\n`),
        onTable: (envs) => io.stdout.write(`\n[+${seconds(Date.now() - started)}]\n${formatEnvironmentTable(envs, Date.now(), 'No environments yet: Ria is reading the config repository...', urlFor)}`),
      });
    } catch (err) {
      // Ctrl-C reaches the whole process group: a component that died of it is no failure.
      if (err instanceof DevStoppedError || abort.signal.aborted) { io.stderr.write('[ria dev] stopped\n'); return 0; }
      throw err;
    }
    up = true;
    const stop = async () => {
      io.stderr.write('[ria dev] stopping the engine, the git server and the control plane...\n');
      await session.stop();
      io.stderr.write('[ria dev] stopped\n');
    };
    if (stopRequested) { await stop(); return 0; }
    io.stderr.write(`[ria dev] Ria is running (namespace ${session.state.namespace}); config repository ${session.state.gitUrl}/ria-examples/config.git\n`);
    io.stderr.write(session.gateway
      ? '[ria dev] pods run on the real node behind the gateway; waiting for every example environment to be Ready (and its routes served)\n'
      : session.mode === 'real'
        ? '[ria dev] pods run on the real node (no gateway); waiting for every example environment to be Ready\n'
        : '[ria dev] pods are simulated by kwok and builds complete without running Kaniko; waiting for every example environment to be Ready\n');
    const outcome = await Promise.race([session.ready.then((t) => ({ t }), () => undefined), stopSignal.then(() => undefined)]);
    if (outcome?.t) io.stdout.write(readyText(session, outcome.t));
    if (!stopRequested) await stopSignal;
    await stop();
    return 0;
  }

  return {
    name: 'dev',
    summary: 'deploy the examples with Ria on a local control plane (npm start); push changes, open PRs',
    usage,
    async run(args: string[], io: CommandIO): Promise<number> {
      const [first, ...rest] = args;
      if (first === 'push') return push(rest, io);
      if (first === 'pr') return pr(rest, io);
      const a = parseRun(args);
      return a.clusterOnly ? clusterOnly(a, io) : dev(a, io);
    },
  };
}

export const devCommand = createDevCommand();

/**
 * Resolves on the first Ctrl-C / SIGTERM. The handlers stay: a repeat within a second is the same
 * press delivered twice (a terminal, or `timeout`, signals the process and its group) and is
 * ignored; a later one means "stop now", and the exit hook of the control plane kills what is left.
 */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    let first: number | undefined;
    const onSignal = () => {
      if (first === undefined) { first = Date.now(); resolve(); return; }
      if (Date.now() - first < 1000) return;
      process.stderr.write('[ria dev] stopping now (second Ctrl-C)\n');
      process.exit(130);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
