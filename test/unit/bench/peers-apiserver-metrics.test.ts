import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiServerWork, formatApiServerWork, parseApiServerMetrics } from '../../../bench/peers/apiserver-metrics.js';

const scrape = (n: number) => [
  '# HELP apiserver_request_total [STABLE] Counter of apiserver requests',
  '# TYPE apiserver_request_total counter',
  `apiserver_request_total{code="200",component="apiserver",dry_run="",group="ria.dev",resource="environments",scope="resource",subresource="",verb="GET",version="v1alpha1"} ${10 + n}`,
  `apiserver_request_total{code="404",component="apiserver",dry_run="",group="ria.dev",resource="environments",scope="resource",subresource="",verb="GET",version="v1alpha1"} ${n}`,
  `apiserver_request_total{code="200",component="apiserver",dry_run="",group="ria.dev",resource="environments",scope="resource",subresource="status",verb="APPLY",version="v1alpha1"} ${2 * n}`,
  'apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="cluster",subresource="",verb="LIST",version="v1"} 7',
  `apiserver_request_duration_seconds_sum{component="apiserver",dry_run="",group="ria.dev",resource="environments",scope="resource",subresource="",verb="GET",version="v1alpha1"} ${n / 10}`,
  `apiserver_request_duration_seconds_bucket{component="apiserver",dry_run="",group="ria.dev",resource="environments",scope="resource",subresource="",verb="GET",version="v1alpha1",le="0.1"} ${n}`,
  `apiserver_response_sizes_sum{component="apiserver",group="ria.dev",resource="environments",scope="resource",subresource="",verb="GET",version="v1alpha1"} ${n * 2048}`,
  `apiserver_watch_events_total{group="apps",resource="deployments",version="v1"} ${3 * n}`,
  `apiserver_watch_events_sizes_sum{group="apps",resource="deployments",version="v1"} ${3 * n * 1024}`,
].join('\n');

test('API server work between two scrapes: requests by verb and resource (codes summed), their time and bytes, watch events by resource', () => {
  const w = apiServerWork(parseApiServerMetrics(scrape(0)), parseApiServerMetrics(scrape(100)));
  assert.deepEqual(w.requests, [
    { what: 'APPLY environments/status', requests: 200, seconds: 0, bytes: 0 },
    { what: 'GET environments', requests: 200, seconds: 10, bytes: 204800 },
  ], 'LIST pods did not move: left out');
  assert.deepEqual(w.watchEvents, [{ kind: 'deployments', events: 300, bytes: 307200 }]);
  const lines = formatApiServerWork('Ria cold start', w);
  assert.equal(lines.length, 3);
  assert.match(lines[0]!, /^Ria cold start: API server reads 200 .*GET environments 200 \(10\.0 s, 0\.2 MB\)$/);
  assert.match(lines[1]!, /API server writes 200 .*APPLY environments\/status 200$/);
  assert.match(lines[2]!, /watch events sent 300 \(0\.3 MB\): deployments 300 \(0\.3 MB\)$/);
});
