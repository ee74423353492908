import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { authHeaders, DeadlineError, withDeadline } from '../../../engine/git/transport.js';

/** Timers that fire only when the test says so. */
function manualTimers() {
  const pending = new Map<number, () => void>();
  let next = 1;
  return {
    setTimeout: ((fn: () => void) => { pending.set(next, fn); return next++; }) as unknown as typeof setTimeout,
    clearTimeout: ((id: number) => { pending.delete(id); }) as unknown as typeof clearTimeout,
    fireAll: () => { for (const fn of pending.values()) fn(); pending.clear(); },
    pending: () => pending.size,
  };
}

const neverAnswers: HttpClient = { request: () => new Promise<GitHttpResponse>(() => {}) };

test('authHeaders builds a basic Authorization header', () => {
  assert.deepEqual(authHeaders({ username: 'bot', password: 'p:w' }), { Authorization: `Basic ${Buffer.from('bot:p:w').toString('base64')}` });
  assert.deepEqual(authHeaders(undefined), {});
});

test('withDeadline rejects with DeadlineError and aborts the request when time runs out', async () => {
  const timers = manualTimers();
  let seen: AbortSignal | undefined;
  const http: HttpClient = { request: (req: GitHttpRequest) => { seen = req.signal; return neverAnswers.request(req); } };
  const call = withDeadline(http, 250, (bound) => bound.request({ url: 'http://x/info/refs' }), timers);
  await Promise.resolve();
  timers.fireAll();
  await assert.rejects(call, (err: Error) => err instanceof DeadlineError && err.message === 'timed out after 250 ms');
  assert.equal(seen?.aborted, true);
});

test('withDeadline clears its timer on success', async () => {
  const timers = manualTimers();
  const value = await withDeadline(neverAnswers, 250, async () => 'done', timers);
  assert.equal(value, 'done');
  assert.equal(timers.pending(), 0);
});
