import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRiofile } from '../../../engine/riofile/index.js';
import { isVersioned, stepSettings } from '../../../engine/rollout/settings.js';

function service(yaml: string) {
  return parseRiofile(`services:\n  web:\n    image: nginx\n${yaml}`).services['web']!;
}

test('rollout settings: increment and interval from Rio\'s fields, completed from rolloutDuration', () => {
  const both = stepSettings(service('    rollout:\n      increment: 5\n      interval: 2\n'));
  assert.deepEqual([both.increment, both.intervalMs, both.pause], [5, 2_000, false]);
  const inc = stepSettings(service('    rollout:\n      increment: 25\n    rolloutDuration: 60\n'));
  assert.deepEqual([inc.increment, inc.intervalMs], [25, 15_000]);
  const int = stepSettings(service('    rollout:\n      interval: 20\n    rolloutDuration: 60\n'));
  assert.deepEqual([int.increment, int.intervalMs], [34, 20_000]);
  const neither = stepSettings(service('    template: true\n'));
  assert.deepEqual([neither.increment, neither.intervalMs], [10, 6_000], 'ten steps over the default 60 s');
  const now = stepSettings(service('    template: true\n    rolloutDuration: 0\n'));
  assert.deepEqual([now.increment, now.intervalMs], [100, 0]);
  const paused = stepSettings(service('    rollout:\n      pause: true\n    stageOnly: true\n'));
  assert.equal(paused.pause, true);
  assert.equal(paused.stageOnly, true);
});

test('rollout settings: template or rollout makes a service versioned per commit', () => {
  assert.equal(isVersioned(service('    template: true\n')), true);
  assert.equal(isVersioned(service('    rollout:\n      increment: 5\n')), true);
  assert.equal(isVersioned(service('    weight: 50\n')), false);
});

test('rollout settings: drain and keepRolledBack come from ria.yaml (rollouts:), validated there', async () => {
  const { loadConfig } = await import('../../../engine/config/load.js');
  const ok = loadConfig(new Map([['ria.yaml', 'rollouts:\n  drain: 5s\n  keepRolledBack: 2m\n']]));
  assert.deepEqual(ok.settings.rollouts, { drainMs: 5_000, scaleDownMs: 120_000 });
  const s = stepSettings(service('    template: true\n'), ok.settings.rollouts);
  assert.deepEqual([s.drainMs, s.scaleDownMs], [5_000, 120_000]);
  assert.deepEqual([stepSettings(service('    template: true\n')).drainMs, stepSettings(service('    template: true\n')).scaleDownMs], [30_000, 600_000], 'defaults');
  const bad = loadConfig(new Map([['ria.yaml', 'rollouts:\n  drain: soon\n']]));
  assert.ok(bad.settingsError, 'an invalid duration is a located settings error');
  assert.match(bad.settingsError!.message, /rollouts/);
});
