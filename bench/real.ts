/**
 * Figures on the real node (Linux, root, `build.sh --node`), printed, not asserted:
 *
 * 1. Cold start of `npm start` in real mode with cached binaries: `ria dev --mode real` until it
 *    prints that every example app is Ready (its own breakdown is printed too).
 * 2. `ria install` → first app Ready: a real cluster, the engine image (built from the Dockerfile
 *    by Kaniko on the node the first time, then pushed from the cache), `ria install`, and the
 *    time from the install until an app's Environment is Ready and its Service answers; then the
 *    leader's pod is deleted and the takeover (Lease held by the other replica) is timed.
 *
 *   npm run build && node dist/bench/real.js [--runs N] [--skip-dev] [--skip-install]
 */
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { KubeConfig, CoreV1Api, CoordinationV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { startLocalCluster } from '../engine/dev/cluster/local-cluster.js';
import { realNodeCapability } from '../engine/dev/cluster/capability.js';
import { engineImage } from '../engine/dev/cluster/engine-image.js';
import { startGitServer } from '../engine/dev/git-server.js';
import { commitFiles, createRepo } from '../engine/dev/git-fixtures.js';
import { main } from '../engine/cli/main.js';
import { LEASE_NAME } from '../engine/install/manifests.js';
import { GROUP, VERSION, type Environment } from '../engine/crds/types.js';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] || 1) || 1;
const projectDir = fileURLToPath(new URL('../../', import.meta.url));
const bin = fileURLToPath(new URL('../engine/cli/bin.js', import.meta.url));

const can = await realNodeCapability();
if (!can.ok) {
  console.log(`real node not available here: ${can.reasons.join('; ')}`);
  process.exit(0);
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** `ria dev --mode real` from spawn to its "All N example apps are Ready" line; stopped with SIGINT. */
function devColdStart(): Promise<{ seconds: number; line: string }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [bin, 'dev', '--mode', 'real'], { stdio: ['ignore', 'pipe', 'pipe'], cwd: projectDir });
    let out = '';
    let result: { seconds: number; line: string } | undefined;
    const timer = setTimeout(() => child.kill('SIGINT'), 600_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = /All \d+ example apps are Ready[^\n]*/.exec(out);
      if (m && !result) {
        result = { seconds: (Date.now() - started) / 1000, line: m[0] };
        child.kill('SIGINT');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', () => {
      clearTimeout(timer);
      if (result) resolve(result);
      else reject(new Error(`ria dev --mode real did not report Ready; last output:\n${out.split('\n').slice(-15).join('\n')}`));
    });
  });
}

async function installToReady(): Promise<void> {
  const cluster = await startLocalCluster({ mode: 'real', onProgress: () => {} });
  const git = await startGitServer();
  const node = cluster.node!;
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    const core = kc.makeApiClient(CoreV1Api);
    const lease = kc.makeApiClient(CoordinationV1Api);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const gitPort = Number(new URL(git.url).port);
    await node.exposeHostPort(gitPort);
    const podUrl = (repo: string) => `http://${node.netns.bridgeIp}:${gitPort}/${repo}.git`;
    const image = await engineImage({ projectDir, node: node.info, kc, git, exposeHostPort: node.exposeHostPort, onProgress: (l) => console.log(`  ${l}`) });
    console.log(`engine image: ${image.built ? `built from the Dockerfile by Kaniko in ${image.seconds.toFixed(0)} s` : `cached build pushed in ${image.seconds.toFixed(1)} s`}`);

    await createRepo(git, 'config');
    await createRepo(git, 'web');
    await commitFiles(git, 'web', 'main', { Riofile: `services:\n  web:\n    image: ${node.images.busybox}\n    command: ["sh", "-c", "mkdir -p /tmp/w && echo ok > /tmp/w/index.html && exec httpd -f -p 8080 -h /tmp/w"]\n    ports: 8080/http\n    readiness:\n      httpGet:\n        path: /\n        port: 8080\n` }, 'web');
    await commitFiles(git, 'config', 'main', { 'ria.yaml': 'pollInterval: 2s\ndomain: apps.test\n', 'apps/web.yaml': `repo: ${podUrl('web')}\nbranches: [main]\n` }, 'config');
    const ns = 'ria-system';
    const t0 = Date.now();
    const quiet = { stdout: new PassThrough().resume(), stderr: new PassThrough().resume(), cwd: projectDir };
    if (await main(['install', '--namespace', ns, '--config-repo', podUrl('config'), '--image', image.image, '--kubeconfig', cluster.kubeconfigPath], quiet) !== 0) throw new Error('ria install failed');
    const installed = Date.now();
    const pods = async () => (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app.kubernetes.io/component=engine' })).items
      .filter((p) => !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    await until('two Ready engine pods', async () => ((await pods()).length === 2 ? true : undefined), 300_000);
    const podsReady = Date.now();
    const env = await until('the Environment Ready', async () => {
      const list = await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: 'environments' }) as { items: Environment[] };
      return list.items.find((e) => e.status?.phase === 'Ready');
    }, 300_000);
    const ready = Date.now();
    await until('the Service answering', async () => {
      const svc = await core.readNamespacedService({ namespace: env.spec!.namespace, name: 'web' });
      const res = await node.request(`http://${svc.spec!.clusterIP}:8080/`, { timeoutMs: 2000 });
      return res.status === 200 ? true : undefined;
    }, 120_000);
    const answering = Date.now();
    console.log(`install → first app Ready: ${((ready - t0) / 1000).toFixed(1)} s (ria install ${((installed - t0) / 1000).toFixed(1)} s, both engine pods Ready +${((podsReady - installed) / 1000).toFixed(1)} s, Environment Ready +${((ready - podsReady) / 1000).toFixed(1)} s); Service answering ${((answering - t0) / 1000).toFixed(1)} s`);

    const leader = (await lease.readNamespacedLease({ namespace: ns, name: LEASE_NAME })).spec!.holderIdentity!;
    const deleted = Date.now();
    await core.deleteNamespacedPod({ namespace: ns, name: leader });
    await until('another leader', async () => {
      const holder = (await lease.readNamespacedLease({ namespace: ns, name: LEASE_NAME })).spec?.holderIdentity;
      return holder && holder !== leader ? holder : undefined;
    }, 60_000, 100);
    console.log(`leader pod deleted → the other replica holds the Lease: ${((Date.now() - deleted) / 1000).toFixed(1)} s`);
  } finally {
    await git.stop();
    await cluster.stop();
  }
}

for (let i = 0; i < runs; i++) {
  if (!args.includes('--skip-dev')) {
    try {
      const r = await devColdStart();
      console.log(`npm start (ria dev --mode real), cached binaries: ${r.seconds.toFixed(1)} s to all Ready (${r.line})`);
    } catch (err) {
      console.log(`npm start (ria dev --mode real): ${(err as Error).message}`);
    }
  }
  if (!args.includes('--skip-install')) await installToReady();
}
