/**
 * Ria side by side with Flux (source-controller + kustomize-controller) on the same local cluster,
 * in one run, on a workload of N apps with a repository each (bench/peers/workload.ts). Prints the
 * figures as ratios Ria / Flux; asserts nothing. Results: bench/README.md.
 *
 *   npx tsc -p . && node dist/bench/peers.js [--apps 100] [--pushes 20] [--poll 10] [--order ria,flux]
 *
 * Flux is built from its Go modules the first time (bench/peers/build-flux.sh, cached in
 * ~/.cache/ria/flux-<version>/): only this command builds it.
 *
 * One after the other, each on a fresh cluster of its own (the same flags): the floor, then each
 * engine alone (its cold start, pushes and idle minute), stopped before the next starts, each on
 * its own namespaces (`floor-*`, `ria-*`, `flux-*`). Run at once, the two would share the 2 cores
 * and each figure would be the other's noise too; one after the other, each gets the machine the
 * other had. A fresh cluster each, because what an earlier phase leaves behind is not free: the
 * API server lists every IPAddress of the cluster for each Service it allocates an IP
 * (clusterFor below). `--one-cluster` runs all on one cluster, as before; `--order flux,ria`
 * checks the order. `--pprof DIR`: CPU profiles of kube-apiserver and etcd per phase (peers/pprof.ts).
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { mkdir, mkdtemp, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { KubeConfig, AppsV1Api } from '@kubernetes/client-node';
import { startLocalCluster, type LocalCluster } from '../engine/dev/cluster/local-cluster.js';
import { ensureBinaries } from '../engine/dev/cluster/binaries.js';
import { startGitServerProcess } from '../engine/dev/git-server-process.js';
import { benchApps, appNamespace, pollPhaseDelays, pushSequence, riaConfigFiles, roundValue } from './peers/workload.js';
import { ensureFlux } from './peers/flux-build.js';
import { riaSide } from './peers/ria-side.js';
import { fluxSide } from './peers/flux-side.js';
import { measureFloor, rolledOut } from './peers/floor.js';
import { watchApplied } from './peers/applied.js';
import { cpuSecondsBetween, cpuTicks, sample, TICKS_PER_SECOND } from './peers/proc.js';
import { cpuSecondsPerMinute, formatComparison, formatPhaseCost, percentile, parseAuditWrites, writesDuring, writesPerMinute, type AuditWrite, type EngineFigures, type PhaseCost } from './peers/figures.js';
import type { EngineUnderTest } from './peers/side.js';
import { engineRuntimeEnv } from '../engine/install/runtime.js';
import { KubeRest } from '../engine/kube/rest.js';
import { apiServerWork, scrapeApiServer } from './peers/apiserver-metrics.js';
import { parsePeersArgs, clusterLimits, USAGE } from './peers/args.js';
import { httpProfileSource, profilePhase, type PhaseProfiles } from './peers/pprof.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (line: string) => process.stderr.write(`[peers ${new Date().toISOString().slice(11, 19)} load ${loadavg()[0]!.toFixed(1)}] ${line}\n`);
const since = (t: number) => `${((performance.now() - t) / 1000).toFixed(0)} s`;
const args = (() => {
  if (process.argv.includes('--help') || process.argv.includes('-h')) { process.stdout.write(`${USAGE}\n`); process.exit(0); }
  try { return parsePeersArgs(process.argv.slice(2)); } catch (err) { process.stderr.write(`${(err as Error).message}\n`); process.exit(2); }
})();
const limits = clusterLimits(args);
if (args.pprofDir) await mkdir(args.pprofDir, { recursive: true });
const DOMAIN = 'apps.test';

// Built (the first time) only when Flux runs: `--skip-flux` / `--engines ria` needs no Go toolchain.
const flux = args.engines.includes('flux') ? await ensureFlux(say) : undefined;
const binaries = await ensureBinaries(say);
const dir = await mkdtemp(join(tmpdir(), 'ria-peers-'));
await writeFile(join(dir, 'audit-policy.yaml'), [
  'apiVersion: audit.k8s.io/v1', 'kind: Policy', 'omitStages: [RequestReceived]', 'rules:',
  '- level: Metadata', '  verbs: [create, update, patch, delete, deletecollection]', '- level: None', '',
].join('\n'));
const riaApps = benchApps('ria', args.apps);
const fluxApps = benchApps('flux', args.apps);
const floorApps = benchApps('floor', args.apps);
// kwok's fake nodes take any number of pods (1M each): the node count is not a limit.
const nodes = 3;
// The cluster of the phase running (a fresh one per phase unless --one-cluster), its admin
// clients (the bench's own reads of the API server's /metrics: apiserver-metrics.ts) and audit log.
let cluster!: LocalCluster;
let admin!: KubeConfig;
let adminRest!: KubeRest;
let auditLog = '';
let clusters = 0;
/**
 * A cluster for the next phase: the same flags every time. Each phase (the floor, each engine) gets
 * a fresh one, because what an earlier phase left behind is not free for the next: the API server
 * allocates a Service's ClusterIP after listing every IPAddress in the cluster (twice, for its
 * metrics), so with the floor's Services left in place each of Ria's cost about twice the floor's
 * at N = 300 (profiled: 2.6 s against 0.5 s of API-server CPU), and the gap grows with N squared.
 */
