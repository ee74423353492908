/**
 * On the real node (pods run, Kaniko builds): how long from a push to new pods serving it, for
 * an image-only change (a Riofile env value: new pods, no build) and for a code change built from
 * the Dockerfile (push → Kaniko Job → image pushed → new pods → answer). The clock starts at the
 * push (the engine is poked as a webhook would), and stops when the Service, asked from inside
 * the node's network, answers with the new commit's value. Prints p50/p90; asserts nothing.
 *
 *   npx tsc -p . && node dist/bench/builds.js [IMAGE_ROUNDS] [BUILD_ROUNDS]
 *
 * Starts (and stops) a local cluster in `real` mode (Linux, root, `build.sh --node`).
 */
import { performance } from 'node:perf_hooks';
import { startLocalCluster } from '../engine/dev/cluster/local-cluster.js';
import { realNodeCapability } from '../engine/dev/cluster/capability.js';
import { environmentNamespace } from '../engine/render/names.js';

const imageRounds = Number(process.argv[2] ?? 5);
const buildRounds = Number(process.argv[3] ?? 5);

const imageRiofile = (n: number) => `services:
  web:
    image: node:20-alpine
    command: ["node", "-e", "require('http').createServer((q, r) => r.end(process.env.ROUND)).listen(8080)"]
    ports: 8080/http
    env:
    - ROUND=${n}
`;
const buildRiofile = 'services:\n  web:\n    build:\n      dockerfile: Dockerfile\n    ports: 8080/http\n';
const dockerfile = 'FROM node:20-alpine\nWORKDIR /app\nCOPY server.js ./\nRUN echo built\nUSER node\nCMD ["node", "server.js"]\n';
const server = (n: number) => `require('http').createServer((q, r) => r.end('${n}')).listen(8080);\nprocess.on('SIGTERM', () => process.exit(0));\n`;

const quantile = (list: number[], p: number) => [...list].sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor(p * list.length))]!;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const can = await realNodeCapability();
  if (!can.ok) throw new Error(`this machine cannot run a real node: ${can.reasons.join('; ')}`);
  const cluster = await startLocalCluster({ mode: 'real', nodes: 1, onProgress: (l) => process.stderr.write(`[cluster] ${l}\n`) });
  process.env.RIA_TEST_KUBECONFIG = cluster.kubeconfigPath;
  process.env.RIA_TEST_REAL_NODE = JSON.stringify(cluster.node!.info);
  // Imported after the environment is set: the test helpers read it when loaded.
  const { engineHarness } = await import('../test/support/engine-harness.js');
  const { realNode, realBuildSettings, publishRegistry } = await import('../test/support/real-node.js');
  const { testClients } = await import('../test/support/kube.js');
  const { core } = testClients();
  const node = realNode();
  const registry = await publishRegistry(node);
  const h = await engineHarness({ settings: realBuildSettings(node.info, { registryEndpoint: registry.url }).replace('pollInterval: 1s', 'pollInterval: 1h') });
  await node.exposeHostPort(Number(new URL(h.git.urlFor('x')).port));
  const answer = async (namespace: string): Promise<string | undefined> => {
    const ip = (await core.readNamespacedService({ namespace, name: 'web' }).catch(() => undefined))?.spec?.clusterIP;
    if (!ip) return undefined;
    const res = await node.request(`http://${ip}:8080/`, { timeoutMs: 2000 }).catch(() => undefined);
    return res?.status === 200 ? res.body : undefined;
  };
  /** Pushes, pokes, and times until the Service answers `expect`. */
  const round = async (repo: string, namespace: string, files: Record<string, string>, expect: string, limitMs: number): Promise<number> => {
    await h.commitApp(repo, 'main', files);
    const started = performance.now();
    h.engine.poke(h.git.urlFor(repo));
    while ((await answer(namespace)) !== expect) {
      if (performance.now() - started > limitMs) throw new Error(`${repo}: "${expect}" not served within ${limitMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return performance.now() - started;
  };
  try {
    const report = (what: string, samples: number[]) =>
      process.stdout.write(`${what} (${samples.length} pushes): p50 ${seconds(quantile(samples, 0.5))}, p90 ${seconds(quantile(samples, 0.9))}, max ${seconds(quantile(samples, 1))} [${samples.map(seconds).join(', ')}]\n`);
    for (const [repo, first, next, rounds, limit] of [
      ['image', { Riofile: imageRiofile(0) }, (n: number) => ({ Riofile: imageRiofile(n) }), imageRounds, 120_000],
      ['build', { Riofile: buildRiofile, Dockerfile: dockerfile, 'server.js': server(0) }, (n: number) => ({ 'server.js': server(n) }), buildRounds, 300_000],
    ] as const) {
      const app = h.appName(repo);
      const namespace = environmentNamespace({ app, kind: 'branch', branch: 'main', commit: '' });
      await h.commitApp(repo, 'main', first);
      await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, repo) });
      h.engine.poke(h.git.urlFor('config'));
      const t0 = performance.now();
      while ((await answer(namespace)) !== '0') {
        if (performance.now() - t0 > limit) throw new Error(`${repo}: first deploy not served within ${limit / 1000} s`);
        await new Promise((r) => setTimeout(r, 250));
      }
      process.stderr.write(`[bench] ${repo}: first deploy served after ${seconds(performance.now() - t0)}\n`);
      const samples: number[] = [];
      for (let i = 1; i <= rounds; i++) {
        samples.push(await round(repo, namespace, next(i), String(i), limit));
        process.stderr.write(`[bench] ${repo} round ${i}: ${seconds(samples.at(-1)!)}\n`);
      }
      report(repo === 'image' ? 'push → new pods serving (image-only change, no build)' : 'push → Kaniko build → new pods serving (Dockerfile change)', samples);
    }
  } finally {
    await h.close();
    await registry.close();
    await node.close();
    await cluster.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
