import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { startGitServer, type GitServer } from '../../../engine/dev/git-server.js';
import { commitFiles, createRepo } from '../../../engine/dev/git-fixtures.js';
import { testClients, eventually } from '../../support/kube.js';
import { API_VERSION, type Environment } from '../../../engine/crds/types.js';
import { tempDir } from '../../support/temp-dir.js';

const bin = fileURLToPath(new URL('../../../engine/cli/bin.js', import.meta.url));
const { core, objects } = testClients();
let git: GitServer;
let child: ChildProcess;
let output = '';
const suffix = randomBytes(3).toString('hex');
const namespace = `ria-proc-${suffix}`;
const app = `proc-${suffix}`;

before(async () => {
  git = await startGitServer();
  await createRepo(git, 'config');
  await createRepo(git, 'app');
  // web: an image; worker: built from the Dockerfile (a build Job, so ria_build_duration_seconds has a sample).
  await commitFiles(git, 'app', 'main', { Riofile: 'services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n  worker:\n    image: ./\n    ports: 8080/http\n',
    Dockerfile: 'FROM scratch\n' }, 'app');
  await commitFiles(git, 'config', 'main', {
    'ria.yaml': 'pollInterval: 1s\ndomain: apps.test\n',
    [`apps/${app}.yaml`]: `repo: ${git.urlFor('app')}\nbranches: [main]\n`,
  }, 'config');
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  // The Pod this engine pretends to run in (RIA_POD_NAME): the leader labels it.
  await core.createNamespacedPod({ namespace, body: { metadata: { name: `test-${suffix}`, labels: { 'app.kubernetes.io/name': 'ria', 'ria.dev/leader': 'true' } },
    spec: { containers: [{ name: 'engine', image: 'ria:test' }] } } });
  child = spawn(process.execPath, [bin, 'engine', '--config-repo', git.urlFor('config'), '--namespace', namespace, '--http-port', '0', '--ops-port', '0', '--git-cache-dir', tempDir('ria-engine-git-cache-')], {
    env: { ...process.env, KUBECONFIG: process.env.RIA_TEST_KUBECONFIG, RIA_POD_NAME: `test-${suffix}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c: Buffer) => { output += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { output += c.toString(); });
});
after(async () => {
  if (child.exitCode === null) child.kill('SIGKILL');
  await git.stop();
});

function listeningUrls(): { url: string; opsUrl: string } | undefined {
  for (const line of output.split('\n')) {
    try {
      const entry = JSON.parse(line) as { msg?: string; url?: string; opsUrl?: string };
      if (entry.msg === 'engine listening' && entry.url && entry.opsUrl) return { url: entry.url, opsUrl: entry.opsUrl };
    } catch { /* not JSON */ }
  }
  return undefined;
}

const leaderLabel = async () => (await core.readNamespacedPod({ namespace, name: `test-${suffix}` })).metadata?.labels?.['ria.dev/leader'];

test('`ria engine` serves health and metrics, leads, labels its Pod as the leader, deploys, and stops cleanly on SIGTERM', async () => {
  const urls = await eventually('the engine to listen', async () => listeningUrls(), 30_000);
  const base = urls.opsUrl.replace('0.0.0.0', '127.0.0.1');
  const webhookBase = urls.url.replace('0.0.0.0', '127.0.0.1');
  assert.notEqual(base, webhookBase, 'two listeners');
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  // The internet-facing port serves the webhook and nothing else.
  for (const path of ['/healthz', '/readyz', '/metrics']) assert.equal((await fetch(`${webhookBase}${path}`)).status, 404, path);
  assert.equal((await fetch(`${webhookBase}/hooks/github`, { method: 'POST', body: '{}' })).status, 401);

  const env = await eventually('Environment Ready', async () => {
    const e = await objects.read({ apiVersion: API_VERSION, kind: 'Environment', metadata: { namespace, name: `${app}--main` } }).catch(() => undefined);
    return (e as Environment | undefined)?.status?.phase === "Ready" ? (e as Environment) : undefined;
  }, 90_000);
  assert.equal(env.status?.url, `https://web--${app}--main.apps.test`);
  // The Service selects this label: webhooks go to the replica that acts on them.
  assert.equal(await eventually('the leader label', async () => leaderLabel(), 10_000), 'true');
  assert.equal((await core.readNamespacedPod({ namespace, name: `test-${suffix}` })).metadata?.labels?.['app.kubernetes.io/name'], 'ria', 'other labels stay');
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /ria_reconcile_total\{result="success"\} [1-9]/);
  assert.match(metrics, /ria_poll_duration_seconds_count\{repo="http:\/\/127\.0\.0\.1:\d+\/config\.git"\} [1-9]/);
  checkListedMetrics(metrics);

  const lines = output.split('\n').filter((l) => l.startsWith('{'));
  assert.ok(lines.length > 0 && lines.every((l) => { JSON.parse(l); return true; }), 'logs are JSON lines');

  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  const lease = await objects.read({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { namespace, name: 'ria-engine' } }) as { spec?: { holderIdentity?: string } };
  assert.ok(!lease.spec?.holderIdentity, 'the Lease is released so a standby takes over at once');
  assert.equal(await leaderLabel(), undefined, 'no longer the leader: the Service stops sending it webhooks');
});

/**
 * Every metric engine/controller/README.md lists is exposed with a sane value after a deploy with
 * one build, and so are the process and heap metrics (prom-client's default metrics).
 */
function checkListedMetrics(text: string): void {
  const samples = parseSamples(text);
  const value = (name: string, labels: Record<string, string> = {}) => {
    const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    assert.ok(found.length > 0, `${name}${JSON.stringify(labels)} is exposed:\n${text}`);
    return found.reduce((sum, s) => sum + s.value, 0);
  };
  const listed = ['ria_reconcile_total', 'ria_reconcile_duration_seconds', 'ria_poll_duration_seconds', 'ria_poll_errors_total', 'ria_build_duration_seconds',
    'ria_queue_depth', 'ria_environments', 'ria_webhook_deliveries_total'];
  for (const name of listed) assert.match(text, new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'), `${name} is declared`);
  assert.ok(value('ria_reconcile_duration_seconds_count') >= 1);
  assert.ok(value('ria_reconcile_duration_seconds_sum') > 0);
  // The build of worker: timed from its Job's start to its completion (whole seconds on the Job).
  assert.equal(value('ria_build_duration_seconds_count', { app, service: 'worker', result: 'succeeded' }), 1);
  const build = value('ria_build_duration_seconds_sum', { app, service: 'worker', result: 'succeeded' });
  assert.ok(build >= 0 && build < 600, `build took ${build} s`);
  // From the engine's watch of Environments: this engine's namespace has one, Ready.
  assert.equal(value('ria_environments', { phase: 'Ready' }), 1);
  for (const phase of ['Pending', 'Building', 'Deploying', 'Failed']) assert.equal(value('ria_environments', { phase }), 0, phase);
  const depth = value('ria_queue_depth');
  assert.ok(depth >= 0 && depth < 100, `queue depth ${depth}`);
  // The unsigned POST above.
  assert.ok(value('ria_webhook_deliveries_total', { result: 'unauthorized' }) >= 1);
  const rss = value('process_resident_memory_bytes');
  assert.ok(rss > 20 * 2 ** 20 && rss < 2 * 2 ** 30, `RSS ${rss}`);
  const heap = value('nodejs_heap_size_used_bytes');
  assert.ok(heap > 0 && heap < rss, `heap ${heap}`);
  assert.ok(value('process_cpu_seconds_total') > 0);
}

function parseSamples(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  return text.split('\n').filter((l) => l && !l.startsWith('#')).map((line) => {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
    return { name: m[1]!, labels, value: Number(m[3]) };
  });
}
