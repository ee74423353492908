import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from '../../../engine/render/index.js';
import { input, riofile, service, port, COMMIT } from './model.js';
import type { Environment } from '../../../engine/render/types.js';

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const REQUIRED = ['ria.dev/app', 'ria.dev/environment', 'ria.dev/service', 'ria.dev/version', 'ria.dev/commit',
  'app.kubernetes.io/managed-by', 'app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/version', 'app.kubernetes.io/part-of'];

test('every object and build Job carries the ten labels, all valid label values', () => {
  const env: Environment = { app: 'Shop_App', kind: 'branch', branch: 'feature/Ünïcode_' + 'x'.repeat(100), commit: COMMIT };
  const rf = riofile({
    configs: { conf: { a: '1' } },
    services: { web: service('web', { ports: [port({ port: 80 })], image: './', permissions: [{ verbs: ['get'], apiGroup: '', resource: 'pods' }], autoscale: { minReplicas: 1, maxReplicas: 3, concurrency: 10 } }) },
  });
  const result = render(input(rf, { environment: env }));
  for (const o of [...result.objects, ...result.buildJobs]) {
    const labels = o.metadata.labels ?? {};
    for (const key of REQUIRED) assert.ok(key in labels, `${o.kind} ${o.metadata.name} lacks ${key}`);
    for (const [k, v] of Object.entries(labels)) assert.match(v, LABEL_VALUE, `${o.kind}/${o.metadata.name} ${k}=${v}`);
    assert.equal(labels['app.kubernetes.io/managed-by'], 'ria');
    assert.equal(labels['ria.dev/commit'], COMMIT);
  }
  const deployment = result.objects.find((o) => o.kind === 'Deployment')!;
  assert.equal(deployment.metadata.labels!['ria.dev/service'], 'web');
  assert.equal(deployment.metadata.labels!['ria.dev/version'], 'v0');
  const ns = result.objects[0]!;
  assert.equal(ns.metadata.labels!['ria.dev/service'], '', 'shared objects have an empty service label');
});

test('pod templates carry no commit label, so a commit that changes nothing restarts nothing', () => {
  const rf = riofile({ services: { web: service('web', { labels: { team: 'a' } }) } });
  const a = render(input(rf));
  const b = render(input(rf, { environment: { app: 'shop', kind: 'branch', branch: 'main', commit: 'f'.repeat(40) } }));
  const template = (r: typeof a) => JSON.stringify((r.objects.find((o) => o.kind === 'Deployment')!.spec as { template: unknown }).template);
  assert.equal(template(a), template(b));
  assert.match(template(a), /"team":"a"/, 'user labels reach the pods');
});

test('user labels cannot override Ria\'s own keys', () => {
  const rf = riofile({ services: { web: service('web', { labels: { 'ria.dev/service': 'evil', team: 'a' } }) } });
  const d = render(input(rf)).objects.find((o) => o.kind === 'Deployment')!;
  assert.equal(d.metadata.labels!['ria.dev/service'], 'web');
  assert.equal(d.metadata.labels!.team, 'a');
});
