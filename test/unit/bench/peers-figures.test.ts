import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuSecondsPerMinute, cpuTicksFromStat, formatComparison, formatPhaseCost, parseAuditWrites, percentile, rssMiBFromStatus, writesDuring, writesPerMinute, type EngineFigures } from '../../../bench/peers/figures.js';
import { clusterLimits, parsePeersArgs } from '../../../bench/peers/args.js';

test('percentile: nearest rank', () => {
  const xs = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
  assert.equal(percentile(xs, 0.5), 5);
  assert.equal(percentile(xs, 0.9), 9);
  assert.equal(percentile(xs, 1), 10);
  assert.equal(percentile([42], 0.9), 42);
  assert.ok(Number.isNaN(percentile([], 0.5)));
});

test('CPU and RSS from /proc', () => {
  // A command name with spaces and parentheses: fields are counted from its closing parenthesis.
  const stat = '4242 (node (x) y) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 11 0 123 456 789';
  assert.equal(cpuTicksFromStat(stat), 300);
  assert.equal(cpuTicksFromStat(stat, true), 300, 'no exited children');
  assert.equal(cpuTicksFromStat('1 (git) S 1 1 1 0 -1 0 0 0 0 0 10 5 70 30 20 0 1 0 1 1 1', true), 115, 'with the children it waited for');
  assert.equal(cpuSecondsPerMinute(100, 400, 100, 60_000), 3);
  assert.equal(cpuSecondsPerMinute(100, 400, 100, 30_000), 6);
  assert.throws(() => cpuSecondsPerMinute(0, 1, 100, 0), RangeError);
  assert.equal(rssMiBFromStatus('Name:\tnode\nVmRSS:\t  204800 kB\nVmSwap: 0 kB\n'), 200);
  assert.ok(Number.isNaN(rssMiBFromStatus('Name: x\n')));
});

test('audit log: writes per identity and resource in a window, per minute', () => {
  const line = (user: string, verb: string, at: string, resource = 'leases', subresource?: string, stage = 'ResponseComplete', requestURI = '/x') =>
    JSON.stringify({ kind: 'Event', level: 'Metadata', stage, verb, requestURI, user: { username: user }, objectRef: { resource, ...(subresource ? { subresource } : {}) }, requestReceivedTimestamp: at });
  const ria = 'system:serviceaccount:ria-bench:ria-engine';
  const text = [
    line(ria, 'update', '2026-12-02T11:00:10.123456Z'),
    line(ria, 'patch', '2026-12-02T11:00:20.000001Z', 'environments', 'status'),
    line(ria, 'get', '2026-12-02T11:00:21Z'),
    line(ria, 'update', '2026-12-02T11:00:22Z', 'leases', undefined, 'ResponseStarted'),
    line('ria-admin', 'update', '2026-12-02T11:00:30Z'),
    line(ria, 'create', '2026-12-02T11:01:30Z', 'events'),
    line(ria, 'patch', '2026-12-02T11:00:25Z', 'services', undefined, 'ResponseComplete', '/api/v1/namespaces/a/services/web?dryRun=All&fieldManager=x'),
    'not json', '',
  ].join('\n');
  const writes = parseAuditWrites(text);
  assert.equal(writes.length, 5);
  const from = Date.parse('2026-12-02T11:00:00Z');
  const w = writesPerMinute(writes, (u) => u === ria, from, from + 30_000);
  assert.equal(w.perMinute, 2, 'the Lease write and the dry run are not counted');
  assert.equal(w.leasePerMinute, 2);
  assert.deepEqual(w.byResource, { leases: 1, 'environments/status': 1, 'dry-run services': 1 });
  assert.equal(writesPerMinute(writes, (u) => u === 'nobody', from, from + 60_000).perMinute, 0);
  const cold = writesDuring(writes, (x) => x.user === ria, from, from + 120_000);
  assert.deepEqual(cold, { total: 2, byKind: { 'patch environments/status': 1, 'dry-run patch services': 1, 'create events': 1 } }, 'by verb and resource, Leases left out, dry runs apart');
  assert.equal(writes.find((x) => x.user === 'ria-admin')!.userAgent, '');
  assert.deepEqual(formatPhaseCost('floor', 2, { writes: cold, cpuSeconds: { a: 1.25, b: 3 } }), [
    'floor: 2 writes (1.0 per app): create events 1, dry-run patch services 1, patch environments/status 1',
    'floor: CPU 4.3 s: b 3.0, a 1.3',
  ]);
});

