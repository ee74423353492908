import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseAllDocuments } from 'yaml';
import { engineHarness, type EngineHarness } from '../../support/engine-harness.js';
import { eventually, testClients, testKubeConfig } from '../../support/kube.js';
import type { Environment } from '../../../engine/crds/types.js';
import type { KubeObject } from '../../../engine/kube/objects.js';
import type { ServiceRolloutState } from '../../../engine/rollout/types.js';
import { createRolloutCommand } from '../../../engine/cli/rollout-command.js';
import { endpointHost, environmentNamespace } from '../../../engine/render/names.js';

/**
 * Progressive delivery on the real control plane (kwok pods: a version's readiness is what the
 * Deployment controller and kwok report). The gateway is not involved: what is checked is what
 * the engine writes (the HTTPRoute weights, the Environment's status) and which objects exist.
 * The health gate reads a Prometheus endpoint this test serves, in Traefik's format, standing in
 * for the gateway's (the real one: test/integration/real/rollout-gateway.test.ts).
 */
const { apps, core } = testClients();
let h: EngineHarness;
let app: string;
let ns: string;
let envName: string;
let host: (...parts: string[]) => string;
/** What the stand-in for the gateway's metrics endpoint answers (Prometheus text). */
let metricsText = '';
let metrics: Server;
const pool = () => `rollout-${h.suffix}`;
const v = (sha: string) => `v${sha.slice(0, 5)}`;

const riofile = (marker: string, extra = '', rollout = '      increment: 25\n      interval: 3\n') => `services:
  web:
    image: nginx:1.27
    ports: 80/http
    env:
    - MARKER=${marker}
    template: true
    rollout:
${rollout}${extra}`;

