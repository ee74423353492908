/**
 * Engine speed on the local control plane, printed as figures (never asserted in tests):
 *  - push → applied latency when poked (what a webhook does) and when found by polling;
 *  - apps reconciled per second from a cold start, and the engine's memory at that many apps
 *    (BENCH_APPS, default 100; `BENCH_APPS=1000 BENCH_SERVICES=1 BENCH_TIMEOUT_S=2400` for the
 *    1,000-app figure, which takes a while);
 *  - Ria's server-side apply of one environment against `kubectl apply --server-side` of the
 *    same objects, and Ria's ref listing against `git ls-remote`, in the same run.
 *
 *   npm run build && node dist/bench/engine.js
 */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { startLocalCluster } from '../engine/dev/cluster/local-cluster.js';
import { startGitServerProcess } from '../engine/dev/git-server-process.js';
import { commitFiles, createRepo } from '../engine/dev/git-fixtures.js';
import { createEngine } from '../engine/controller/create.js';
import { identityObjects } from '../engine/controller/environment/identity.js';
import type { KubeObject } from '../engine/kube/objects.js';
import { createLogger } from '../engine/observe/logger.js';
import { ensureCrds } from '../engine/controller/install-crds.js';
import { API_VERSION, type Environment } from '../engine/crds/types.js';
import { parseRiofile } from '../engine/riofile/index.js';
import { render, toYaml } from '../engine/render/index.js';
import { applyEnvironmentObjects } from '../engine/controller/environment/apply.js';

