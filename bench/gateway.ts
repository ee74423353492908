/**
 * Push → the URL serves the new commit, on the real node behind the real gateway (Traefik), printed
 * as p50/p90 (never asserted). Each round pushes an image-only change (the service's image moves
 * between nginxdemos/hello:0.3-plain-text and :0.4-plain-text, the local stand-ins, which say
 * which tag answered), pokes the engine as the push webhook does, and times:
 *   - applied: the Environment has applied the commit (Ria's part);
 *   - first answer: the first request through the gateway answered by the new image;
 *   - served: from then on only the new image answers (5 in a row, requests every 50 ms).
 * Requests go through a host loopback port forwarded to the gateway, as a user's curl does.
 *
 *   npm run build && node dist/bench/gateway.js      (BENCH_ROUNDS, default 10; Linux, root,
 *   build.sh --node --gateway)
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { request } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import { startLocalCluster } from '../engine/dev/cluster/local-cluster.js';
import { startGitServerProcess } from '../engine/dev/git-server-process.js';
import { commitFiles, createRepo } from '../engine/dev/git-fixtures.js';
import { createEngine } from '../engine/controller/create.js';
import { ensureCrds } from '../engine/controller/install-crds.js';
import { gatewayObject } from '../engine/dev/cluster/gateway-objects.js';
import { endpointHost, environmentNamespace } from '../engine/render/names.js';
import { API_VERSION, type Environment } from '../engine/crds/types.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const TAGS = ['0.3-plain-text', '0.4-plain-text'] as const;
const DOMAIN = 'bench.ria.test';
const riofile = (tag: string) => `services:\n  web:\n    image: nginxdemos/hello:${tag}\n    ports: 80/http\n    scale: 2\n`;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tagAt(port: number, host: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host }, agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString('utf8'); });
      res.on('end', () => resolve(/Image: nginxdemos\/hello:(\S+)/.exec(body)?.[1]));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

const started = performance.now();
const cluster = await startLocalCluster({ mode: 'real', gateway: true, onProgress: (l) => process.stderr.write(`[cluster] ${l}\n`) });
const git = await startGitServerProcess();
const published: { close(): Promise<void> }[] = [];
try {
  const node = cluster.node!;
  const gw = cluster.gateway!;
  process.stderr.write(`real cluster with its gateway ready in ${((performance.now() - started) / 1000).toFixed(1)}s\n`);
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  const ns = 'ria-bench';
  const { engine, ctx } = createEngine({ kc, namespace: ns, gitCacheDir: await mkdtemp(join(tmpdir(), 'ria-bench-gw-')), config: { url: git.urlFor('config'), branch: 'main', path: '' } });
  await ensureCrds(ctx.objects);
  await ctx.objects.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await ctx.objects.apply(gatewayObject({ namespace: ns, name: 'gw', className: gw.className, hostname: `*.${DOMAIN}`, httpPort: gw.ports.http }), { force: true });
  let date = 0;
  const at = () => ({ date: new Date(Date.UTC(2026, 0, 1) + ++date * 1000).toISOString() });
  await createRepo(git, 'config');
  await createRepo(git, 'app');
  let sha = await commitFiles(git, 'app', 'main', { Riofile: riofile(TAGS[0]) }, 'first', at());
  await commitFiles(git, 'config', 'main', {
    'ria.yaml': `pollInterval: 60s\ndomain: ${DOMAIN}\ngateway:\n  namespace: ${ns}\n  name: gw\n`,
    'apps/bench.yaml': `repo: ${git.urlFor('app')}\nbranches: [main]\n`,
  }, 'config', at());
  engine.start();
  const host = endpointHost(['web'], { app: 'bench', kind: 'branch', branch: 'main', commit: sha }, DOMAIN);
  const port = await node.publish(gw.statusAddress, gw.ports.http);
  published.push(port);
  const envRef = { apiVersion: API_VERSION, kind: 'Environment', namespace: ns, name: environmentNamespace({ app: 'bench', kind: 'branch', branch: 'main', commit: sha }) };
  const waitFor = async <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 300_000): Promise<T> => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const v = await check();
      if (v !== undefined) return v;
      if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(50);
    }
  };
  await waitFor('the first deploy served', async () => ((await tagAt(port.port, host)) === TAGS[0] ? true : undefined));
  process.stderr.write(`first deploy served at http://${host}/ (through 127.0.0.1:${port.port})\n`);

  const applied: number[] = []; const first: number[] = []; const served: number[] = [];
  for (let i = 1; i <= ROUNDS; i++) {
    const tag = TAGS[i % 2]!;
    const t0 = performance.now();
    sha = await commitFiles(git, 'app', 'main', { Riofile: riofile(tag) }, `round ${i}`, at());
    engine.poke(git.urlFor('app'));
    let tApplied: number | undefined; let tFirst: number | undefined; let streak = 0; let inRow = 0;
    await waitFor(`round ${i} served`, async () => {
      if (tApplied === undefined) {
        const env = await ctx.objects.get<Environment>(envRef);
        if (env?.status?.appliedCommit === sha) tApplied = performance.now() - t0;
      }
      const seen = await tagAt(port.port, host);
      const t = performance.now() - t0;
      if (seen === tag) { tFirst ??= t; if (inRow === 0) streak = t; inRow++; } else inRow = 0;
      return inRow >= 5 && tApplied !== undefined ? true : undefined;
    });
    // Served: the start of the run of answers that are all the new image.
    applied.push(tApplied!); first.push(tFirst!); served.push(streak);
    process.stderr.write(`round ${i} (${tag}): applied ${(tApplied! / 1000).toFixed(2)}s, first answer ${(tFirst! / 1000).toFixed(2)}s, served ${(served.at(-1)! / 1000).toFixed(2)}s\n`);
  }
  const fmt = (xs: number[]) => `p50 ${(pct(xs, 50) / 1000).toFixed(2)} s, p90 ${(pct(xs, 90) / 1000).toFixed(2)} s`;
  console.log(`push → URL serves the new commit (image-only change, 2 replicas, real node + Traefik, ${ROUNDS} rounds):`);
  console.log(`  applied by Ria:            ${fmt(applied)}`);
  console.log(`  first answer from it:      ${fmt(first)}`);
  console.log(`  only it answers (served):  ${fmt(served)}`);
  await engine.stop();
} finally {
  for (const p of published) await p.close();
  await git.stop();
  await cluster.stop();
}
