import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAge, formatEnvironmentTable, environmentRow } from '../../../engine/observe/environment-table.js';
import type { Environment } from '../../../engine/crds/types.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();

function env(name: string, spec: Partial<Environment['spec']>, status: Environment['status'], createdMsAgo: number): Environment {
  return {
    apiVersion: 'ria.dev/v1alpha1', kind: 'Environment',
    metadata: { name, namespace: 'ria-system', creationTimestamp: ago(createdMsAgo) },
    spec: { app: 'web', kind: 'branch', target: 'main', commit: '0123456789abcdef0123456789abcdef01234567', namespace: `web-${name}`, ...spec },
    ...(status ? { status } : {}),
  };
}

test('formatAge follows kubectl', () => {
  const s = 1000; const m = 60 * s; const h = 60 * m; const d = 24 * h;
  const cases: Array<[number, string]> = [
    [0, '0s'], [-3 * s, '0s'], [59 * s, '59s'], [119 * s, '119s'], [2 * m, '2m'], [9 * m + 30 * s, '9m30s'],
    [45 * m, '45m'], [179 * m, '179m'], [3 * h, '3h'], [7 * h + 59 * m, '7h59m'], [8 * h, '8h'], [47 * h, '47h'],
    [2 * d, '2d'], [3 * d + 5 * h, '3d5h'], [10 * d, '10d'], [729 * d, '729d'], [800 * d, '2y70d'], [9 * 365 * d, '9y'],
  ];
  for (const [ms, want] of cases) assert.equal(formatAge(ms), want, `${ms} ms`);
  assert.equal(formatAge(Number.NaN), '<unknown>');
});

test('the table lists app, branch/PR, short commit, phase, URL, age and the not-Ready message', () => {
  // Setup
  const envs = [
    env('web--pr-12', { kind: 'pr', target: 'pr-12', pullRequest: 12, commit: 'feedfacecafebeef' }, {
      phase: 'Failed',
      conditions: [{ type: 'Ready', status: 'False', reason: 'BuildFailed', message: 'build of service api failed:\nexit code 1', lastTransitionTime: ago(0) }],
    }, 90_000),
    env('web--main', {}, {
      phase: 'Ready', shortCommit: '0123456', url: 'https://web.example.com',
      conditions: [{ type: 'Ready', status: 'True', reason: 'Deployed', message: 'Deployed 0123456', lastTransitionTime: ago(0) }],
    }, 3 * 3600_000),
    env('api--main', { app: 'api' }, undefined, 5_000),
  ];

  // Test
  assert.equal(formatEnvironmentTable(envs, NOW), [
    'APP   BRANCH/PR   COMMIT    PHASE     URL                       AGE   MESSAGE',
    'api   main        0123456   Pending   -                         5s',
    'web   main        0123456   Ready     https://web.example.com   3h',
    'web   pr-12       feedfac   Failed    -                         90s   build of service api failed: exit code 1',
    '',
  ].join('\n'));
});

test('an empty list prints the empty text, not a bare header', () => {
  assert.equal(formatEnvironmentTable([], NOW), 'No environments found.\n');
  assert.equal(formatEnvironmentTable([], NOW, 'No environments for app "web".'), 'No environments for app "web".\n');
});

test('long messages are cut to one short line; PR numbers sort numerically', () => {
  const long = 'x'.repeat(200);
  const row = environmentRow(env('a', {}, { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'Progressing', message: long, lastTransitionTime: ago(0) }] }, 0), NOW);
  assert.equal(row.message.length, 80);
  assert.ok(row.message.endsWith('…'));
  const table = formatEnvironmentTable([
    env('p10', { kind: 'pr', target: 'pr-10' }, undefined, 0),
    env('p9', { kind: 'pr', target: 'pr-9' }, undefined, 0),
  ], NOW);
  assert.ok(table.indexOf('pr-9') < table.indexOf('pr-10'), table);
});

test('a branch named like a pull request is shown as a branch: pr-1 (branch), never taken for PR #1', () => {
  assert.equal(environmentRow(env('b', { kind: 'branch', target: 'pr-1', branch: 'pr-1' }, undefined, 0), NOW).target, 'pr-1 (branch)');
  assert.equal(environmentRow(env('p', { kind: 'pr', target: 'pr-1', pullRequest: 1 }, undefined, 0), NOW).target, 'pr-1');
  assert.equal(environmentRow(env('f', { kind: 'branch', target: 'feature/x' }, undefined, 0), NOW).target, 'feature/x');
});

test('a rollout adds the ROLLOUT column (v9f3c1 30% → 40%); without one the table is unchanged', () => {
  const rolling = env('web--main', {}, {
    phase: 'Deploying', shortCommit: '9f3c1aa', url: 'https://web.example.com',
    rollout: { services: {}, summary: 'v9f3c1 30% → 40%' },
  }, 60_000);
  assert.equal(formatEnvironmentTable([rolling, env('api--main', { app: 'api' }, undefined, 5_000)], NOW), [
    'APP   BRANCH/PR   COMMIT    PHASE       ROLLOUT            URL                       AGE   MESSAGE',
    'api   main        0123456   Pending     -                  -                         5s',
    'web   main        9f3c1aa   Deploying   v9f3c1 30% → 40%   https://web.example.com   60s',
    '',
  ].join('\n'));
  assert.equal(environmentRow(rolling, NOW).rollout, 'v9f3c1 30% → 40%');
});