const run = promisify(execFile);
const APPS = Number(process.env.BENCH_APPS ?? 100);
// BENCH_SERVICES=1 halves what the control plane must roll out (the 1,000-app memory figure).
const SERVICES = Number(process.env.BENCH_SERVICES ?? 2);
const COLD_START_LIMIT_MS = Number(process.env.BENCH_TIMEOUT_S ?? 600) * 1000;
const riofile = (n: number) => `services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n    env:\n    - N=${n}\n${SERVICES > 1 ? '  api:\n    image: busybox:1.36\n    ports: 8080/http\n' : ''}`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cluster = await startLocalCluster({ mode: 'full', nodes: 3 });
// The git host in its own process, as a real one is (see git-server-process.ts).
const git = await startGitServerProcess();
const kc = new KubeConfig();
kc.loadFromFile(cluster.kubeconfigPath);
const kubectl = join(cluster.binaries.k8sDir, 'kubectl');
try {
  const cache = await mkdtemp(join(tmpdir(), 'ria-bench-'));
  let date = 0;
  const at = () => ({ date: new Date(Date.UTC(2026, 0, 1) + ++date * 1000).toISOString() });
  await createRepo(git, 'config');
  await createRepo(git, 'app');
  await commitFiles(git, 'app', 'main', { Riofile: riofile(0) }, 'app', at());
  const apps: Record<string, string> = {};
  for (let i = 0; i < APPS; i++) apps[`apps/a${i}.yaml`] = `repo: ${git.urlFor('app')}\nbranches: [main]\n`;
  const { engine, ctx } = createEngine({ kc, namespace: 'ria-system', gitCacheDir: cache, concurrency: 8,
    // BENCH_LOG=debug shows the engine's log on stderr.
    ...(process.env.BENCH_LOG ? { log: createLogger({ stream: process.stderr, level: process.env.BENCH_LOG as 'debug' }) } : {}), config: { url: git.urlFor('config'), branch: 'main', path: '' } });
  await ensureCrds(ctx.objects);
  await ctx.objects.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ria-system' } });
  await commitFiles(git, 'config', 'main', { 'ria.yaml': 'pollInterval: 2s\ndomain: apps.test\n', ...apps }, 'config', at());

  // Cold start: APPS apps, one environment each, to Ready.
  const rssBefore = process.memoryUsage().rss;
  // The peak is what the machine must have: sampled every 500 ms through the cold start.
  let peak = process.memoryUsage();
  const sampler = setInterval(() => { const m = process.memoryUsage(); if (m.rss > peak.rss) peak = m; }, 500);
  const t0 = performance.now();
  engine.start();
  let lastProgress = t0;
  for (;;) {
    const envs = await ctx.objects.list<Environment>(API_VERSION, 'Environment', { namespace: 'ria-system' });
    if (envs.length === APPS && envs.every((e) => e.status?.phase === 'Ready')) break;
    const phases: Record<string, number> = {};
    for (const e of envs) phases[e.status?.phase ?? 'none'] = (phases[e.status?.phase ?? 'none'] ?? 0) + 1;
    if (performance.now() - t0 > COLD_START_LIMIT_MS) throw new Error(`not Ready after ${COLD_START_LIMIT_MS / 1000} s: ${envs.length} environments, ${JSON.stringify(phases)}`);
    if (performance.now() - lastProgress > 30_000) {
      lastProgress = performance.now();
      process.stderr.write(`  ${((lastProgress - t0) / 1000).toFixed(0)} s: ${envs.length} environments ${JSON.stringify(phases)}, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB\n`);
    }
    // Listing 1,000 Environments is itself load on the API server: look less often when there are many.
    await sleep(APPS > 200 ? 2_000 : 250);
  }
  const coldSeconds = (performance.now() - t0) / 1000;
  await engine.queue.idle();
  // A few poll rounds at rest, so the figure is the steady state, not the peak of the start.
  await sleep(10_000);
  clearInterval(sampler);
  global.gc?.();
  const mem = process.memoryUsage();
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)}`;
  // Where RSS goes: the V8 heap (used of total), memory outside it (Buffers: git packs, sockets), the rest native (code, malloc).
  const parts = (m: NodeJS.MemoryUsage) => `heap ${mib(m.heapUsed)}/${mib(m.heapTotal)} MiB, external ${mib(m.external)} MiB (arrayBuffers ${mib(m.arrayBuffers)}), other ${mib(m.rss - m.heapTotal - m.external)} MiB`;
  console.log(`cold start: ${APPS} apps to Ready in ${coldSeconds.toFixed(1)} s = ${(APPS / coldSeconds).toFixed(1)} apps/s`);
  console.log(`engine memory at ${APPS} apps: RSS ${mib(mem.rss)} MiB (+${mib(mem.rss - rssBefore)} MiB over the ${mib(rssBefore)} MiB of the bench before the engine started), heap ${mib(mem.heapUsed)} MiB`);
  console.log(`  at rest: ${parts(mem)}; peak during the cold start: RSS ${mib(peak.rss)} MiB, ${parts(peak)}`);

  // Push → applied for one app when poked (webhook path) and when found by polling.
  const latency = async (poke: boolean, n: number): Promise<number> => {
    const sha = await commitFiles(git, 'app', 'main', { Riofile: riofile(n) }, `push ${n}`, at());
    const start = performance.now();
    if (poke) engine.poke(git.urlFor('app'));
    for (;;) {
      const env = await ctx.objects.get<Environment>({ apiVersion: API_VERSION, kind: 'Environment', namespace: 'ria-system', name: 'a0-main' });
      if (env?.status?.appliedCommit === sha) return performance.now() - start;
      if (performance.now() - start > 60_000) throw new Error(`push ${n} not applied in 60 s: spec ${env?.spec.commit}, status ${JSON.stringify(env?.status?.conditions)}`);
      await sleep(10);
    }
  };
  const poked: number[] = [];
  for (let i = 1; i <= 5; i++) { poked.push(await latency(true, i)); await engine.queue.idle(); }
  const polled: number[] = [];
  for (let i = 6; i <= 8; i++) { polled.push(await latency(false, i)); await engine.queue.idle(); }
  console.log(`push → applied (${APPS} environments move at once): poked p50 ${median(poked).toFixed(0)} ms; polling (2 s interval) p50 ${median(polled).toFixed(0)} ms`);
  await engine.stop();

  // Ria's apply of one environment vs kubectl apply --server-side of the same objects.
  const objects = render({ riofile: parseRiofile(riofile(99), { file: 'Riofile' }), environment: { app: 'cmp', kind: 'branch', branch: 'main', commit: 'c'.repeat(40) },
    cluster: { domain: 'apps.test', registry: 'r.test' } }).objects;
  const forNs = (ns: string) => objects.map((o) => ({ ...o, metadata: { ...o.metadata, ...(o.kind === 'Namespace' ? { name: ns } : o.metadata.namespace ? { namespace: ns } : {}) } }));
  const ria: number[] = [];
  const kubectlTimes: number[] = [];
  for (let i = 0; i < 5; i++) {
    let t = performance.now();
    const owner = { app: 'cmp', environment: 'main', namespace: `cmp-ria-${i}`, name: `cmp-ria-${i}` };
    const [ns, ...rest] = forNs(owner.namespace) as never as KubeObject[];
    await applyEnvironmentObjects(ctx, owner, [ns!, ...identityObjects(owner, { permissions: false }), ...rest]);
    ria.push(performance.now() - t);
    const file = join(cache, `cmp-${i}.yaml`);
    await writeFile(file, toYaml(forNs(`cmp-kubectl-${i}`) as never));
    t = performance.now();
    await run(kubectl, ['--kubeconfig', cluster.kubeconfigPath, 'apply', '--server-side', '--field-manager=bench', '-f', file]);
    kubectlTimes.push(performance.now() - t);
  }
  console.log(`apply one environment (${objects.length} objects): Ria p50 ${median(ria).toFixed(0)} ms, kubectl apply --server-side p50 ${median(kubectlTimes).toFixed(0)} ms (ratio ${(median(ria) / median(kubectlTimes)).toFixed(2)})`);

  // Ria's ref listing vs git ls-remote against the same server.
  const lsRia: number[] = [];
  const lsGit: number[] = [];
  for (let i = 0; i < 20; i++) {
    let t = performance.now();
    await ctx.git.listRemoteRefs(git.urlFor('app'));
    lsRia.push(performance.now() - t);
    t = performance.now();
    await run('git', ['ls-remote', git.urlFor('app')]);
    lsGit.push(performance.now() - t);
  }
  console.log(`list refs: Ria p50 ${median(lsRia).toFixed(1)} ms, git ls-remote p50 ${median(lsGit).toFixed(1)} ms (ratio ${(median(lsRia) / median(lsGit)).toFixed(2)})`);
} finally {
  await git.stop();
  await cluster.stop();
}
