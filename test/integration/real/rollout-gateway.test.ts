/**
 * Progressive delivery proven through the real gateway (issue 14's proof): Traefik on the real
 * node in front of real pods, requests sent from the host through the gateway and counted by what
 * they answer. Each version is busybox httpd serving a page that names it (the local busybox
 * image), with a readiness file the test can remove through the version's own URL
 * (/cgi-bin/unready) and a CGI page answering the status code its Riofile gives (/cgi-bin/answer).
 * Bounded: 400 requests per measurement, loopback only.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { engineHarness, type EngineHarness } from '../../support/engine-harness.js';
import { eventually, testClients } from '../../support/kube.js';
import { gatewaySkip, hostOf, testGateway, type Answer, type TestGateway } from '../../support/gateway.js';
import { realNode } from '../../support/real-node.js';
import { endpointHost, environmentNamespace } from '../../../engine/render/names.js';
import type { Environment } from '../../../engine/crds/types.js';
import type { KubeObject } from '../../../engine/kube/objects.js';
import type { ServiceRolloutState } from '../../../engine/rollout/types.js';

const skip = gatewaySkip();
const { objects, ria, apps, core } = testClients();
const REQUESTS = 400;
let gw: TestGateway;
let h: EngineHarness;
let node: ReturnType<typeof realNode> | undefined;
let metrics: { port: number; close(): Promise<void> } | undefined;
let app: string;
let ns: string;
let envName: string;
let appHost: string;

/** The container's entry point: the page, the readiness file, the two CGI pages, then httpd. */
const START = [
  'mkdir -p /www/cgi-bin',
  'echo "$MARKER" > /www/index.html',
  'echo ok > /www/ready',
  "cat > /www/cgi-bin/unready <<'EOF'",
  '#!/bin/sh',
  'rm -f /www/ready',
  "printf 'Content-Type: text/plain\\r\\n\\r\\nunready\\n'",
  'EOF',
  'cat > /www/cgi-bin/answer <<EOF',
  '#!/bin/sh',
  "printf 'HTTP/1.1 $CODE x\\r\\nContent-Type: text/plain\\r\\n\\r\\n$MARKER\\n'",
  'EOF',
  'chmod 755 /www/cgi-bin/unready /www/cgi-bin/answer',
  'exec httpd -f -p 8080 -h /www',
];

const riofile = (marker: string, o: { interval?: number; code?: number; extra?: string } = {}) => `configs:
  site:
    start.sh: |-
${START.map((l) => `      ${l}`).join('\n')}
services:
  web:
    image: busybox:1.35
    command: [sh, /app/start.sh]
    ports: 8080/http
    env:
    - MARKER=${marker}
    - CODE=${o.code ?? 200}
    configs:
    - site/start.sh:/app/start.sh
    readiness:
      httpGet:
        path: /ready
        port: 8080
      periodSeconds: 1
      failureThreshold: 1
    template: true
    rollout:
      increment: 25
      interval: ${o.interval ?? 20}
${o.extra ?? ''}`;

const webState = (e: Environment | undefined): ServiceRolloutState | undefined => e?.status?.rollout?.services['web'];
const v = (sha: string) => `v${sha.slice(0, 5)}`;
/** An answer as counted: the version's marker, or the HTTP status when it is not a 200. */
const marker = (a: Answer) => (a.status === 200 ? a.body.trim() : `HTTP ${a.status}`);
const measure = (host: string, path = '/') => gw.count(host, path, REQUESTS, marker, { concurrency: 8 });
const percent = (counts: Map<string, number>, key: string) => (100 * (counts.get(key) ?? 0)) / REQUESTS;
const show = (counts: Map<string, number>) => JSON.stringify(Object.fromEntries(counts));

/**
 * The app's HTTPRoute as the gateway has loaded it: Traefik writes the route's Accepted condition
 * for a generation once it built its configuration from it, so requests from then on follow the
 * weights of that generation. Returns the weights by backend.
 */