async function clusterFor(phase: string): Promise<void> {
  if (clusters && args.oneCluster) return;
  if (clusters) await stopCluster();
  auditLog = join(dir, `audit-${phase}.log`);
  cluster = await startLocalCluster({
    mode: 'full', nodes, binaries, onProgress: (l) => say(`cluster${clusters ? ` for ${phase}` : ''}: ${l}`),
    extraArgs: {
      // Profiling etcd (kube-apiserver serves /debug/pprof by default): the same in every phase.
      ...(args.pprofDir ? { etcd: ['--enable-pprof'] } : {}),
      'kube-apiserver': [`--audit-policy-file=${join(dir, 'audit-policy.yaml')}`, `--audit-log-path=${auditLog}`, '--audit-log-format=json',
        // No rotation (the default rotates at 100 MB, about every 20 min at N = 1,000): the idle window is read from an offset.
        '--audit-log-maxsize=1000000'],
      'kube-controller-manager': limits.controllerManager, 'kube-scheduler': limits.scheduler,
    },
  });
  clusters++;
  admin = new KubeConfig();
  admin.loadFromFile(cluster.kubeconfigPath);
  adminRest = new KubeRest(admin);
}
async function stopCluster(): Promise<void> {
  adminRest.close();
  await cluster.stop();
}
await clusterFor('floor');
const git = await startGitServerProcess();
const kubectl = join(binaries.k8sDir, 'kubectl');
let date = 0;
const nextDate = () => new Date(Date.UTC(2026, 0, 1) + ++date * 1000).toISOString();
const stages = (await readdir(join(binaries.kwokDir, 'stages'))).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, ''));

