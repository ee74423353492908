import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMetricsRegistry } from '../../../engine/observe/metrics.js';
import { countPhases, createEngineMetrics } from '../../../engine/observe/engine-metrics.js';
import type { EnvironmentPhase } from '../../../engine/crds/types.js';

test('the registry has the process and Node.js runtime metrics (prom-client default metrics)', async () => {
  const text = await createMetricsRegistry().metrics();
  for (const name of ['process_resident_memory_bytes', 'process_cpu_seconds_total', 'nodejs_heap_size_used_bytes', 'nodejs_external_memory_bytes', 'nodejs_eventloop_lag_seconds']) {
    assert.match(text, new RegExp(`^${name}(\\{[^}]*\\})? [0-9.e+-]+$`, 'm'), name);
  }
  const rss = Number(/^process_resident_memory_bytes (\S+)$/m.exec(text)![1]);
  assert.ok(rss > 10 * 2 ** 20 && rss < 4 * 2 ** 30, `RSS ${rss}`);
  assert.doesNotMatch(await createMetricsRegistry({ defaultMetrics: false }).metrics(), /process_/);
});

test('engine metrics: every result starts at zero, state is read at scrape time, repo URLs are redacted', async () => {
  // Setup
  let depth = 2;
  let phases: Partial<Record<EnvironmentPhase, number>> = { Ready: 3, Failed: 1 };
  const m = createEngineMetrics({ state: { queueDepth: () => depth, environmentPhases: () => phases } });

  // Test
  m.recordReconcile('success', 0.2);
  m.recordPoll('https://x-access-token:ghs_abcdef123456@github.com/acme/web.git', 0.3);
  m.recordPollError('https://oauth2:glpat-123456789@gitlab.example/acme/api.git?private_token=zzz');
  m.recordWebhookDelivery('push', 'accepted');
  m.recordBuild('web', 'api', 'succeeded', 42);
  m.recordBuild('web', 'api', 'failed', 7);
  m.recordKubeRetry('too_many_requests');
  const text = await m.registry.metrics();
  for (const result of ['success', 'noop', 'failed', 'stalled', 'requeue']) assert.match(text, new RegExp(`^ria_reconcile_total\\{result="${result}"\\} `, 'm'));
  assert.match(text, /^ria_reconcile_total\{result="success"\} 1$/m);
  assert.match(text, /^ria_reconcile_duration_seconds_count 1$/m);
  assert.match(text, /^ria_environments\{phase="Pending"\} 0$/m);
  assert.match(text, /^ria_environments\{phase="Ready"\} 3$/m);
  assert.match(text, /^ria_poll_duration_seconds_count\{repo="https:\/\/\*\*\*@github.com\/acme\/web.git"\} 1$/m);
  assert.match(text, /^ria_poll_errors_total\{repo="https:\/\/\*\*\*@gitlab.example\/acme\/api.git\?private_token=\*\*\*"\} 1$/m);
  assert.match(text, /^ria_queue_depth 2$/m);
  assert.match(text, /^ria_webhook_deliveries_total\{event="push",result="accepted"\} 1$/m);
  assert.match(text, /^ria_kube_retries_total\{reason="too_many_requests"\} 1$/m);
  assert.match(text, /^ria_kube_retries_total\{reason="server_error"\} 0$/m);
  assert.match(text, /^ria_build_duration_seconds_count\{app="web",service="api",result="succeeded"\} 1$/m);
  assert.match(text, /^ria_build_duration_seconds_sum\{app="web",service="api",result="failed"\} 7$/m);
  assert.match(text, /^ria_build_duration_seconds_bucket\{le="60",app="web",service="api",result="succeeded"\} 1$/m);
  assert.match(text, /^ria_build_duration_seconds_bucket\{le="30",app="web",service="api",result="succeeded"\} 0$/m);
  for (const secret of ['ghs_abcdef123456', 'glpat-123456789', 'zzz', 'x-access-token', 'oauth2']) assert.ok(!text.includes(secret), `leaked ${secret}`);

  // State follows the engine: a phase that empties goes back to 0 rather than keeping its last value.
  depth = 0;
  phases = { Ready: 4 };
  const later = await m.registry.metrics();
  assert.match(later, /^ria_environments\{phase="Failed"\} 0$/m);
  assert.match(later, /^ria_environments\{phase="Ready"\} 4$/m);
  assert.match(later, /^ria_queue_depth 0$/m);
});

test('engine metrics without an engine (a standby replica): zeros, every phase listed', async () => {
  const text = await createEngineMetrics({ registry: createMetricsRegistry({ defaultMetrics: false }) }).registry.metrics();
  for (const phase of ['Pending', 'Building', 'Deploying', 'Ready', 'Failed']) assert.match(text, new RegExp(`^ria_environments\\{phase="${phase}"\\} 0$`, 'm'));
  assert.match(text, /^ria_queue_depth 0$/m);
  assert.match(text, /^# TYPE ria_build_duration_seconds histogram$/m);
});

test('countPhases: an Environment without a phase yet is Pending', () => {
  assert.deepEqual(countPhases([{ status: { phase: 'Ready' } }, {}, { status: {} }, { status: { phase: 'Ready' } }]), { Ready: 2, Pending: 2 });
});