async function installGatewayApiCrds(): Promise<void> {
  const path = process.env.RIA_TEST_GATEWAY_API_CRDS;
  if (!path) throw new Error('RIA_TEST_GATEWAY_API_CRDS is not set: run through node dist/test/run.js --integration');
  const crds = parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS() as KubeObject | null).filter((o): o is KubeObject => o?.kind === 'CustomResourceDefinition');
  for (const crd of crds) await h.ctx.objects.apply(crd, { force: true, fieldManager: 'ria-test' });
  for (const crd of crds) {
    await eventually(`CRD ${crd.metadata.name} Established`, async () => {
      const live = await h.ctx.objects.get<KubeObject>({ apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name });
      return ((live?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
    });
  }
}

/** The app route's weights by version Service name (a lone backend without weight counts as 100). */
async function routeWeights(): Promise<Record<string, number>> {
  const route = await h.ctx.objects.get<KubeObject>({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: ns, name: 'web' });
  const refs = ((route?.spec as { rules?: { backendRefs?: { name: string; weight?: number }[] }[] } | undefined)?.rules?.[0]?.backendRefs) ?? [];
  // A lone backend gets all the traffic whatever its weight (the API server defaults it to 1).
  return Object.fromEntries(refs.map((r) => [r.name, refs.length === 1 ? 100 : r.weight ?? 1]));
}

/** The versions that get traffic (draining versions of earlier tests stay on the route with weight 0 for 30 s). */
async function serving(): Promise<Record<string, number>> {
  return Object.fromEntries(Object.entries(await routeWeights()).filter(([, w]) => w > 0));
}

const webState = (e: Environment | undefined): ServiceRolloutState | undefined => e?.status?.rollout?.services['web'];
const deploymentExists = (name: string) => apps.readNamespacedDeployment({ namespace: ns, name }).then(() => true, () => false);

/** Watches the rollout until `done`, recording each distinct step the status shows (and the route at that time). */
async function followRollout(done: (s: ServiceRolloutState) => boolean, timeoutMs = 90_000): Promise<Array<{ step: number; weight: number; at: string; route: Record<string, number> }>> {
  const seen: Array<{ step: number; weight: number; at: string; route: Record<string, number> }> = [];
  await eventually('rollout finished', async () => {
    const s = webState(await h.environment(envName));
    if (!s) return undefined;
    if (s.canary && s.step > 0 && seen.at(-1)?.step !== s.step) seen.push({ step: s.step, weight: s.weight, at: s.lastTransition, route: await routeWeights() });
    return done(s) ? true : undefined;
  }, timeoutMs, 150);
  return seen;
}

before(async () => {
  metrics = createServer((req, res) => { res.setHeader('content-type', 'text/plain; version=0.0.4'); res.end(metricsText); });
  await new Promise<void>((resolve) => metrics.listen(0, '127.0.0.1', resolve));
  const metricsUrl = `http://127.0.0.1:${(metrics.address() as AddressInfo).port}/metrics`;
  h = await engineHarness({ settings: `pollInterval: 1s\ndomain: apps.test\ngateway:\n  name: public\n  namespace: ria-gateway\nrollouts:\n  keepRolledBack: 15s\n  healthGate:\n    metricsUrl: ${metricsUrl}\n    minRequests: 10\n` });
  await installGatewayApiCrds();
  app = h.appName('roll');
  const where = { app, kind: 'branch' as const, branch: 'main', commit: '0'.repeat(40) };
  ns = environmentNamespace(where);
  // The Environment is named like its namespace.
  envName = ns;
  host = (...parts: string[]) => endpointHost(parts, where, 'apps.test');
});
after(async () => {
  await h.ctx.objects.delete({ apiVersion: 'v1', kind: 'Node', name: pool() }).catch(() => undefined);
  await h.close();
  await new Promise((resolve) => metrics.close(resolve));
});

let c1: string;
let c2: string;
let c3: string;
let c4: string;

test('template: true: the first version serves at once; a push makes a new version that takes 25 % every 3 s while Ready, then the old one drains and goes', async () => {
  c1 = await h.commitApp('roll', 'main', { Riofile: riofile('one') });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'roll') });
  const first = await h.waitEnvironment(envName, 'Ready at the first version', (e) => e.status?.phase === 'Ready' && webState(e)?.stable?.commit === c1);
  assert.equal(first.status?.rollout?.summary, `${v(c1)} 100%`);
  assert.ok(await deploymentExists(`web-${v(c1)}`));
  assert.deepEqual(await routeWeights(), { [`web-${v(c1)}`]: 100 });
  assert.ok(first.status?.urls?.['web']?.includes(`https://${host('web', v(c1))}`), 'the version has its own URL');

  c2 = await h.commitApp('roll', 'main', { Riofile: riofile('two') });
  const steps = await followRollout((s) => s.phase === 'Complete' && s.stable?.commit === c2);
  assert.deepEqual(steps.map((s) => [s.step, s.weight]), [[1, 25], [2, 50], [3, 75]], 'each step once, in order');
  for (let i = 1; i < steps.length; i++) {
    assert.ok(Date.parse(steps[i]!.at) - Date.parse(steps[i - 1]!.at) >= 3_000, `step ${steps[i]!.step} came at least one interval after the previous one`);
  }
  // The route is applied before the status is written: when the status shows a step, the route has it (or the next).
  assert.ok(steps.every((s) => (s.route[`web-${v(c2)}`] ?? -1) >= s.weight), `the route follows the steps: ${JSON.stringify(steps)}`);
  assert.ok(steps.some((s) => s.route[`web-${v(c2)}`] === s.weight && s.route[`web-${v(c1)}`] === 100 - s.weight), 'the route carries the step\'s weights');

  const env = await h.environment(envName);
  assert.equal(env?.status?.phase, 'Ready');
  assert.equal(webState(env)?.reason, 'RolledOut');
  assert.deepEqual(await routeWeights(), { [`web-${v(c2)}`]: 100, [`web-${v(c1)}`]: 0 }, 'the old version drains with weight 0');
  assert.ok(await deploymentExists(`web-${v(c1)}`), 'kept during the drain');
  await eventually('old version removed after the drain', async () => (!(await deploymentExists(`web-${v(c1)}`)) ? true : undefined), 60_000);
  assert.deepEqual(await routeWeights(), { [`web-${v(c2)}`]: 100 });
  const after = await h.environment(envName);
  assert.ok(!after?.status?.inventory?.some((o) => o.name.endsWith(v(c1))), 'nothing of the old version left in the inventory');
});