try {
  const floorConfig = riaConfigFiles(floorApps, { repoUrl: (r) => git.urlFor(r), pollSeconds: args.pollSeconds, gitHost: new URL(git.url).host, domain: DOMAIN });
  say(`floor: ${args.apps} apps in one kubectl apply --server-side`);
  const floorCost = await startCost();
  const floorProfiles = startProfiles('floor');
  const floor = await measureFloor({ admin, adminKubeconfigPath: cluster.kubeconfigPath, kubectl, apps: floorApps, config: floorConfig, dir, timeoutMs: args.timeoutS * 1000, onProgress: say });
  const floorCosts = await floorCost.end((w) => w.userAgent.startsWith('kubectl'));
  await endProfiles(floorProfiles);
  say(`floor: ${floor.seconds.toFixed(1)} s (${floor.objects} objects, ${floor.deployments} Deployments)`);
  for (const l of formatPhaseCost('floor', args.apps, floorCosts)) say(l);

  // Each made on its phase's cluster (clusterFor).
  const sides: Array<{ name: string; make: () => EngineUnderTest }> = [];
  if (args.engines.includes('ria')) sides.push({ name: 'ria', make: () => riaSide({ admin, git, apps: riaApps, pollSeconds: args.pollSeconds, driftS: args.driftS, domain: DOMAIN, dir, nextDate }) });
  if (flux) {
    const fluxConfig = riaConfigFiles(fluxApps, { repoUrl: (r) => git.urlFor(r), pollSeconds: args.pollSeconds, gitHost: new URL(git.url).host, domain: DOMAIN });
    sides.push({ name: 'flux', make: () => fluxSide({ admin, adminKubeconfigPath: cluster.kubeconfigPath, kubectl, git, apps: fluxApps, config: fluxConfig, pollSeconds: args.pollSeconds, driftS: args.driftS, dir, flux, nextDate }) });
  }
  if (args.order === 'flux,ria') sides.reverse();
  const figures: Record<string, EngineFigures> = {};
  let round = 0;
  for (const made of sides) {
    await clusterFor(made.name);
    const side = made.make();
    try {
      const f = figures[side.name] = await measure(side, () => ++round);
      // Said at once, so a run stopped before the other engine is done still has this one's figures.
      const pct = (l: number[]) => `p50 ${Math.round(percentile(l, 0.5))} ms, p90 ${Math.round(percentile(l, 0.9))} ms`;
      say(`${f.name} figures: cold start ${f.coldStartS.toFixed(1)} s (floor ${floor.seconds.toFixed(1)} s: ${(f.coldStartS / floor.seconds).toFixed(2)}×)` + (args.coldStartOnly ? '' : `; triggered [${f.triggered.map(Math.round).join(', ')}] ms, ${pct(f.triggered)}; ` +
        `polled [${f.polled.map(Math.round).join(', ')}] ms, ${pct(f.polled)}; RSS ${f.rssMiB.toFixed(0)} MiB${f.rssParts ? ` (${Object.entries(f.rssParts).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(' + ')})` : ''}; ` +
        `CPU ${f.cpuSecondsPerMinute.toFixed(2)} s/min; writes ${f.writesPerIdleMinute.toFixed(1)}/idle min ${JSON.stringify(f.writesByResource)}`));
    } finally {
      await side.stop();
    }
  }
  const setting = [
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, load average at the end ${loadavg().map((x) => x.toFixed(1)).join(' ')}; Node ${process.version}`,
    `cluster: kwok full mode, ${nodes} fake nodes, Kubernetes ${binaries.k8sDir.replace(/.*kubernetes-/, '')}; kwok stages ${stages.join(', ')}`,
  ];
  if (!figures.Ria || !figures.Flux || args.coldStartOnly) {
    // One engine (or cold starts only): its figures against the floor, and what each phase cost.
    const lines = [...setting, '', `N = ${args.apps} apps (${floor.deployments} Deployments, ${floor.objects} objects); floor (one bulk server-side apply, waited for) ${floor.seconds.toFixed(1)} s`,
      ...formatPhaseCost('floor', args.apps, floorCosts)];
    for (const f of Object.values(figures)) {
      lines.push(`${f.name}: cold start ${f.coldStartS.toFixed(1)} s, ${(f.coldStartS / floor.seconds).toFixed(2)}× the floor`);
      if (f.coldStart) lines.push(...formatPhaseCost(`${f.name} cold start`, args.apps, f.coldStart));
    }
    if (figures.Ria && figures.Flux) lines.push(`cold start Ria / Flux: ${(figures.Ria.coldStartS / figures.Flux.coldStartS).toFixed(2)}×`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } else {
  const lines = formatComparison({
    apps: args.apps, deployments: floor.deployments, objects: floor.objects, floorS: floor.seconds, pollSeconds: args.pollSeconds, idleS: args.idleS, driftS: args.driftS,
    ria: figures.Ria!, flux: figures.Flux!,
    setting: [
      ...setting,
      `limits (same for both): kube-controller-manager ${limits.controllerManager.join(' ')}; kube-scheduler ${limits.scheduler.join(' ')}; ` +
        `Ria: its defaults (4 reconciles at once, no client QPS limit) and its Deployment's Node settings (${Object.entries(engineRuntimeEnv()).map(([k, v]) => `${k}=${v}`).join(' ')}); Flux ${flux!.version}: its defaults (source-controller --concurrent=2, kustomize-controller --concurrent=4, client QPS 50 burst 300)`,
      `order: ${args.order}; each engine alone on ${args.oneCluster ? 'the cluster during its figures, stopped before the next (--one-cluster: after the floor\'s objects, left in place)' : 'a fresh cluster of its own (the floor too), stopped before the next'}`,
    ],
  });
  process.stdout.write(`${[...lines, ...formatPhaseCost('floor', args.apps, floorCosts), ...Object.values(figures).flatMap((f) => (f.coldStart ? formatPhaseCost(`${f.name} cold start`, args.apps, f.coldStart) : []))].join('\n')}\n`);
  }
} finally {
  await git.stop();
  await stopCluster();
  if (!args.keep) await rm(dir, { recursive: true, force: true });
  else say(`kept ${dir} (logs, audit log)`);
}

