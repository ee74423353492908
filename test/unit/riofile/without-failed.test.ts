import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withoutFailed } from '../../../engine/riofile/parse.js';
import { LIMITS, parseRiofile, RiofileError } from '../../../engine/riofile/index.js';

test('withoutFailed copies a section once, however many of its entries failed (was once per failed path: 54 s for 999 services)', () => {
  // Setup: count how often the services section is enumerated (each copy enumerates it once).
  const services: Record<string, unknown> = {};
  for (let i = 0; i < 500; i++) services[`s${i}`] = { image: 'nginx' };
  let copies = 0;
  const counted = new Proxy(services, { ownKeys: (t) => { copies++; return Reflect.ownKeys(t); } });
  const failed = Array.from({ length: 400 }, (_, i) => ['services', `s${i}`, 'env', 0]);
  // Test
  const out = withoutFailed({ services: counted, configs: { c: 'x' } }, failed);
  assert.equal(copies, 1);
  assert.deepEqual(Object.keys(out.services as object), Array.from({ length: 100 }, (_, i) => `s${400 + i}`));
  assert.deepEqual(out.configs, { c: 'x' });
});

test('withoutFailed drops a whole section that failed as a section, even when entries of it failed too', () => {
  const out = withoutFailed({ services: { a: {}, b: {} }, routers: 3 }, [['services', 'a'], ['routers'], ['services']]);
  assert.deepEqual(out, {});
});

test('a Riofile with tens of thousands of mistakes reports the first 100 and counts the rest (review H4: 999 services x 45 bad env entries)', () => {
  // Setup: the review's 483 KB input, which blocked the event loop for 54 s.
  const lines = ['services:'];
  for (let i = 0; i < 999; i++) lines.push(`  s${i}: {image: nginx, env: [${Array(45).fill('1').join(', ')}]}`);
  // Test
  let error: RiofileError | undefined;
  try { parseRiofile(lines.join('\n')); } catch (e) { error = e as RiofileError; }
  assert.ok(error instanceof RiofileError);
  assert.equal(error.issues.length, LIMITS.maxIssues + 1);
  assert.equal(error.issues[0]!.path, 'services.s0.env[0]');
  assert.equal(error.issues.at(-1)!.message, `and ${999 * 45 - LIMITS.maxIssues} more problems, not listed: only the first ${LIMITS.maxIssues} are reported`);
});
