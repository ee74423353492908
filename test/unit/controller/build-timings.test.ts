import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BuildTimings } from '../../../engine/controller/build-timings.js';

const job = (uid: string, status?: Record<string, unknown>) => ({
  apiVersion: 'batch/v1', kind: 'Job', metadata: { uid, name: `build-${uid}`, labels: { 'ria.dev/app': 'web', 'ria.dev/service': 'api' } },
  ...(status ? { status } : {}),
});
const complete = { startTime: '2026-12-02T10:00:00Z', completionTime: '2026-12-02T10:01:30Z', conditions: [{ type: 'Complete', status: 'True' }] };

test('a build seen running and then complete is reported once, from its start to its completion', () => {
  // Setup
  const timings = new BuildTimings();

  // Test
  assert.equal(timings.observe(job('a'), 'add'), undefined);
  assert.equal(timings.observe(job('a', { startTime: '2026-12-02T10:00:00Z', active: 1 }), 'update'), undefined);
  assert.deepEqual(timings.observe(job('a', complete), 'update'), { app: 'web', service: 'api', seconds: 90, ok: true });
  assert.equal(timings.observe(job('a', complete), 'update'), undefined, 'a later event of the same Job is not a second build');
  assert.equal(timings.size, 0);
});

test('a failed build is timed to when it was marked Failed', () => {
  const timings = new BuildTimings();
  timings.observe(job('b', { active: 1, startTime: '2026-12-02T10:00:00Z' }), 'add');
  const failed = { startTime: '2026-12-02T10:00:00Z', conditions: [{ type: 'Failed', status: 'True', lastTransitionTime: '2026-12-02T10:00:12Z' }] };
  assert.deepEqual(timings.observe(job('b', failed), 'update'), { app: 'web', service: 'api', seconds: 12, ok: false });
});

test('a Job first seen finished (before this engine watched) is not reported; a deleted one is forgotten', () => {
  const timings = new BuildTimings();
  assert.equal(timings.observe(job('c', complete), 'add'), undefined);
  timings.observe(job('d'), 'add');
  timings.observe(job('d'), 'delete');
  assert.equal(timings.size, 0);
});

test('a finished Job without a completion time is timed to now', () => {
  const timings = new BuildTimings(() => new Date('2026-12-02T10:00:05Z'));
  timings.observe(job('e'), 'add');
  assert.equal(timings.observe(job('e', { startTime: '2026-12-02T10:00:00Z', conditions: [{ type: 'Complete', status: 'True' }] }), 'update')?.seconds, 5);
});
