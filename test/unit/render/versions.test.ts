import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { render } from '../../../engine/render/index.js';
import { parseRiofile } from '../../../engine/riofile/index.js';
import { FIXTURE_COMMIT, fixtureInput, snapshotDir, snapshotText } from './fixtures.js';
import { at, find, kinds } from './helpers.js';

// Setup: a Riofile with a versioned service (Rio's template: true) next to a plain one.
const riofile = (extra = '') => parseRiofile(`services:
  web:
    image: nginx
    ports: 80/http
    template: true
    rollout:
      increment: 10
      interval: 5
${extra}  db:
    image: redis
    ports: 6379/tcp
`);
const V = 'v3f2a1'; // the fixture commit's version
const hostOf = (route: ReturnType<typeof find>) => at(route, 'spec.hostnames.0');

test('versions: a template service renders the version of its commit: own Deployment, Service, URL; the app route points at it', () => {
  const r = render(fixtureInput(riofile()));
  const names = kinds(r);
  for (const k of [`Deployment/web-${V}`, `Service/web-${V}`, 'Service/web', 'HTTPRoute/web', `HTTPRoute/web-${V}`, 'Deployment/db']) assert.ok(names.includes(k), `${k} in ${names.join(', ')}`);
  assert.ok(!names.includes('Deployment/web'), 'no unversioned Deployment');
  const deploy = find(r, 'Deployment', `web-${V}`);
  assert.equal(deploy.metadata.labels?.['ria.dev/version'], V);
  assert.equal((at(deploy, 'spec.selector.matchLabels') as Record<string, string>)['ria.dev/service'], `web-${V}`, 'each version selects only its own pods');
  assert.equal(at(deploy, 'spec.template.spec.containers.0.image'), 'nginx');
  assert.deepEqual(at(find(r, 'HTTPRoute', 'web'), 'spec.rules.0.backendRefs'), [{ name: `web-${V}`, port: 80 }]);
  assert.equal(hostOf(find(r, 'HTTPRoute', `web-${V}`)), `web-${V}--demo--main.apps.example.com`);
  assert.deepEqual(r.urls['web'], ['https://web--demo--main.apps.example.com', `https://web-${V}--demo--main.apps.example.com`]);
  assert.equal(r.versions['web']?.version, V);
  assert.equal(r.versions['web']?.url, `https://web-${V}--demo--main.apps.example.com`);
  assert.deepEqual(r.versions['web']?.objects.map((o) => `${o.kind}/${o.name}`).sort(), [`Deployment/web-${V}`, `HTTPRoute/web-${V}`, `Service/web-${V}`]);
  assert.deepEqual(Object.keys(r.versions), ['web'], 'plain services are not versioned');
});

test('versions: mid-rollout the app route splits by the planner\'s weights between this commit\'s version and the kept one', () => {
  const r = render(fixtureInput(riofile(), { rollouts: { web: { current: V, weights: { vaaaaa: 70, [V]: 30 } } } }));
  assert.deepEqual(at(find(r, 'HTTPRoute', 'web'), 'spec.rules.0.backendRefs'), [
    { name: `web-${V}`, port: 80, weight: 30 },
    { name: 'web-vaaaaa', port: 80, weight: 70 },
  ]);
  assert.ok(!kinds(r).includes('Deployment/web-vaaaaa'), 'the kept version is not rendered again (its Riofile is not this one)');
  assert.ok(!kinds(r).includes('HTTPRoute/web-vaaaaa'));
});

test('versions: stageOnly gets its URL and weight 0 on the app route; a service weight scales the shares', () => {
  const staged = render(fixtureInput(riofile('    stageOnly: true\n'), { rollouts: { web: { current: V, weights: { vaaaaa: 100, [V]: 0 } } } }));
  assert.deepEqual(at(find(staged, 'HTTPRoute', 'web'), 'spec.rules.0.backendRefs'), [
    { name: `web-${V}`, port: 80, weight: 0 },
    { name: 'web-vaaaaa', port: 80, weight: 100 },
  ]);
  assert.deepEqual(at(find(staged, 'HTTPRoute', `web-${V}`), 'spec.rules.0.backendRefs'), [{ name: `web-${V}`, port: 80 }]);
  assert.equal(staged.warnings.find((w) => w.code === 'EndpointNoWeight'), undefined);
  const half = render(fixtureInput(riofile('    weight: 50\n'), { rollouts: { web: { current: V, weights: { vaaaaa: 60, [V]: 40 } } } }));
  assert.deepEqual(at(find(half, 'HTTPRoute', 'web'), 'spec.rules.0.backendRefs').map((b: { weight: number }) => b.weight), [20, 30]);
});

test('versions: a rolled-back version scaled to zero has 0 replicas and no autoscaler', () => {
  const r = render(fixtureInput(riofile('    autoscale:\n      min: 1\n      max: 4\n'), { rollouts: { web: { current: V, weights: { vaaaaa: 100, [V]: 0 }, scaledToZero: true } } }));
  assert.equal(at(find(r, 'Deployment', `web-${V}`), 'spec.replicas'), 0);
  assert.ok(!kinds(r).some((k) => k.startsWith('HorizontalPodAutoscaler/')));
});

test('versions: built images keep the service name (the commit tag tells versions apart)', () => {
  const r = render(fixtureInput(parseRiofile('services:\n  web:\n    build:\n      context: .\n    ports: 80/http\n    template: true\n')));
  assert.equal(r.images['web'], `registry.example.com/ria/demo/web:${FIXTURE_COMMIT}`);
  assert.equal(at(find(r, 'Deployment', `web-${V}`), 'spec.template.spec.containers.0.image'), r.images['web']);
  assert.equal(r.buildJobs.length, 1);
});

test('snapshot: a versioned service mid-rollout (fixtures/render/rollout-mid.yaml)', () => {
  const text = snapshotText(render(fixtureInput(riofile(), { rollouts: { web: { current: V, weights: { vaaaaa: 70, [V]: 30 } } } })));
  const file = join(snapshotDir, 'rollout-mid.yaml');
  if (process.env.RIA_UPDATE_SNAPSHOTS === '1') { writeFileSync(file, text); return; }
  assert.ok(existsSync(file), `no snapshot ${file}: run with RIA_UPDATE_SNAPSHOTS=1 and review it`);
  assert.equal(text, readFileSync(file, 'utf8'));
});