test('engine killed during a rollout: after the restart it continues from its recorded step, no step repeated or skipped', async () => {
  c3 = await h.commitApp('roll', 'main', { Riofile: riofile('three') });
  await h.waitEnvironment(envName, 'step 2', (e) => webState(e)?.canary?.commit === c3 && webState(e)!.step === 2, 60_000);
  await h.stopEngine();
  const recorded = webState(await h.environment(envName))!;
  // Down for more than two intervals: a restarted engine must not catch up by jumping.
  await new Promise((resolve) => setTimeout(resolve, 7_000));
  const whileDown = webState(await h.environment(envName))!;
  assert.deepEqual([whileDown.step, whileDown.weight], [recorded.step, recorded.weight], 'nothing moves while the engine is down');
  await h.restartEngine();
  const steps = await followRollout((s) => s.phase === 'Complete' && s.stable?.commit === c3);
  // Steps after the recorded one: each once, in order, none skipped (25 % each, up to 75 %, then 100 %).
  const expected = [3].filter((k) => k > recorded.step).map((k) => [k, 25 * k]);
  assert.deepEqual(steps.filter((s) => s.step > recorded.step).map((s) => [s.step, s.weight]), expected, `continued from step ${recorded.step}: ${JSON.stringify(steps)}`);
  for (const s of steps.filter((x) => x.step === recorded.step)) assert.equal(s.at, recorded.lastTransition, `step ${recorded.step} was not taken again`);
  assert.ok(steps.every((s) => s.step >= recorded.step), 'no step went back');
  assert.equal(webState(await h.environment(envName))?.reason, 'RolledOut');
});