async function routeServed(): Promise<Record<string, number>> {
  return eventually('app route served by the gateway at its generation', async () => {
    const route = await objects.read({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { namespace: ns, name: 'web' } }) as KubeObject & {
      metadata: { generation?: number };
      spec: { rules: { backendRefs: { name: string; weight?: number }[] }[] };
      status?: { parents?: { conditions?: { type: string; status: string; observedGeneration?: number }[] }[] };
    };
    const accepted = route.status?.parents?.some((p) => p.conditions?.some((c) => c.type === 'Accepted' && c.status === 'True' && c.observedGeneration === route.metadata.generation));
    return accepted ? Object.fromEntries(route.spec.rules[0]!.backendRefs.map((b) => [b.name, b.weight ?? 1])) : undefined;
  }, 30_000, 100);
}

/**
 * Waits until the status shows the new version at `weight`, then until the gateway serves that
 * step, before the measurement: the app route Accepted at its generation, the version's pod among
 * the gateway's servers (its own URL answers with its marker), and the new weights in effect (a
 * probe of 20 requests gives it a share within half a step of `weight`; the previous step's share
 * is a whole step away). Why all three: the engine steps once the Deployment is Ready and the
 * gateway learns of the ready endpoint a moment later; and Traefik writes a route's Accepted
 * status when it builds its configuration, which it applies later (seconds later on this busy
 * machine): measured without the probe, 12.75 % at 25 % and 5.5 % at 25 %.
 */
/** Until `n` answers in a row come from `expect` (Traefik applies an Accepted route's new weights a moment after its status). */
async function stableInARow(host: string, path: string, expect: string, n: number): Promise<void> {
  let inARow = 0;
  await eventually(`${n} answers in a row from ${expect}`, async () => {
    inARow = marker(await gw.get(host, path)) === expect ? inARow + 1 : 0;
    return inARow >= n ? true : undefined;
  }, 30_000, 0);
}
async function waitStep(commit: string, weight: number, expect: string, timeoutMs = 180_000): Promise<ServiceRolloutState> {
  const env = await h.waitEnvironment(envName, `${v(commit)} at ${weight}%`, (e) => webState(e)?.canary?.commit === commit && webState(e)!.weight === weight && webState(e)!.phase === 'Progressing', timeoutMs);
  const state = webState(env)!;
  await routeServed();
  await gw.until(`${v(commit)} answers on its own URL`, hostOf(state.canary!.url!), '/', (a) => (marker(a) === expect ? true : undefined), 30_000);
  await eventually(`the gateway sends ${v(commit)} about ${weight}%`, async () => {
    const probe = await gw.count(appHost, '/', 20, marker, { concurrency: 4 });
    return Math.abs((100 * (probe.get(expect) ?? 0)) / 20 - weight) <= 12.5 ? true : undefined;
  }, 30_000, 250);
  return state;
}

before(async () => {
  if (skip) return;
  gw = await testGateway(ria);
  node = realNode();
  // Traefik's Prometheus endpoint (node-gateway.ts), reached from the host like the gateway itself.
  const metricsPort = gw.gateway.ports.metrics;
  if (metricsPort !== undefined) metrics = await node.publish(gw.gateway.statusAddress, metricsPort);
  const gate = metrics ? `  healthGate:\n    metricsUrl: http://127.0.0.1:${metrics.port}/metrics\n    minRequests: 20\n` : '';
  h = await engineHarness({ settings: gw.settings(`pollInterval: 1s\nrollouts:\n  drain: 3s\n  keepRolledBack: 5m\n${gate}`) });
  app = h.appName('roll');
  const where = { app, kind: 'branch' as const, branch: 'main', commit: '0'.repeat(40) };
  ns = environmentNamespace(where);
  envName = ns;
  appHost = endpointHost(['web'], where, gw.domain);
});
after(async () => {
  await h?.close();
  await metrics?.close();
  await node?.close();
  await gw?.close();
});

let c2: string;

