import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFailedMessage, failedContainer, failureSummary, logTail } from '../../../engine/controller/environment/build-failure.js';
import { buildFailedDescription, MAX_DESCRIPTION } from '../../../engine/github/environment-report.js';
import type { Environment } from '../../../engine/crds/types.js';

test('logTail: the last non-empty lines, within 20 lines and 4 KiB, redacted, without terminal codes', () => {
  const text = Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n');
  assert.deepEqual(logTail(text), Array.from({ length: 20 }, (_, i) => `line ${i + 30}`));
  assert.deepEqual(logTail('a\n\n\x1b[31mred\x1b[0m\r\n\n'), ['a', 'red']);
  assert.deepEqual(logTail('clone https://bob:hunter2@git.example.com/x.git\nAuthorization: Bearer abcdefghijklmnop'),
    ['clone https://***@git.example.com/x.git', 'Authorization: Bearer ***']);
  const long = Array.from({ length: 10 }, (_, i) => `${i}`.repeat(1000)).join('\n');
  const tail = logTail(long);
  assert.ok(Buffer.byteLength(tail.join('\n')) <= 4096);
  assert.equal(tail.at(-1), '9'.repeat(1000));
  const one = logTail('é'.repeat(5000));
  assert.equal(one.length, 1);
  assert.ok(one[0]!.startsWith('…'));
  assert.ok(Buffer.byteLength(one[0]!) <= 4096);
  assert.ok(!one[0]!.includes('\ufffd'), 'no split character');
});

test('failureSummary: the last Dockerfile step and the root cause of the last line', () => {
  assert.equal(failureSummary(['INFO[0001] RUN exit 3', 'INFO[0001] Running: [/bin/sh -c exit 3]',
    'error building image: error building stage: failed to execute command: waiting for process to exit: exit status 3']), 'RUN exit 3: exit status 3');
  assert.equal(failureSummary(["fatal: couldn't find remote ref refs/heads/gone"]), "fatal: couldn't find remote ref refs/heads/gone");
  assert.equal(failureSummary([]), '');
});

test('failedContainer: the init container that failed, a container that could not start, else the builder', () => {
  assert.deepEqual(failedContainer({ status: { initContainerStatuses: [{ name: 'fetch-source', state: { terminated: { exitCode: 128 } } }] } }), { name: 'fetch-source', exitCode: 128 });
  assert.deepEqual(failedContainer({ status: { initContainerStatuses: [{ name: 'fetch-source', state: { terminated: { exitCode: 0 } } }],
    containerStatuses: [{ name: 'kaniko', state: { waiting: { reason: 'ImagePullBackOff', message: 'not found' } } }] } }), { name: 'kaniko', reason: 'ImagePullBackOff: not found' });
  assert.equal(failedContainer({ status: { containerStatuses: [{ name: 'kaniko', state: { running: {} } }] } }), undefined);
});

test('buildFailedMessage keeps the end of the log and the hint within 1024 characters', () => {
  const tail = Array.from({ length: 20 }, (_, i) => `${i} ${'x'.repeat(100)}`);
  const m = buildFailedMessage({ service: 'api', commit: 'abcdef0123', job: 'build-x', namespace: 'ria-builds', why: 'RUN false: exit status 1', tail, hint: 'ria logs shop --env main --build' });
  assert.ok(m.length <= 1024, String(m.length));
  assert.match(m, /^build of api at abcdef0 failed \(Job ria-builds\/build-x\): RUN false: exit status 1\. Last log lines: /);
  assert.match(m, /19 x+\. Whole log: ria logs shop --env main --build$/);
  assert.ok(!m.includes('0 xxx'), 'the oldest lines went first');
});

test('buildFailedDescription: within GitHub\'s 140 characters, the hint kept whole', () => {
  const env = { spec: { app: 'shop-frontend', target: 'feature/long-branch-name' } } as Environment;
  const d = buildFailedDescription(env, { service: 'api', message: `RUN ${'npm run build '.repeat(20)}: exit status 1` });
  assert.ok(d.length <= MAX_DESCRIPTION, String(d.length));
  assert.match(d, /…; ria logs shop-frontend --env feature\/long-branch-name --build$/);
});