test('a new version that stops being Ready after its first step: traffic back to 100 % stable within one interval, the Environment says why', async () => {
  // A node only the new version may run on; cordoned and its pod deleted, the version has no pod.
  await h.ctx.objects.apply({ apiVersion: 'v1', kind: 'Node', metadata: { name: pool(),
    labels: { type: 'kwok', 'kubernetes.io/hostname': pool(), 'ria-test/pool': pool() },
    annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' } }, spec: {} }, { fieldManager: 'ria-test', force: true });
  const affinity = `    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions:
          - key: ria-test/pool
            operator: In
            values: [${pool()}]
`;
  c4 = await h.commitApp('roll', 'main', { Riofile: riofile('four', affinity, '      increment: 25\n      interval: 10\n') });
  await h.waitEnvironment(envName, 'first step of the new version', (e) => webState(e)?.canary?.commit === c4 && webState(e)!.weight === 25, 60_000);
  assert.equal((await routeWeights())[`web-${v(c4)}`], 25);
  await h.ctx.objects.mergePatch({ apiVersion: 'v1', kind: 'Node', name: pool() }, { spec: { unschedulable: true } });
  const started = Date.now();
  await core.deleteCollectionNamespacedPod({ namespace: ns, labelSelector: `ria.dev/service=web-${v(c4)}` });
  const env = await h.waitEnvironment(envName, 'rolled back', (e) => webState(e)?.phase === 'RolledBack', 30_000);
  const routeBack = await eventually('route back to stable', async () => {
    const w = await routeWeights();
    return w[`web-${v(c3)}`] === 100 && w[`web-${v(c4)}`] === 0 ? w : undefined;
  }, 30_000, 100);
  const elapsed = Date.now() - started;
  assert.ok(elapsed < 10_000, `traffic back to stable ${elapsed} ms after the pod went (interval 10 s)`);
  assert.equal(routeBack[`web-${v(c4)}`], 0);
  assert.deepEqual(await serving(), { [`web-${v(c3)}`]: 100 });
  const s = webState(env)!;
  assert.equal(s.reason, 'NotReady');
  assert.match(s.message ?? '', new RegExp(`^${v(c4)} rolled back at step 1 \\(25%\\): Deployment/web-${v(c4)}: 0/1 available; ${v(c3)} serves 100%`));
  assert.equal(env.status?.phase, 'Failed');
  const stalled = env.status?.conditions?.find((c) => c.type === 'Stalled');
  assert.deepEqual([stalled?.status, stalled?.reason], ['True', 'RolledBack']);
  assert.ok(await deploymentExists(`web-${v(c4)}`), 'the rolled-back version is kept for inspection');
  assert.equal(env.status?.rollout?.summary, `${v(c4)} rolled back`);
  assert.equal(s.scaledToZero, false);
  assert.equal((await apps.readNamespacedDeployment({ namespace: ns, name: `web-${v(c4)}` })).spec?.replicas, 1, 'still running for inspection');

  // Its inspection time (rollouts.keepRolledBack: 15s) over, the version runs no pods; traffic stays on the stable one.
  await eventually('rolled-back version scaled to zero', async () =>
    ((await apps.readNamespacedDeployment({ namespace: ns, name: `web-${v(c4)}` })).spec?.replicas === 0 ? true : undefined), 45_000, 250);
  const scaled = await h.waitEnvironment(envName, 'scaledToZero in the status', (e) => webState(e)?.scaledToZero === true, 15_000);
  assert.ok(Date.parse(webState(scaled)!.scaleDownAt!) - Date.parse(webState(env)!.lastTransition) >= 15_000, 'not before keepRolledBack');
  assert.deepEqual([webState(scaled)!.phase, scaled.status?.rollout?.summary], ['RolledBack', `${v(c4)} rolled back`]);
  assert.deepEqual(await serving(), { [`web-${v(c3)}`]: 100 });
});

test('stageOnly: the new version gets its own URL and no share of the app route; promote (ria rollout) sends all traffic to it', async () => {
  const c5 = await h.commitApp('roll', 'main', { Riofile: riofile('five', '    stageOnly: true\n') });
  const env = await h.waitEnvironment(envName, 'staged', (e) => webState(e)?.canary?.commit === c5 && webState(e)!.phase === 'Staged' && e.status?.phase === 'Ready', 60_000);
  assert.equal((await routeWeights())[`web-${v(c5)}`], 0, 'on the app route with no share');
  assert.deepEqual(await serving(), { [`web-${v(c3)}`]: 100 });
  const versionRoute = await h.ctx.objects.get<KubeObject>({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: ns, name: `web-${v(c5)}` });
  assert.deepEqual((versionRoute?.spec as { hostnames: string[] }).hostnames, [host('web', v(c5))]);
  assert.ok(!(await deploymentExists(`web-${v(c4)}`)), 'the rolled-back version (no traffic) went with the new commit');
  assert.equal(webState(env)?.canary?.url, `https://${host('web', v(c5))}`);

  const out: string[] = [];
  const io = { stdout: { write: (s: string) => { out.push(s); return true; } }, stderr: { write: (s: string) => { out.push(s); return true; } }, cwd: process.cwd() } as never;
  const kc = testKubeConfig();
  const cli = createRolloutCommand({ loadKubeConfig: () => kc });
  assert.equal(await cli.run(['promote', envName, '-n', h.namespace], io), 0, out.join(''));
  await h.waitEnvironment(envName, 'promoted', (e) => webState(e)?.phase === 'Complete' && webState(e)?.stable?.commit === c5 && webState(e)?.reason === 'Promoted', 30_000);
  assert.deepEqual(await serving(), { [`web-${v(c5)}`]: 100 });
  assert.equal((await routeWeights())[`web-${v(c3)}`], 0, 'the old stable drains');
});

test('rollout.pause holds after the first step; ria rollout resume steps on, abort sends traffic back to the stable version', async () => {
  const c6 = await h.commitApp('roll', 'main', { Riofile: riofile('six', '', '      increment: 25\n      interval: 6\n      pause: true\n') });
  await h.waitEnvironment(envName, 'paused at 25 %', (e) => webState(e)?.canary?.commit === c6 && webState(e)!.phase === 'Paused', 60_000);
  await new Promise((resolve) => setTimeout(resolve, 7_000));
  const held = await h.environment(envName);
  assert.deepEqual([webState(held)!.phase, webState(held)!.weight], ['Paused', 25], 'held past an interval');
  assert.equal(held?.status?.rollout?.summary, `${v(c6)} 25% (paused)`);

  const io = { stdout: { write: () => true }, stderr: { write: () => true }, cwd: process.cwd() } as never;
  const cli = createRolloutCommand({ loadKubeConfig: () => testKubeConfig() });
  assert.equal(await cli.run(['resume', envName, '-n', h.namespace], io), 0);
  await h.waitEnvironment(envName, 'resumed: 50 % at once', (e) => webState(e)?.phase === 'Progressing' && webState(e)!.weight === 50, 20_000);
  assert.equal(await cli.run(['abort', envName, '-n', h.namespace], io), 0);
  const aborted = await h.waitEnvironment(envName, 'aborted', (e) => webState(e)?.phase === 'RolledBack', 20_000);
  assert.equal(webState(aborted)?.reason, 'Aborted');
  await eventually('route back to stable', async () => {
    const w = await routeWeights();
    return w[`web-${v(c6)}`] === 0 ? true : undefined;
  }, 20_000);
});

/** Traefik's counter for a version Service's backend, as its Gateway provider names it (`--` normalized to `-`). */
const counter = (version: string, code: number, n: number) =>
  `traefik_service_requests_total{code="${code}",method="GET",protocol="http",service="${`${ns}-web-${version}-http`.replace(/-+/g, '-')}-80@kubernetesgateway"} ${n}`;

test('health gate: a Ready new version whose requests fail at the gateway (5xx over 5 %) is rolled back, reason ErrorRate; errors before its first step do not count', async () => {
  const stable = webState(await h.environment(envName))!.stable!.name;
  const c7 = await h.commitApp('roll', 'main', { Riofile: riofile('seven', '', '      increment: 25\n      interval: 12\n') });
  // Before its first step, its own URL answered errors: not held against it (the baseline follows).
  metricsText = `${counter(v(c7), 200, 5)}\n${counter(v(c7), 503, 40)}\n${counter(stable, 200, 1000)}\n`;
  await h.waitEnvironment(envName, 'first step', (e) => webState(e)?.canary?.commit === c7 && webState(e)!.weight === 25, 60_000);
  const first = webState(await h.environment(envName))!;
  assert.deepEqual(first.gate, { requests: 45, errors: 40 }, 'the baseline is the counters when it got traffic');
  // Then 6 of its next 30 requests fail (20 %): rolled back instead of the next step.
  metricsText = `${counter(v(c7), 200, 29)}\n${counter(v(c7), 503, 46)}\n${counter(stable, 200, 1090)}\n`;
  const env = await h.waitEnvironment(envName, 'rolled back by the gate', (e) => webState(e)?.phase === 'RolledBack', 30_000);
  const s = webState(env)!;
  assert.equal(s.reason, 'ErrorRate');
  assert.equal(s.message, `${v(c7)} rolled back at step 1 (25%): error rate 20% (6 of 30 requests answered 5xx at the gateway since ${v(c7)} got traffic), over the health gate's 5%; ${stable} serves 100%`);
  assert.ok(Date.parse(s.lastTransition) < Date.parse(first.nextStepAt!), `judged before the next step was due (step 1 at ${first.lastTransition}, rolled back at ${s.lastTransition}, step 2 due at ${first.nextStepAt})`);
  assert.deepEqual([env.status?.phase, env.status?.conditions?.find((c) => c.type === 'Stalled')?.reason], ['Failed', 'RolledBack']);
  await eventually('route back to stable', async () => {
    const w = await serving();
    return w[`web-${stable}`] === 100 && Object.keys(w).length === 1 ? true : undefined;
  }, 20_000);
  metricsText = '';
});

test('health gate: counters another environment\'s Service shares at the gateway (Traefik joins namespace and Service with "-") judge nothing: 5xx there do not roll the new version back', async () => {
  const c8 = await h.commitApp('roll', 'main', { Riofile: riofile('eight', '', '      increment: 25\n      interval: 12\n') });
  // Another environment whose namespace extends this one's by "-web", with a Service named like
  // the new version: at Traefik, `${ns}-web-<version>` names both.
  const other = `${ns}-web`;
  await core.createNamespace({ body: { metadata: { name: other } } });
  await core.createNamespacedService({ namespace: other, body: { metadata: { name: v(c8) }, spec: { ports: [{ port: 80 }] } } });
  await h.ctx.objects.apply({ apiVersion: 'ria.dev/v1alpha1', kind: 'Environment', metadata: { name: other, namespace: h.namespace },
    spec: { app: `${app}-elsewhere`, kind: 'branch', target: 'main-web', branch: 'main-web', commit: c8, namespace: other } });
  try {
    metricsText = `${counter(v(c8), 200, 5)}\n${counter(v(c8), 503, 5)}\n`;
    await h.waitEnvironment(envName, 'first step', (e) => webState(e)?.canary?.commit === c8 && webState(e)!.weight === 25, 60_000);
    metricsText = `${counter(v(c8), 200, 10)}\n${counter(v(c8), 503, 200)}\n`;
    const env = await h.waitEnvironment(envName, 'second step despite the shared 5xx', (e) => webState(e)?.weight === 50 || webState(e)?.phase === 'RolledBack', 40_000);
    assert.equal(webState(env)?.phase === 'RolledBack' ? webState(env)?.message : 'stepped on', 'stepped on');
  } finally {
    metricsText = '';
    await h.ctx.objects.delete({ apiVersion: 'ria.dev/v1alpha1', kind: 'Environment', namespace: h.namespace, name: other }).catch(() => undefined);
    await core.deleteNamespace({ name: other }).catch(() => undefined);
  }
});