test('template: true through the gateway: at each step the new version answers its share of 400 requests (±5 points); at the end only it runs', { skip, timeout: 600_000 }, async () => {
  const c1 = await h.commitApp('roll', 'main', { Riofile: riofile('one') });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'roll') });
  await h.waitEnvironment(envName, 'Ready at the first version', (e) => e.status?.phase === 'Ready' && webState(e)?.stable?.commit === c1, 240_000);
  await gw.until('the app URL answers "one"', appHost, '/', (a) => (marker(a) === 'one' ? true : undefined));
  const first = await measure(appHost);
  assert.deepEqual([...first], [['one', REQUESTS]], 'the first version serves everything');

  c2 = await h.commitApp('roll', 'main', { Riofile: riofile('two') });
  const figures: string[] = [];
  for (const weight of [25, 50, 75]) {
    const state = await waitStep(c2, weight, 'two');
    const route = await routeServed();
    assert.deepEqual([route[`web-${v(c2)}`], route[`web-${v(c1)}`]], [weight, 100 - weight], `the route at step ${state.step}`);
    const counts = await measure(appHost);
    const now = webState(await h.environment(envName))!;
    assert.deepEqual([now.step, now.weight], [state.step, weight], `no step during the measurement (interval 20 s): ${show(counts)}`);
    assert.equal((counts.get('one') ?? 0) + (counts.get('two') ?? 0), REQUESTS, `every answer from one of the two versions: ${show(counts)}`);
    const share = percent(counts, 'two');
    figures.push(`${weight}%: ${share.toFixed(1)}%`);
    assert.ok(Math.abs(share - weight) <= 5, `step ${state.step}: the new version answered ${share.toFixed(1)} % of ${REQUESTS} requests, expected ${weight} ± 5 (${show(counts)})`);
  }
  process.stdout.write(`# new version's share through the gateway per step: ${figures.join(', ')}\n`);

  await h.waitEnvironment(envName, 'rolled out', (e) => webState(e)?.phase === 'Complete' && webState(e)?.stable?.commit === c2 && e.status?.phase === 'Ready', 60_000);
  await eventually('the old version removed after its drain', async () => {
    const list = await apps.listNamespacedDeployment({ namespace: ns });
    return list.items.map((d) => d.metadata?.name).join() === `web-${v(c2)}` ? true : undefined;
  }, 60_000);
  await eventually('the old version\'s pods gone', async () => ((await core.listNamespacedPod({ namespace: ns, labelSelector: `ria.dev/service=web-${v(c1)}` })).items.length === 0 ? true : undefined), 60_000);
  const last = await measure(appHost);
  assert.deepEqual([...last], [['two', REQUESTS]], 'only the new version answers');
});

test('a new version whose readiness fails after the first step: traffic back to 100 % stable within one interval, the Environment says why', { skip, timeout: 600_000 }, async () => {
  const interval = 30;
  const c3 = await h.commitApp('roll', 'main', { Riofile: riofile('three', { interval }) });
  const state = await waitStep(c3, 25, 'three');
  const shared = await measure(appHost);
  assert.ok(Math.abs(percent(shared, 'three') - 25) <= 5, `25 % before the failure: ${show(shared)}`);

  // The new version's readiness fails from now on (its page removes its readiness file).
  const versionHost = hostOf(state.canary!.url!);
  const started = Date.now();
  assert.equal(marker(await gw.get(versionHost, '/cgi-bin/unready')), 'unready');
  // Through the gateway: 50 answers in a row from the stable version.
  let inARow = 0;
  await eventually('100 % stable through the gateway', async () => {
    inARow = marker(await gw.get(appHost, '/')) === 'two' ? inARow + 1 : 0;
    return inARow >= 50 ? true : undefined;
  }, interval * 1000, 0);
  const elapsed = Date.now() - started;
  // The reconcile that rolls back moves the route's weights back to the stable version; until the
  // gateway has accepted that route the Environment is Deploying (the rollback is being served),
  // and the next look (a second later) makes it Failed.
  const env = await h.waitEnvironment(envName, 'rolled back and Failed', (e) => webState(e)?.phase === 'RolledBack' && e.status?.phase === 'Failed', 10_000);
  const s = webState(env)!;
  process.stdout.write(`# readiness failed -> 50 stable answers in a row through the gateway: ${elapsed} ms (interval ${interval} s)\n`);
  assert.ok(elapsed < interval * 1000, `back to stable ${elapsed} ms after the failure`);
  assert.ok(Date.parse(s.lastTransition) < Date.parse(state.nextStepAt!), 'rolled back before the next step was due');
  assert.equal(s.reason, 'NotReady');
  assert.match(s.message ?? '', new RegExp(`^${v(c3)} rolled back at step 1 \\(25%\\): Deployment/web-${v(c3)}: 0/1 available; ${v(c2)} serves 100%$`));
  assert.equal(env.status?.phase, 'Failed');
  const stalled = env.status?.conditions?.find((c) => c.type === 'Stalled');
  assert.deepEqual([stalled?.status, stalled?.reason], ['True', 'RolledBack']);
  assert.equal(env.status?.rollout?.summary, `${v(c3)} rolled back`);
  const back = await measure(appHost);
  assert.deepEqual([...back], [['two', REQUESTS]], 'the stable version answers everything');
  assert.equal((await apps.readNamespacedDeployment({ namespace: ns, name: `web-${v(c3)}` })).spec?.replicas, 1, 'the rolled-back version is kept for inspection');
});

