import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LEGACY_KEYS, LEGACY_VALUES } from '../../../engine/riofile/schema/legacy.js';
import { issuesOf } from './helpers.js';

/** Where each object lives; `F` becomes `legacyKey: 1`. */
const CONTEXT: Record<string, string> = {
  service: 'services: {web: {image: nginx, F}}',
  sidecar: 'services: {web: {image: nginx, containers: [{name: c, image: busybox, F}]}}',
  build: 'services: {web: {build: {F}}}',
  route: 'routers: {r: {routes: [{to: [{app: a}], F}]}}',
  match: 'routers: {r: {routes: [{to: [{app: a}], match: {F}}]}}',
  destination: 'routers: {r: {routes: [{to: [{app: a, F}]}]}}',
  mirror: 'routers: {r: {routes: [{to: [{app: a}], mirror: {app: m, F}}]}}',
  retry: 'routers: {r: {routes: [{to: [{app: a}], retry: {F}}]}}',
  fault: 'routers: {r: {routes: [{to: [{app: a}], fault: {F}}]}}',
  kubernetes: 'kubernetes: {F}',
};

for (const [def, keys] of Object.entries(LEGACY_KEYS)) {
  for (const [key, replacement] of Object.entries(keys)) {
    test(`legacy ${def}.${key} is refused, naming ${replacement}`, () => {
      assert.ok(CONTEXT[def], `no context for ${def}`);
      const issues = issuesOf(CONTEXT[def]!.replace('F', `${key}: 1`));
      assert.deepEqual(
        issues.map((i) => [i.path.endsWith(`.${key}`), i.message, i.expected]),
        [[true, `"${key}" is a legacy Rio key (v0.5 or older); use ${replacement}`, replacement]],
      );
    });
  }
}

test('legacy value shapes: rollout: true, header operations and header matches as maps', () => {
  assert.ok(LEGACY_VALUES.service?.rollout);
  const message = (src: string) => issuesOf(src).map((i) => `${i.path}: ${i.message}`);
  assert.deepEqual(message('services: {web: {image: nginx, rollout: true}}'), [
    'services.web.rollout: "rollout" as a true/false is legacy Rio syntax (v0.5); use rollout: {increment: 5, intervalSeconds: 2}',
  ]);
  assert.deepEqual(message('routers: {r: {routes: [{to: [{app: a}], headers: {add: {foo: bar}}}]}}'), [
    'routers.r.routes[0].headers.add: "add" as a map is legacy Rio syntax (v0.5); use add: [{name: NAME, value: VALUE}]',
  ]);
  assert.deepEqual(message('routers: {r: {routes: [{to: [{app: a}], match: {headers: {FOO: {exact: x}}}}]}}'), [
    'routers.r.routes[0].match.headers: "headers" as a map is legacy Rio syntax (v0.5); use headers: [{name: NAME, value: {exact: VALUE}}]',
  ]);
  // A boolean where an object belongs is only "legacy" where Rio v0.5 had one.
  assert.deepEqual(message('services: {web: {image: nginx, autoscale: true}}'), ['services.web.autoscale: wrong type: expected a map']);
});
