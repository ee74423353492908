/**
 * The engine's memory as it runs in a cluster: `ria engine` in its own process (not inside the
 * bench, whose cluster management and listings would be counted too), N apps (one environment
 * each, BENCH_SERVICES services) from a cold start to all Ready, then at rest. Prints the peak and
 * resting RSS from /proc and, from the engine's own /metrics (prom-client), where it goes.
 * Figures only, never asserted.
 *
 *   npm run build && BENCH_APPS=200 node dist/bench/engine-rss.js
 *   BENCH_NODE_FLAGS='--max-semi-space-size=2' ...   flags for the engine's node
 *   BENCH_RUNTIME=bare ...   without the Deployment's runtime settings (engine/install/runtime.ts)
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { startLocalCluster } from '../engine/dev/cluster/local-cluster.js';
import { startGitServerProcess } from '../engine/dev/git-server-process.js';
import { commitFiles, createRepo } from '../engine/dev/git-fixtures.js';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeRest } from '../engine/kube/rest.js';
import { KubeObjects } from '../engine/kube/objects.js';
import { API_VERSION, type Environment } from '../engine/crds/types.js';
import { ensureCrds } from '../engine/controller/install-crds.js';
import { engineRuntimeEnv } from '../engine/install/runtime.js';

const APPS = Number(process.env.BENCH_APPS ?? 100);
const SERVICES = Number(process.env.BENCH_SERVICES ?? 1);
const LIMIT_MS = Number(process.env.BENCH_TIMEOUT_S ?? 1800) * 1000;
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
// The engine runs with the settings its Deployment gives it (NODE_OPTIONS, MALLOC_ARENA_MAX), unless told not to.
const RUNTIME: Record<string, string> = process.env.BENCH_RUNTIME === 'bare' ? {} : engineRuntimeEnv();
const bin = fileURLToPath(new URL('../engine/cli/bin.js', import.meta.url));
const riofile = `services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n${SERVICES > 1 ? '  api:\n    image: busybox:1.36\n    ports: 8080/http\n' : ''}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const statusMiB = (pid: number, field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const rssMiB = (pid: number) => statusMiB(pid, 'VmRSS');
/** Sums a metric's samples from a Prometheus text exposition, in MiB. */
const metricMiB = (metrics: string, name: string) => metrics.split('\n')
  .filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`)).reduce((s, l) => s + Number(l.split(' ').at(-1)), 0) / 2 ** 20;

const cluster = await startLocalCluster({ mode: 'full', nodes: 3 });
const git = await startGitServerProcess();
let child: ReturnType<typeof spawn> | undefined;
try {
  // The bench's own client (client-node's KubeConfig, so this file also runs against older engines).
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  const objects = new KubeObjects(new KubeRest(kc));
  await ensureCrds(objects);
  await objects.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ria-system' } });
  await createRepo(git, 'config');
  await createRepo(git, 'app');
  await commitFiles(git, 'app', 'main', { Riofile: riofile }, 'app');
  const apps: Record<string, string> = {};
  for (let i = 0; i < APPS; i++) apps[`apps/a${i}.yaml`] = `repo: ${git.urlFor('app')}\nbranches: [main]\n`;
  await commitFiles(git, 'config', 'main', { 'ria.yaml': 'pollInterval: 2s\ndomain: apps.test\n', ...apps }, 'config');

  let output = '';
  let opsUrl: string | undefined;
  child = spawn(process.execPath, [...NODE_FLAGS, bin, 'engine', '--config-repo', git.urlFor('config'), '--namespace', 'ria-system', '--http-port', '0', '--ops-port', '0'],
    { env: { ...process.env, ...RUNTIME, KUBECONFIG: cluster.kubeconfigPath }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (c: Buffer) => {
    output = (output + c.toString()).slice(-20_000);
    opsUrl ??= /"opsUrl":"([^"]+)"/.exec(output)?.[1];
  });
  child.stderr!.on('data', (c: Buffer) => { output = (output + c.toString()).slice(-20_000); });
  const pid = child.pid!;
  const t0 = performance.now();
  let peak = 0;
  let peakAt = '';
  let heapAtPeak = '';
  let lastHeap = '';
  let heapPeak = 0;
  const sampler = setInterval(() => {
    try {
      const rss = rssMiB(pid);
      if (rss > peak) {
        peak = rss;
        peakAt = `anon ${statusMiB(pid, 'RssAnon').toFixed(0)} + file ${statusMiB(pid, 'RssFile').toFixed(0)} MiB, ${((performance.now() - t0) / 1000).toFixed(0)} s in`;
        heapAtPeak = lastHeap;
      }
    } catch { /* exited */ }
  }, 500);
  // The heap as the engine's /metrics reports it, every 2 s (the figure nearest the RSS peak is printed).
  const heapSampler = setInterval(() => {
    if (!opsUrl) return;
    fetch(`${opsUrl.replace('0.0.0.0', '127.0.0.1')}/metrics`).then((r) => r.text()).then((m) => {
      const used = metricMiB(m, 'nodejs_heap_size_used_bytes');
      heapPeak = Math.max(heapPeak, metricMiB(m, 'nodejs_heap_size_total_bytes'));
      lastHeap = `heap used ${used.toFixed(0)} of ${metricMiB(m, 'nodejs_heap_size_total_bytes').toFixed(0)} MiB, external ${metricMiB(m, 'nodejs_external_memory_bytes').toFixed(0)} MiB`;
    }).catch(() => undefined);
  }, 2_000);
  let last = t0;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the engine exited (${child.exitCode}):\n${output}`);
    const envs = await objects.list<Environment>(API_VERSION, 'Environment', { namespace: 'ria-system' });
    if (envs.length === APPS && envs.every((e) => e.status?.phase === 'Ready')) break;
    if (performance.now() - t0 > LIMIT_MS) throw new Error(`not Ready after ${LIMIT_MS / 1000} s: ${envs.length} environments`);
    if (performance.now() - last > 30_000) {
      last = performance.now();
      process.stderr.write(`  ${((last - t0) / 1000).toFixed(0)} s: ${envs.filter((e) => e.status?.phase === 'Ready').length}/${APPS} Ready, engine RSS ${rssMiB(pid).toFixed(0)} MiB, ${lastHeap}\n`);
    }
    await sleep(APPS > 200 ? 2_000 : 500);
  }
  const coldSeconds = (performance.now() - t0) / 1000;
  // At rest: a few poll rounds (2 s) after the last environment became Ready.
  await sleep(20_000);
  clearInterval(sampler);
  clearInterval(heapSampler);
  const rest = rssMiB(pid);
  let breakdown = '';
  const metrics = opsUrl ? await fetch(`${opsUrl.replace('0.0.0.0', '127.0.0.1')}/metrics`).then((r) => r.text()).catch(() => '') : '';
  const value = (name: string) => metricMiB(metrics, name);
  if (metrics.includes('nodejs_heap_size_used_bytes')) {
    breakdown = `; heap used ${value('nodejs_heap_size_used_bytes').toFixed(0)} of ${value('nodejs_heap_size_total_bytes').toFixed(0)} MiB, external ${value('nodejs_external_memory_bytes').toFixed(0)} MiB`;
  }
  const settings = [...Object.entries(RUNTIME).map(([k, v]) => `${k}=${v}`), ...NODE_FLAGS].join(' ') || 'no runtime settings';
  console.log(`ria engine (own process, ${settings}), ${APPS} apps x ${SERVICES} service(s): all Ready in ${coldSeconds.toFixed(0)} s`);
  console.log(`  RSS: peak ${peak.toFixed(0)} MiB during the cold start, ${rest.toFixed(0)} MiB at rest${breakdown}`);
  console.log(`  at the peak: ${peakAt}; ${heapAtPeak || 'no heap figure yet'}; largest heap total ${heapPeak.toFixed(0)} MiB`);
} finally {
  child?.kill('SIGTERM');
  await git.stop();
  await cluster.stop();
}
