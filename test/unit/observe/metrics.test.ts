import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry, MetricsError } from '../../../engine/observe/metrics.js';
import { createEngineMetrics } from '../../../engine/observe/engine-metrics.js';

test('counters, gauges and histograms render in the 0.0.4 text format', () => {
  // Setup
  const registry = new MetricsRegistry();
  const requests = registry.counter({ name: 'req_total', help: 'Requests.', labelNames: ['code'] });
  const depth = registry.gauge({ name: 'depth', help: 'Depth.' });
  const latency = registry.histogram({ name: 'lat_seconds', help: 'Latency.', labelNames: ['op'], buckets: [0.1, 1] });

  // Test
  requests.inc({ code: '200' });
  requests.inc({ code: '200' }, 2);
  requests.inc({ code: '500' });
  depth.set(4);
  depth.dec();
  latency.observe(0.05, { op: 'get' });
  latency.observe(0.5, { op: 'get' });
  latency.observe(3, { op: 'get' });
  assert.equal(registry.render(), [
    '# HELP req_total Requests.',
    '# TYPE req_total counter',
    'req_total{code="200"} 3',
    'req_total{code="500"} 1',
    '# HELP depth Depth.',
    '# TYPE depth gauge',
    'depth 3',
    '# HELP lat_seconds Latency.',
    '# TYPE lat_seconds histogram',
    'lat_seconds_bucket{op="get",le="0.1"} 1',
    'lat_seconds_bucket{op="get",le="1.0"} 2',
    'lat_seconds_bucket{op="get",le="+Inf"} 3',
    'lat_seconds_sum{op="get"} 3.55',
    'lat_seconds_count{op="get"} 3',
    '',
  ].join('\n'));
});

test('label values and help text are escaped', () => {
  const registry = new MetricsRegistry();
  const c = registry.counter({ name: 'odd_total', help: 'Back\\slash and\nnewline.', labelNames: ['v'] });
  c.inc({ v: 'say "hi"\\\nbye' });
  const text = registry.render();
  assert.match(text, /^# HELP odd_total Back\\\\slash and\\nnewline\.$/m);
  assert.ok(text.includes('odd_total{v="say \\"hi\\"\\\\\\nbye"} 1\n'), text);
});

test('an unlabelled counter reads 0 before its first increment; a labelled one has no series', () => {
  const registry = new MetricsRegistry();
  registry.counter({ name: 'plain_total', help: 'x' });
  registry.counter({ name: 'labelled_total', help: 'y', labelNames: ['a'] });
  const text = registry.render();
  assert.match(text, /^plain_total 0$/m);
  assert.doesNotMatch(text, /^labelled_total/m);
});

test('misuse fails at once with MetricsError', () => {
  const registry = new MetricsRegistry();
  const c = registry.counter({ name: 'x_total', help: 'x', labelNames: ['a'] });
  assert.throws(() => registry.counter({ name: 'x_total', help: 'again' }), MetricsError);
  assert.throws(() => registry.gauge({ name: 'bad-name', help: 'x' }), /invalid metric name/);
  assert.throws(() => c.inc({ a: '1', b: '2' } as never), /labels must be exactly \[a\]/);
  assert.throws(() => c.inc(), /labels must be exactly/);
  assert.throws(() => c.inc({ a: '1' }, -1), /cannot increase/);
  assert.throws(() => registry.histogram({ name: 'h', help: 'h', buckets: [1, 1] }), /ascending/);
  assert.throws(() => registry.histogram({ name: 'h2', help: 'h', labelNames: ['le'] }), /reserved/);
});

test('histogram timers use the injected clock', () => {
  const registry = new MetricsRegistry();
  const h = registry.histogram({ name: 't_seconds', help: 't', buckets: [1] });
  let now = 1000;
  const stop = h.startTimer(undefined, () => now);
  now += 2500;
  assert.equal(stop(), 2.5);
  assert.deepEqual(h.get(), { count: 1, sum: 2.5 });
});

test('engine metrics: every result and phase starts at zero, repo URLs are redacted', () => {
  // Setup
  const m = createEngineMetrics();

  // Test
  m.recordReconcile('success', 0.2);
  m.recordPoll('https://x-access-token:ghs_abcdef123456@github.com/acme/web.git', 0.3);
  m.recordPollError('https://oauth2:glpat-123456789@gitlab.example/acme/api.git?private_token=zzz');
  m.setEnvironmentPhases({ Ready: 3, Failed: 1 });
  m.setQueueDepth(2);
  m.recordWebhookDelivery('push', 'accepted');
  m.recordBuild('web', 'api', 42);
  const text = m.registry.render();
  for (const result of ['success', 'noop', 'failed', 'stalled', 'requeue']) assert.match(text, new RegExp(`^ria_reconcile_total\\{result="${result}"\\} `, 'm'));
  assert.match(text, /^ria_reconcile_total\{result="success"\} 1$/m);
  assert.match(text, /^ria_reconcile_duration_seconds_count 1$/m);
  assert.match(text, /^ria_environments\{phase="Pending"\} 0$/m);
  assert.match(text, /^ria_environments\{phase="Ready"\} 3$/m);
  assert.match(text, /^ria_poll_duration_seconds_count\{repo="https:\/\/\*\*\*@github.com\/acme\/web.git"\} 1$/m);
  assert.match(text, /^ria_poll_errors_total\{repo="https:\/\/\*\*\*@gitlab.example\/acme\/api.git\?private_token=\*\*\*"\} 1$/m);
  assert.match(text, /^ria_queue_depth 2$/m);
  assert.match(text, /^ria_webhook_deliveries_total\{event="push",result="accepted"\} 1$/m);
  assert.match(text, /^ria_build_duration_seconds_count\{app="web",service="api"\} 1$/m);
  for (const secret of ['ghs_abcdef123456', 'glpat-123456789', 'zzz', 'x-access-token', 'oauth2']) assert.ok(!text.includes(secret), `leaked ${secret}`);

  // A phase that empties goes back to 0 rather than keeping its last value.
  m.setEnvironmentPhases({ Ready: 4 });
  assert.match(m.registry.render(), /^ria_environments\{phase="Failed"\} 0$/m);
});
