import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { appNamespace, benchApps, pollPhaseDelays, pushSequence, riaConfigFiles, riofileFor } from '../../../bench/peers/workload.js';
import { appliedRevision, gitRepository, kustomization, renderCommit, renderedYaml } from '../../../bench/peers/flux-objects.js';
import { parseRiofile } from '../../../engine/riofile/index.js';
import { loadConfig } from '../../../engine/config/load.js';

test('benchApps: N apps, own repositories, one or two services, names sortable', () => {
  const apps = benchApps('ria', 12);
  assert.equal(apps.length, 12);
  assert.deepEqual(apps.slice(0, 3).map((a) => [a.name, a.repo, a.services]), [['ria-0001', 'acme/ria-0001', 2], ['ria-0002', 'acme/ria-0002', 2], ['ria-0003', 'acme/ria-0003', 1]]);
  assert.equal(new Set(apps.map((a) => a.repo)).size, 12);
  assert.equal(benchApps('flux', 1000)[999]!.name, 'flux-1000');
  assert.equal(benchApps('x', 10_000)[0]!.name, 'x-00001');
  assert.throws(() => benchApps('x', 0), RangeError);
});

test('riofileFor: a valid Riofile whose web service carries the round', () => {
  const [two, , one] = benchApps('ria', 3);
  for (const [app, services] of [[two!, ['api', 'web']], [one!, ['web']]] as const) {
    const r = parseRiofile(riofileFor(app, 7), { file: 'Riofile' });
    assert.deepEqual(Object.keys(r.services).sort(), services);
  }
  assert.match(riofileFor(two!, 7), /ROUND=7/);
  assert.notEqual(riofileFor(two!, 1), riofileFor(two!, 2));
});

test('riaConfigFiles: settings and one app file per app, loadable by the engine', () => {
  const apps = benchApps('ria', 3);
  const files = riaConfigFiles(apps, { repoUrl: (r) => `http://127.0.0.1:7080/${r}.git`, pollSeconds: 10, gitHost: '127.0.0.1:7080', domain: 'apps.test' });
  const loaded = loadConfig(new Map(Object.entries(files)));
  assert.equal(loaded.settings.pollIntervalMs, 10_000);
  assert.equal(loaded.appErrors.size, 0);
  assert.deepEqual(loaded.apps.map((a) => [a.name, a.spec.repo, a.spec.branches]), apps.map((a) => [a.name, `http://127.0.0.1:7080/${a.repo}.git`, ['main']]));
});

test('pushSequence: one app at a time, spread, never twice in a row, deterministic', () => {
  for (const n of [1, 2, 3, 7, 100, 1000]) {
    const seq = pushSequence(n, 20);
    assert.equal(seq.length, 20);
    assert.ok(seq.every((i) => i >= 0 && i < n));
    if (n > 1) assert.ok(seq.every((i, k) => k === 0 || i !== seq[k - 1]), `n=${n}: ${seq}`);
    assert.deepEqual(pushSequence(n, 20), seq);
  }
  assert.equal(new Set(pushSequence(100, 20)).size, 20);
});

test('renderedYaml: the objects Ria renders for the app, in its namespace, changing with the round', () => {
  const apps = benchApps('flux', 3);
  const config = riaConfigFiles(apps, { repoUrl: (r) => `http://git.test/${r}.git`, pollSeconds: 10, gitHost: 'git.test', domain: 'apps.test' });
  const docs = renderedYaml(apps[0]!, 0, config, 'ria-system').split(/^---$/m).map((d) => parse(d) as { kind: string; metadata: { name: string; namespace?: string } } | null).filter((d) => d);
  const ns = appNamespace(apps[0]!);
  assert.equal(docs[0]!.kind, 'Namespace');
  assert.equal(docs[0]!.metadata.name, ns);
  assert.equal(docs.filter((d) => d!.kind === 'Deployment').length, 2);
  assert.ok(docs.slice(1).every((d) => d!.metadata.namespace === ns));
  assert.notEqual(renderedYaml(apps[0]!, 1, config, 'ria-system'), renderedYaml(apps[0]!, 0, config, 'ria-system'));
  assert.match(renderCommit(apps[0]!, 1), /^[0-9a-f]{40}$/);
  assert.throws(() => renderedYaml(benchApps('other', 1)[0]!, 0, config, 'ria-system'), /not in the config/);
});

test('Flux objects: a GitRepository on the tracked branch and a waited, pruned Kustomization over it', () => {
  const [app] = benchApps('flux', 1);
  const repo = gitRepository(app!, 'http://git.test/acme/flux-0001.git', 10);
  assert.deepEqual(repo.spec, { interval: '10s', url: 'http://git.test/acme/flux-0001.git', ref: { branch: 'main' }, timeout: '60s' });
  const k = kustomization(app!);
  assert.deepEqual(k.spec.sourceRef, { kind: 'GitRepository', name: 'flux-0001' });
  assert.equal(k.spec.wait, true);
  assert.equal(k.spec.prune, true);
  assert.equal(k.spec.interval, '5m');
  assert.equal(appliedRevision({ lastAppliedRevision: `main@sha1:${'a'.repeat(40)}` }), 'a'.repeat(40));
  assert.equal(appliedRevision(undefined), undefined);
});

test('pollPhaseDelays: one per polled push, spread evenly over the interval, shuffled, fixed', () => {
  const d = pollPhaseDelays(20, 10_000);
  assert.equal(d.length, 20);
  assert.deepEqual([...d].sort((a, b) => a - b), Array.from({ length: 20 }, (_, k) => 250 + k * 500));
  assert.notDeepEqual(d, [...d].sort((a, b) => a - b));
  assert.deepEqual(pollPhaseDelays(20, 10_000), d);
  assert.deepEqual(pollPhaseDelays(0, 10_000), []);
});
