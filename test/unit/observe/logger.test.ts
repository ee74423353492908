import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../../engine/observe/logger.js';
import { redactText } from '../../../engine/observe/redact.js';
import { RiaError } from '../../../engine/errors.js';

function sink() {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _enc, cb) { lines.push(...String(chunk).split('\n').filter(Boolean)); cb(); } });
  return { stream, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}
const fixed = () => new Date('2026-01-02T03:04:05.000Z');

test('one JSON object per line with time, level, msg, base and child fields', () => {
  // Setup
  const out = sink();
  const log = createLogger({ stream: out.stream, base: { component: 'engine' }, now: fixed });

  // Test
  log.info('started', { replicas: 2 });
  log.child({ app: 'web' }).child({ env: 'main' }).warn('slow', { ms: 1200 });
  assert.equal(out.lines.length, 2);
  assert.deepEqual(out.parsed(), [
    { time: '2026-01-02T03:04:05.000Z', level: 'info', msg: 'started', component: 'engine', replicas: 2 },
    { time: '2026-01-02T03:04:05.000Z', level: 'warn', msg: 'slow', component: 'engine', app: 'web', env: 'main', ms: 1200 },
  ]);
});

test('levels below the minimum are dropped', () => {
  const out = sink();
  const log = createLogger({ stream: out.stream, level: 'warn', now: fixed });
  log.debug('d'); log.info('i'); log.warn('w'); log.error('e');
  assert.deepEqual(out.parsed().map((l) => l.level), ['warn', 'error']);
  assert.equal(log.isEnabled('info'), false);
  assert.throws(() => createLogger({ stream: out.stream, level: 'loud' as never }), /unknown level "loud"/);
});

test('secret-named fields are masked at any depth; URLs lose their credentials', () => {
  // Setup
  const out = sink();
  const log = createLogger({ stream: out.stream, now: fixed, base: { token: 'base-token-123' } });

  // Test
  log.info('cloning https://alice:hunter22@git.example/acme/web.git', {
    password: 'hunter22',
    headers: { Authorization: 'Bearer abcdefghijklmnop', accept: 'json' },
    webhookSecret: 's3cr3t-value',
    config: { apiKey: 'k-123456', nested: [{ clientSecret: 'cs-999' }] },
    repo: 'https://x-access-token:ghs_abc123@github.com/acme/web',
    note: 'retry with Bearer abcdefghijklmnop failed',
    error: new RiaError('GitAuth', 'auth failed for https://bob:pw123456@host/repo', { url: 'https://bob:pw123456@host/repo' }),
    count: 3,
  });
  const raw = out.lines[0]!;
  for (const secret of ['hunter22', 'abcdefghijklmnop', 's3cr3t-value', 'k-123456', 'cs-999', 'ghs_abc123', 'pw123456', 'base-token-123']) {
    assert.ok(!raw.includes(secret), `leaked ${secret}: ${raw}`);
  }
  const line = out.parsed()[0]!;
  assert.equal(line.msg, 'cloning https://***@git.example/acme/web.git');
  assert.equal(line.password, '***');
  assert.deepEqual(line.headers, { Authorization: '***', accept: 'json' });
  assert.deepEqual(line.config, { apiKey: '***', nested: [{ clientSecret: '***' }] });
  assert.equal(line.repo, 'https://***@github.com/acme/web');
  assert.equal(line.note, 'retry with Bearer *** failed');
  assert.deepEqual(line.error, { name: 'RiaError', message: 'auth failed for https://***@host/repo', code: 'GitAuth', data: { url: 'https://***@host/repo' } });
  assert.equal(line.count, 3);
});

test('fields cannot overwrite time, level or msg; cycles do not crash', () => {
  const out = sink();
  const log = createLogger({ stream: out.stream, now: fixed });
  const loop: Record<string, unknown> = { a: 1 };
  loop.self = loop;
  log.error('boom', { level: 'info', msg: 'fake', loop });
  const line = out.parsed()[0]!;
  assert.equal(line.level, 'error');
  assert.equal(line.msg, 'boom');
  assert.equal(line['field.level'], 'info');
  assert.deepEqual(line.loop, { a: 1, self: '[Circular]' });
});

test('redactText leaves ordinary text alone', () => {
  assert.equal(redactText('fetched https://github.com/acme/web at 1a2b3c4'), 'fetched https://github.com/acme/web at 1a2b3c4');
  assert.equal(redactText('ssh://git@host/x and https://u:p@h/y'), 'ssh://***@host/x and https://***@h/y');
});
