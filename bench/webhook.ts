/**
 * Webhook → objects applied, for an image-only service, on the local control plane: a commit is
 * pushed, GitHub's `push` webhook is delivered (signed) to the engine's HTTP server, and the clock
 * stops when the Environment reports the commit applied (its objects were server-side applied).
 * Polling is hourly, so only the webhook can cause the change. Target: p50 < 300 ms. This prints
 * the figures; no test asserts timings.
 *
 *   npx tsc -p . && node dist/bench/webhook.js [ROUNDS]
 *
 * Under polling load: BENCH_BACKGROUND_APPS=N more apps, each with its own repository, all polled
 * every BENCH_POLL (default 5s with background apps), deployed and Ready before the rounds; each
 * push then waits a random part of the poll interval first, so the webhooks land at every phase of
 * the polling (a webhook waiting behind poll work shows in p90 and max).
 *
 *   BENCH_BACKGROUND_APPS=100 node dist/bench/webhook.js 20
 *
 * Uses RIA_TEST_KUBECONFIG when set, else starts (and stops) a local control plane.
 */
import { performance } from 'node:perf_hooks';
import { startLocalCluster, type LocalCluster } from '../engine/dev/cluster/local-cluster.js';
import { githubHarness } from '../test/github/harness.js';
import { pushPayload } from '../test/github/payloads.js';

const rounds = Number(process.argv[2] ?? 20);
const backgroundApps = Number(process.env.BENCH_BACKGROUND_APPS ?? 0);
const poll = process.env.BENCH_POLL ?? (backgroundApps > 0 ? '5s' : '1h');
const riofile = (n: number) => `services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n    env: [ROUND=${n}]\n`;

async function main(): Promise<void> {
  let cluster: LocalCluster | undefined;
  if (!process.env.RIA_TEST_KUBECONFIG) {
    cluster = await startLocalCluster({ mode: 'full', nodes: 1, onProgress: (l) => process.stderr.write(`[cluster] ${l}\n`) });
    process.env.RIA_TEST_KUBECONFIG = cluster.kubeconfigPath;
  }
  const h = await githubHarness({ pollInterval: poll, gitServerProcess: true, ...(process.env.BENCH_NO_REPORT ? { github: '  statuses: false\n  deployments: false\n' } : {}) });
  try {
    const repo = await h.repo('bench');
    const app = h.appName('bench');
    const name = `${app}--main`;
    const first = await h.commitApp(repo, 'main', { Riofile: riofile(0) });
    const config: Record<string, string> = { [`apps/${app}.yaml`]: h.appFile(repo) };
    const background: string[] = [];
    for (let i = 0; i < backgroundApps; i++) {
      const r = await h.repo(`bg${i}`);
      await h.commitApp(r, 'main', { Riofile: riofile(0) });
      config[`apps/${h.appName(`bg${i}`)}.yaml`] = h.appFile(r);
      background.push(`${h.appName(`bg${i}`)}--main`);
    }
    const t0 = performance.now();
    await h.commitConfig(config);
    await h.waitEnvironment(name, 'Ready', (e) => e.status?.phase === 'Ready' && e.status.appliedCommit === first, 120_000 + backgroundApps * 3_000);
    for (const bg of background) await h.waitEnvironment(bg, 'Ready', (e) => e.status?.phase === 'Ready', 120_000 + backgroundApps * 3_000);
    if (backgroundApps) process.stdout.write(`  ${backgroundApps + 1} apps Ready in ${((performance.now() - t0) / 1000).toFixed(1)} s; polling every ${poll}\n`);
    const pollMs = /^\d+s$/.test(poll) ? Number(poll.slice(0, -1)) * 1000 : 0;
    let previous = first;
    const samples: number[] = [];
    const toSpec: number[] = [];
    const answered: number[] = [];
    for (let i = 1; i <= rounds; i++) {
      const before = previous;
      if (backgroundApps) await new Promise((r) => setTimeout(r, Math.random() * pollMs));
      const sha = await h.commitApp(repo, 'main', { Riofile: riofile(i) });
      previous = sha;
      const started = performance.now();
      const res = await h.deliver('push', pushPayload(repo, { ref: 'refs/heads/main', before, after: sha }));
      if (res.status !== 202) throw new Error(`webhook answered ${res.status}: ${res.text}`);
      answered.push(performance.now() - started);
      let seen: number | undefined;
      for (;;) {
        const env = await h.environment(name);
        if (seen === undefined && env?.spec.commit === sha) seen = performance.now() - started;
        if (env?.status?.appliedCommit === sha) break;
        if (performance.now() - started > 30_000) throw new Error(`round ${i}: ${sha} not applied within 30 s`);
        await new Promise((r) => setTimeout(r, 5));
      }
      samples.push(performance.now() - started);
      toSpec.push(seen ?? 0);
      // Let the rollout settle so each round starts from a Ready environment, as in real life.
      await h.waitEnvironment(name, 'Ready', (e) => e.status?.phase === 'Ready', 60_000);
    }
    const q = (p: number, list = samples) => [...list].sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor(p * list.length))]!.toFixed(0);
    process.stdout.write(`  webhook answered 202: p50 ${q(0.5, answered)} ms; webhook → Environment at the new commit (source listed): p50 ${q(0.5, toSpec)} ms\n`);
    process.stdout.write(`webhook → objects applied (image-only service, ${rounds} rounds${backgroundApps ? `, ${backgroundApps} more apps polled every ${poll}` : ''}): p50 ${q(0.5)} ms, p90 ${q(0.9)} ms, max ${q(1)} ms (target p50 < 300 ms)\n`);
  } finally {
    await h.close();
    await cluster?.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