test('formatComparison: ratios Ria / Flux and multiples of the floor', () => {
  const engine = (name: string, k: number): EngineFigures => ({
    name, coldStartS: 20 * k, triggered: [100 * k, 200 * k, 300 * k], polled: [5000 * k], triggerHow: 'x', rssMiB: 100 * k, cpuSecondsPerMinute: k,
    writesPerIdleMinute: k === 1 ? 0 : 3, leaseWritesPerIdleMinute: k === 1 ? 12 : 0, leaderElection: k === 1 ? 'on' : 'off',
    writesByResource: k === 1 ? { leases: 12 } : { 'kustomizations/status': 3 },
  });
  const out = formatComparison({ apps: 100, deployments: 167, objects: 900, floorS: 10, pollSeconds: 10, idleS: 300, driftS: 60, ria: engine('Ria', 1), flux: { ...engine('Flux', 2), rssParts: { a: 120, b: 80 } }, setting: ['machine: test'] }).join('\n');
  assert.match(out, /^machine: test/);
  assert.match(out, /cold start, all N Ready: Ria 20\.0 s, Flux 40\.0 s: Ria\/Flux 0\.50×; floor .* 10\.0 s: Ria 2\.00×, Flux 4\.00× the floor/);
  assert.match(out, /p50 Ria 200 ms, Flux 400 ms: 0\.50×/);
  assert.match(out, /RSS at rest: Ria 100 MiB, Flux 200 MiB \(a 120 \+ b 80\): 0\.50×/);
  assert.match(out, /measured over 300 s/);
  assert.match(out, /writes per idle minute but the Lease's .*every 60 s\): Ria 0, Flux 3 \(kustomizations\/status 3\)/);
  assert.match(out, /Lease writes per idle minute .*: Ria 12 \(on\), Flux 0 \(off\)/);
});

test('peers arguments: defaults, values, refusals; control-plane limits', () => {
  assert.deepEqual(parsePeersArgs([]), { apps: 100, pushes: 20, polledPushes: 20, pollSeconds: 10, order: 'ria,flux', timeoutS: 1800, settleS: 30, idleS: 300, driftS: 300, controlPlaneQps: 200,
    engines: ['ria', 'flux'], coldStartOnly: false, keep: false, oneCluster: false });
  assert.deepEqual(parsePeersArgs(['--skip-flux']).engines, ['ria']);
  assert.deepEqual(parsePeersArgs(['--engines', 'flux,ria']).engines, ['flux', 'ria']);
  assert.deepEqual(parsePeersArgs(['--engines=ria', '--cold-start-only']), { ...parsePeersArgs([]), engines: ['ria'], coldStartOnly: true });
  assert.throws(() => parsePeersArgs(['--engines', 'ria,argo']), /--engines/);
  assert.throws(() => parsePeersArgs(['--engines', 'ria,ria']), /--engines/);
  const a = parsePeersArgs(['--apps', '1000', '--order=flux,ria', '--poll', '5', '--keep']);
  assert.equal(a.apps, 1000);
  assert.equal(a.order, 'flux,ria');
  assert.equal(a.pollSeconds, 5);
  assert.equal(a.keep, true);
  assert.throws(() => parsePeersArgs(['--apps', '0']), /--apps needs an integer/);
  assert.throws(() => parsePeersArgs(['--order', 'argo']), /--order/);
  assert.throws(() => parsePeersArgs(['--what']), /unknown option/);
  assert.equal(parsePeersArgs(['--drift-s', '60']).driftS, 60);
  assert.equal(parsePeersArgs(['--one-cluster']).oneCluster, true);
  assert.equal(parsePeersArgs(['--pprof', '/x/profiles']).pprofDir, '/x/profiles');
  assert.equal(parsePeersArgs(['--pprof=/x/p']).pprofDir, '/x/p');
  assert.throws(() => parsePeersArgs(['--pprof']), /--pprof needs a directory/);
  assert.throws(() => parsePeersArgs(['--pprof', '--keep']), /--pprof needs a directory/);
  assert.throws(() => parsePeersArgs(['--drift-s', '90']), /--drift-s: .*divide a minute or an hour/);
  assert.deepEqual(clusterLimits({ controlPlaneQps: 200 }).controllerManager, ['--kube-api-qps=200', '--kube-api-burst=400']);
});

test('reconcileReport: the engine\'s reconcile counters from its /metrics', async () => {
  const { reconcileReport } = await import('../../../bench/peers/ria-side.js');
  const text = [
    'ria_reconcile_total{result="success"} 200', 'ria_reconcile_total{result="requeue"} 100',
    'ria_reconcile_duration_seconds_sum 60.5', 'ria_reconcile_duration_seconds_count 300',
    'ria_poll_duration_seconds_count{repo="https://a"} 3', 'ria_poll_duration_seconds_count{repo="https://b"} 2',
    'process_cpu_seconds_total 42.25',
  ].join('\n');
  assert.equal(reconcileReport(text), 'reconciles 300 (success 200, requeue 100), 60.5 s in all (mean 202 ms); listings 5; engine CPU 42.3 s');
});