async function measure(side: EngineUnderTest, nextRound: () => number): Promise<EngineFigures> {
  say(`${side.name}: preparing ${side.apps.length} repositories and declarations`);
  const tPrepare = performance.now();
  await side.prepare();
  say(`${side.name}: prepared in ${since(tPrepare)}`);
  const cost = await startCost(side.pids);
  const profiles = startProfiles(side.name.toLowerCase());
  const t0 = performance.now();
  await side.start();
  let lastSaid = t0;
  for (;;) {
    const p = await side.progress();
    if (p.ready === side.apps.length) break;
    const elapsed = performance.now() - t0;
    if (elapsed > args.timeoutS * 1000) throw new Error(`${side.name}: not all Ready after ${args.timeoutS} s: ${p.detail}`);
    if (performance.now() - lastSaid > 15_000) { lastSaid = performance.now(); say(`${side.name}: ${(elapsed / 1000).toFixed(0)} s: ${p.detail}`); }
    // A look reads the side's watch (bench/peers/look.ts), not the API server: every 0.5 s at any N.
    await sleep(500);
  }
  const coldStartS = (performance.now() - t0) / 1000;
  say(`${side.name}: all ${side.apps.length} Ready in ${coldStartS.toFixed(1)} s`);
  const coldStart = await cost.end((w) => w.user === side.username);
  await endProfiles(profiles);
  if (side.selfReport) say(`${side.name}: ${await side.selfReport()}`);
  for (const l of formatPhaseCost(`${side.name} cold start`, side.apps.length, coldStart)) say(l);
  if (args.coldStartOnly) {
    return { name: side.name, coldStartS, coldStart, triggered: [], polled: [], triggerHow: side.triggerHow, rssMiB: NaN, cpuSecondsPerMinute: NaN,
      writesPerIdleMinute: NaN, leaseWritesPerIdleMinute: NaN, leaderElection: side.leaderElection, writesByResource: {} };
  }

  // Polled pushes go to other apps than the triggered ones (a trigger moves that app's next poll),
  // each after a delay that puts it at a different phase of the poll cycle.
  const order = pushSequence(side.apps.length, args.pushes + args.polledPushes);
  const delays = pollPhaseDelays(args.polledPushes, args.pollSeconds * 1000);
  const push = async (i: number, trigger: boolean): Promise<number> => {
    const app = side.apps[i]!;
    const round = nextRound();
    const ns = appNamespace(app);
    // Generous: on a machine this busy a listing can time out once and back off before it succeeds.
    const watch = await watchApplied(admin, ns, roundValue(round), Math.max(120_000, args.pollSeconds * 6000));
    await side.commit(app, round);
    const start = performance.now();
    if (trigger) await side.trigger(app);
    const ms = (await watch.seen) - start;
    await waitRolledOut(ns);
    say(`${side.name}: push ${round} to ${app.name} (${trigger ? 'triggered' : 'polled'}): applied in ${Math.round(ms)} ms, rolled out ${since(start)} after the commit`);
    return ms;
  };
  const triggered: number[] = [];
  const tPushes = performance.now();
  for (const i of order.slice(0, args.pushes)) triggered.push(await push(i, true));
  say(`${side.name}: ${args.pushes} triggered pushes done in ${since(tPushes)}; ${args.polledPushes} polled pushes take about ${(args.polledPushes * args.pollSeconds * 1.5 / 60).toFixed(0)} min`);
  const tPolled = performance.now();
  const polled: number[] = [];
  for (const [k, i] of order.slice(args.pushes).entries()) {
    await sleep(delays[k]!);
    polled.push(await push(i, false));
  }
  say(`${side.name}: polled pushes done in ${since(tPolled)}; settling ${args.settleS} s, then ${args.idleS} s at rest`);

  await sleep(args.settleS * 1000);
  const pids = side.pids();
  const before = Object.fromEntries(Object.entries(pids).map(([n, pid]) => [n, sample(pid)]));
  // Only what the audit log gets from here on is read: at N = 1,000 the whole log is hundreds of MB.
  const auditOffset = (await stat(auditLog)).size;
  const from = Date.now();
  await sleep(args.idleS * 1000);
  const to = Date.now();
  const after = Object.fromEntries(Object.entries(pids).map(([n, pid]) => [n, sample(pid)]));
  const rssParts = Object.fromEntries(Object.entries(after).map(([n, s]) => [n, s.rssMiB]));
  const cpu = Object.keys(pids).reduce((sum, n) => sum + cpuSecondsPerMinute(before[n]!.ticks, after[n]!.ticks, TICKS_PER_SECOND, to - from), 0);
  // The audit log's backend writes as requests complete; give the last ones a moment.
  await sleep(2000);
  const writes = writesPerMinute(parseAuditWrites(await readFrom(auditLog, auditOffset)), (u) => u === side.username, from, to);
  return {
    name: side.name, coldStartS, triggered, polled, triggerHow: side.triggerHow,
    rssMiB: Object.values(rssParts).reduce((a, b) => a + b, 0), ...(Object.keys(rssParts).length > 1 ? { rssParts } : {}),
    cpuSecondsPerMinute: cpu, writesPerIdleMinute: writes.perMinute, leaseWritesPerIdleMinute: writes.leasePerMinute,
    leaderElection: side.leaderElection, writesByResource: writes.byResource, coldStart,
  };
}