test('stageOnly: the staged version answers on its own URL; the app URL never reaches it', { skip, timeout: 600_000 }, async () => {
  const c4 = await h.commitApp('roll', 'main', { Riofile: riofile('four', { extra: '    stageOnly: true\n' }) });
  const env = await h.waitEnvironment(envName, 'staged', (e) => webState(e)?.canary?.commit === c4 && webState(e)!.phase === 'Staged' && e.status?.phase === 'Ready', 180_000);
  const versionHost = hostOf(webState(env)!.canary!.url!);
  await gw.until('the staged version answers on its own URL', versionHost, '/', (a) => (marker(a) === 'four' ? true : undefined));
  const own = await measure(versionHost);
  assert.deepEqual([...own], [['four', REQUESTS]], 'its own URL reaches only the staged version');
  await routeServed();
  const counts = await measure(appHost);
  assert.deepEqual([...counts], [['two', REQUESTS]], `the app URL never reaches the staged version: ${show(counts)}`);
});

test('health gate on Traefik\'s metrics: a Ready new version answering 500 at the gateway is rolled back (ErrorRate) before its next step', { skip, timeout: 600_000 }, async (t) => {
  if (!metrics) { t.skip('this cluster\'s Traefik exports no metrics (RunningGateway.ports.metrics)'); return; }
  const c5 = await h.commitApp('roll', 'main', { Riofile: riofile('five', { code: 500, interval: 30 }) });
  const state = await waitStep(c5, 25, 'five');
  const counts = await measure(appHost, '/cgi-bin/answer');
  assert.equal((counts.get('HTTP 500') ?? 0) + (counts.get('two') ?? 0), REQUESTS, show(counts));
  const env = await h.waitEnvironment(envName, 'rolled back by the gate', (e) => webState(e)?.phase === 'RolledBack', 30_000);
  const s = webState(env)!;
  assert.equal(s.reason, 'ErrorRate');
  const m = new RegExp(`^${v(c5)} rolled back at step 1 \\(25%\\): error rate \\d+% \\((\\d+) of (\\d+) requests answered 5xx at the gateway since ${v(c5)} got traffic\\), over the health gate's 5%; ${v(c2)} serves 100%$`).exec(s.message ?? '');
  assert.ok(m, s.message);
  // The gate judged the gateway's own counters while the test was sending: the 5xx it counted are
  // among the 500s this test received (it may judge before the last of them), the other requests
  // it counted are the 200s of the probes of the version's page.
  const [errors, total] = [Number(m[1]), Number(m[2])];
  assert.ok(errors >= 1 && errors <= (counts.get('HTTP 500') ?? 0) && total >= errors, `the gate's 5xx (${errors}) are among the ${counts.get('HTTP 500')} the test received: ${s.message}`);
  process.stdout.write(`# health gate: ${s.message}; rolled back ${Date.parse(s.lastTransition) - Date.parse(state.lastTransition)} ms after step 1 (second precision)\n`);
  assert.ok(Date.parse(s.lastTransition) < Date.parse(state.nextStepAt!), 'before the next step was due');
  await routeServed();
  // The route is Accepted at its new generation when Traefik reads it; the configuration it serves
  // follows a moment later: wait for the stable version to answer steadily, then count.
  await stableInARow(appHost, '/cgi-bin/answer', 'two', 50);
  const back = await measure(appHost, '/cgi-bin/answer');
  assert.deepEqual([...back], [['two', REQUESTS]], 'the stable version answers everything');
});
