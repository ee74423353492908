import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeGate, parseServiceCounts, sameTraefikBackend, serviceCounts, traefikNeighbours, traefikNormalize } from '../../../engine/rollout/gate.js';
import { planRollout } from '../../../engine/rollout/plan.js';
import type { StepSettings } from '../../../engine/rollout/settings.js';
import { scrapeGatewayCounts } from '../../../engine/controller/environment/gate-metrics.js';
import { loadConfig } from '../../../engine/config/load.js';

/** What Traefik v3's Prometheus endpoint says (abridged; label order as Traefik writes it). */
const TRAEFIK = `# HELP traefik_service_requests_total How many HTTP requests processed on a service, partitioned by status code, protocol, and method.
# TYPE traefik_service_requests_total counter
traefik_service_requests_total{code="200",method="GET",protocol="http",service="shop-main-web-vbbbbb-http-80@kubernetesgateway"} 180
traefik_service_requests_total{code="503",method="GET",protocol="http",service="shop-main-web-vbbbbb-http-80@kubernetesgateway"} 15
traefik_service_requests_total{code="500",method="POST",protocol="http",service="shop-main-web-vbbbbb-http-8080@kubernetesgateway"} 5
traefik_service_requests_total{code="404",method="GET",protocol="http",service="shop-main-web-vbbbbb-http-80@kubernetesgateway"} 20
traefik_service_requests_total{code="200",method="GET",protocol="http",service="shop-main-web-vaaaaa-http-80@kubernetesgateway"} 900
traefik_service_requests_total{code="500",method="GET",protocol="http",service="other-web-vbbbbb-http-80@kubernetesgateway"} 99
traefik_service_requests_total{code="500",method="GET",protocol="http",service="shop-main-web-vbbbbb-extra-http-80@kubernetesgateway"} 99
# TYPE traefik_service_request_duration_seconds histogram
traefik_service_request_duration_seconds_bucket{code="200",method="GET",protocol="http",service="shop-main-web-vbbbbb-http-80@kubernetesgateway",le="0.1"} 180
traefik_entrypoint_requests_total{code="200",entrypoint="web",method="GET",protocol="http"} 1100
`;

test('gate: Traefik\'s service counters per backend, 5xx counted as errors, every port of the version Service summed', () => {
  const all = parseServiceCounts(TRAEFIK);
  assert.deepEqual(all.get('shop-main-web-vbbbbb-http-80@kubernetesgateway'), { requests: 215, errors: 15 });
  assert.deepEqual(serviceCounts(all, 'shop-main', 'web-vbbbbb'), { requests: 220, errors: 20 }, 'ports 80 and 8080; not another namespace, not a Service whose name only starts alike');
  assert.deepEqual(serviceCounts(all, 'shop-main', 'web-vaaaaa'), { requests: 900, errors: 0 });
  assert.deepEqual(serviceCounts(all, 'shop-main', 'web-vccccc'), { requests: 0, errors: 0 }, 'a version the gateway has not served yet');
  assert.deepEqual(serviceCounts(all, 'shop--main', 'web-vbbbbb'), { requests: 220, errors: 20 }, 'Traefik normalizes "--" to "-"');
  assert.equal(traefikNormalize('a--b_c.d-http'), 'a-b-c-d-http');
  assert.equal(parseServiceCounts('garbage\ntraefik_service_requests_total{service="x"} NaN\n').size, 0);
  const escaped = parseServiceCounts('traefik_service_requests_total{code="502",service="a\\"b"} 3 1700000000000\n');
  assert.deepEqual(escaped.get('a"b'), { requests: 3, errors: 3 }, 'escaped label values and a timestamp');
});

