import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { render } from '../../../engine/render/index.js';
import { fixtureCluster, fixtureInput, kitchenSink, rioFixtures, snapshotDir, snapshotText } from './fixtures.js';
import type { RenderInput } from '../../../engine/render/types.js';

const update = process.env.RIA_UPDATE_SNAPSHOTS === '1';
const { gateway: _gateway, ...ingressCluster } = fixtureCluster;

/** Compares with fixtures/render/<name>.yaml; writes it only when RIA_UPDATE_SNAPSHOTS=1. */
function snapshot(name: string, input: RenderInput): void {
  const text = snapshotText(render(input));
  const file = join(snapshotDir, `${name}.yaml`);
  if (update) {
    mkdirSync(snapshotDir, { recursive: true });
    writeFileSync(file, text);
    return;
  }
  assert.ok(existsSync(file), `no snapshot ${file}: run the unit tests with RIA_UPDATE_SNAPSHOTS=1 and review it`);
  assert.equal(text, readFileSync(file, 'utf8'), `${name} differs from its snapshot (RIA_UPDATE_SNAPSHOTS=1 to accept after review)`);
}

const fixtures = rioFixtures();

test('the Rio fixtures that parse are found (at least the current-format examples)', () => {
  const names = fixtures.map((f) => f.name);
  for (const expected of ['01-nginx-configs', '08-watch-repo-template-autoscale-init', '09-dev-local-build-image-dot', '23-fixture-riofile-export']) {
    assert.ok(names.includes(expected), `${expected} missing from ${names.join(', ')}`);
  }
});

for (const f of fixtures) {
  test(`snapshot: ${f.name}`, () => snapshot(f.name, fixtureInput(f.riofile)));
}

test('snapshot: kitchen sink (Gateway API)', () => snapshot('kitchen-sink', fixtureInput(kitchenSink())));
test('snapshot: kitchen sink (Ingress fallback)', () => snapshot('kitchen-sink-ingress', fixtureInput(kitchenSink(), { cluster: { ...ingressCluster, ingressClass: 'nginx' } })));
test('snapshot: kitchen sink as a pull request', () => snapshot('kitchen-sink-pr', fixtureInput(kitchenSink(), { environment: { app: 'demo', kind: 'pr', pr: 128, commit: 'b'.repeat(40) } })));