/**
 * What a phase (the floor, a cold start) costs from now: the API server writes the audit log
 * gets meanwhile (those `who` accepts: kubectl's, the engine's identity's) and the CPU seconds
 * of the control plane, the git server (with its `git` processes), the engine's processes (read
 * at the end: they start within the phase) and the bench's own children (kubectl).
 */
async function startCost(enginePids: () => Record<string, number> = () => ({})): Promise<{ end(who: (w: AuditWrite) => boolean): Promise<PhaseCost> }> {
  const fixed = (): Record<string, number> => ({ ...cluster.pids, ...(git.pid ? { 'git server+': git.pid } : {}), 'bench children+': process.pid });
  const own = () => sample(process.pid).ticks;
  const metricsBefore = await scrapeApiServer(adminRest);
  const gitBefore = await git.requestCounts();
  const before = cpuTicks(fixed());
  before['bench children+'] = before['bench children+']! - own();
  const from = Date.now();
  const offset = statSync(auditLog).size;
  return {
    async end(who) {
      const after = cpuTicks(fixed());
      after['bench children+'] = after['bench children+']! - own();
      const engine = cpuTicks(enginePids());
      const to = Date.now();
      const metricsAfter = await scrapeApiServer(adminRest);
      const gitAfter = await git.requestCounts();
      const gitRequests = Object.fromEntries(Object.entries(gitAfter).map(([k, n]) => [k, n - (gitBefore[k] ?? 0)]).filter(([, n]) => (n as number) > 0));
      await sleep(2000); // the audit backend writes as requests complete
      const writes = writesDuring(parseAuditWrites(await readFrom(auditLog, offset)), who, from, to);
      const cpuSeconds = { ...cpuSecondsBetween(before, after), ...Object.fromEntries(Object.entries(engine).map(([k, t]) => [k, t / TICKS_PER_SECOND])) };
      return { writes, cpuSeconds: Object.fromEntries(Object.entries(cpuSeconds).map(([k, v]) => [k === 'bench children+' ? 'kubectl' : k.replace(/\+$/, ''), v])),
        gitRequests, apiServer: apiServerWork(metricsBefore, metricsAfter) };
    },
  };
}

/** With `--pprof DIR`: CPU profiles of kube-apiserver and etcd from now until the phase ends (pprof.ts). */
function startProfiles(phase: string): PhaseProfiles | undefined {
  if (!args.pprofDir) return undefined;
  const apiServer = async (seconds: number) => {
    const chunks: Buffer[] = [];
    await adminRest.stream({ verb: 'get', path: '/debug/pprof/profile', query: { seconds } }, (c) => chunks.push(c), new AbortController().signal);
    return Buffer.concat(chunks);
  };
  return profilePhase({ dir: args.pprofDir, phase, sources: { 'kube-apiserver': apiServer, etcd: httpProfileSource(cluster.etcdUrl) }, onError: say });
}

async function endProfiles(p: PhaseProfiles | undefined): Promise<void> {
  if (p) say(`pprof: ${(await p.stop()).join(', ')}`);
}

/** The text of a file from byte `offset` on (a line cut at the offset is skipped by the parser). */
async function readFrom(file: string, offset: number): Promise<string> {
  const f = await open(file, 'r');
  try {
    const size = (await f.stat()).size;
    const buf = Buffer.alloc(Math.max(0, size - offset));
    if (buf.length) await f.read(buf, 0, buf.length, offset);
    return buf.toString('utf8');
  } finally {
    await f.close();
  }
}

async function waitRolledOut(namespace: string): Promise<void> {
  const apps = admin.makeApiClient(AppsV1Api);
  const deadline = performance.now() + 120_000;
  while (performance.now() < deadline) {
    const list = (await apps.listNamespacedDeployment({ namespace })).items;
    if (list.length && list.every((d) => rolledOut(d as never))) return;
    await sleep(200);
  }
  throw new Error(`the Deployments of ${namespace} did not roll out within 120 s`);
}