test('gate: the baseline follows the counters until the first step; then the error rate since then is judged once there are enough requests', () => {
  const g = { maxErrorPercent: 5, minRequests: 20 };
  // Before traffic: what the version answered on its own URL is not held against it.
  let v = judgeGate(undefined, { requests: 50, errors: 50 }, 0, 'vbbbbb', g);
  assert.deepEqual(v, { baseline: { requests: 50, errors: 50 } });
  v = judgeGate(v.baseline, { requests: 60, errors: 55 }, 0, 'vbbbbb', g);
  assert.deepEqual(v.baseline, { requests: 60, errors: 55 });
  // 25 %: too few requests yet.
  v = judgeGate(v.baseline, { requests: 70, errors: 60 }, 25, 'vbbbbb', g);
  assert.equal(v.failing, undefined);
  assert.deepEqual(v.baseline, { requests: 60, errors: 55 }, 'the baseline stays once the version has traffic');
  // 1 error in 20 = 5 %: at the limit, passes.
  assert.equal(judgeGate(v.baseline, { requests: 80, errors: 56 }, 25, 'vbbbbb', g).failing, undefined);
  const failing = judgeGate(v.baseline, { requests: 100, errors: 61 }, 25, 'vbbbbb', g).failing;
  assert.equal(failing, 'error rate 15% (6 of 40 requests answered 5xx at the gateway since vbbbbb got traffic), over the health gate\'s 5%');
  // The gateway restarted: its counters start again from 0.
  const reset = judgeGate({ requests: 60, errors: 55 }, { requests: 30, errors: 3 }, 25, 'vbbbbb', g);
  assert.deepEqual(reset.baseline, { requests: 0, errors: 0 });
  assert.match(reset.failing ?? '', /^error rate 10% \(3 of 30 requests/);
  // Enabled mid-rollout: starts measuring now.
  assert.deepEqual(judgeGate(undefined, { requests: 500, errors: 400 }, 50, 'vbbbbb', g), { baseline: { requests: 500, errors: 400 } });
});

test('gate: a version failing the gate rolls back with reason ErrorRate; a new version starts without the old baseline', () => {
  const settings: StepSettings = { increment: 25, intervalMs: 10_000, pause: false, stageOnly: false, drainMs: 30_000, scaleDownMs: 600_000 };
  const now = new Date('2026-12-02T06:00:00Z');
  const C1 = 'a'.repeat(40);
  const C2 = 'b'.repeat(40);
  const C3 = 'c'.repeat(40);
  let p = planRollout({ state: undefined, now, commit: C1, settings, health: { state: 'ready' } });
  p = planRollout({ state: p.state, now, commit: C2, settings, health: { state: 'ready' } });
  p = planRollout({ state: p.state, now, commit: C2, settings, health: { state: 'ready' } });
  assert.equal(p.state.weight, 25);
  p.state.gate = { requests: 10, errors: 0 };
  p = planRollout({ state: p.state, now, commit: C2, settings, health: { state: 'failed', reason: 'ErrorRate', message: 'error rate 15% (6 of 40 requests answered 5xx at the gateway since vbbbbb got traffic), over the health gate\'s 5%' } });
  assert.equal(p.state.phase, 'RolledBack');
  assert.equal(p.state.reason, 'ErrorRate');
  assert.equal(p.state.message, 'vbbbbb rolled back at step 1 (25%): error rate 15% (6 of 40 requests answered 5xx at the gateway since vbbbbb got traffic), over the health gate\'s 5%; vaaaaa serves 100%');
  assert.deepEqual(p.weights, { vaaaaa: 100, vbbbbb: 0 });
  p = planRollout({ state: p.state, now, commit: C3, settings, health: { state: 'ready' } });
  assert.equal(p.state.canary?.name, 'vccccc');
  assert.equal(p.state.gate, undefined, 'the superseded version\'s counters are not the new one\'s');
  assert.equal(planRollout({ state: undefined, now, commit: C1, settings, health: { state: 'failed' } }).state.phase, 'Complete');
});

test('gate: the scrape at the edge: counters, or an error naming the URL without its credentials (never the body)', async () => {
  const ok = await scrapeGatewayCounts({ metricsUrl: 'http://gw:9100/metrics' }, async () => TRAEFIK);
  assert.ok(ok instanceof Map && ok.size > 0);
  const failed = await scrapeGatewayCounts({ metricsUrl: 'http://u:s3cret@gw:9100/metrics' }, async () => { throw new Error('HTTP 503'); });
  assert.ok(!(failed instanceof Map));
  assert.doesNotMatch(failed.error, /s3cret/);
  assert.match(failed.error, /^health gate: gateway metrics at http:\/\/\*\*\*@gw:9100\/metrics unreadable \(HTTP 503\); the new version is judged by its readiness alone$/);
  const slow = await scrapeGatewayCounts({ metricsUrl: 'http://gw:9100/metrics' }, async () => { throw Object.assign(new Error('aborted'), { name: 'TimeoutError' }); });
  assert.match((slow as { error: string }).error, /no answer within 3000 ms/);
});

test('gate: ria.yaml rollouts.healthGate, with defaults; validated by the schema', () => {
  const ok = loadConfig(new Map([['ria.yaml', 'rollouts:\n  healthGate:\n    metricsUrl: http://traefik-metrics.ria-system:9100/metrics\n']]));
  assert.deepEqual(ok.settings.rollouts?.healthGate, { metricsUrl: 'http://traefik-metrics.ria-system:9100/metrics', maxErrorPercent: 5, minRequests: 20 });
  const set = loadConfig(new Map([['ria.yaml', 'rollouts:\n  healthGate:\n    metricsUrl: http://127.0.0.1:9100/metrics\n    maxErrorPercent: 1.5\n    minRequests: 100\n']]));
  assert.deepEqual(set.settings.rollouts?.healthGate, { metricsUrl: 'http://127.0.0.1:9100/metrics', maxErrorPercent: 1.5, minRequests: 100 });
  for (const bad of ['    metricsUrl: gw:9100\n', '    maxErrorPercent: 5\n', '    metricsUrl: http://gw/m\n    maxErrorPercent: 150\n', '    metricsUrl: http://gw/m\n    minRequests: 0\n']) {
    assert.ok(loadConfig(new Map([['ria.yaml', `rollouts:\n  healthGate:\n${bad}`]])).settingsError, `refused: ${bad.trim()}`);
  }
});

test('gate: Traefik\'s names are not one-to-one; the namespaces whose Services could share a backend name are found (issue 11)', () => {
  // Service web-v1 of a--b and Service v1 of a--b-web; Service web-v1 of a-b--c and of a--b-c.
  assert.ok(sameTraefikBackend({ namespace: 'a--b', service: 'web-v1' }, { namespace: 'a--b-web', service: 'v1' }));
  assert.ok(sameTraefikBackend({ namespace: 'a-b--c', service: 'web-v1' }, { namespace: 'a--b-c', service: 'web-v1' }));
  assert.ok(!sameTraefikBackend({ namespace: 'a--b', service: 'web-v1' }, { namespace: 'a--b', service: 'web-v2' }));
  assert.deepEqual(traefikNeighbours('a--b', ['a--b', 'a--b-web', 'a-b--x', 'a--bc', 'x--a', 'a--c']), ['a--b-web', 'a-b--x']);
  assert.deepEqual(traefikNeighbours('a-b--c', ['a--b-c', 'a--b', 'a-b--c-d', 'a-b--cd']), ['a--b-c', 'a--b', 'a-b--c-d']);
});
