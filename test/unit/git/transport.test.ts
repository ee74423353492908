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

test('withDeadline: a response body that never ends (an aborted gzip answer ends neither with "end" nor "error") fails its reads from the deadline on, and is closed', async () => {
  // Setup: a body whose reads never settle, whatever the signal says.
  const timers = manualTimers();
  let closed = false;
  const body = { next: () => new Promise<IteratorResult<Uint8Array>>(() => {}), return: () => { closed = true; }, [Symbol.asyncIterator]() { return this; } };
  const http: HttpClient = { request: async () => ({ url: 'http://x/git-upload-pack', method: 'POST', statusCode: 200, statusMessage: 'OK', headers: {}, body: body as unknown as AsyncIterableIterator<Uint8Array> }) };
  let wrapped: AsyncIterableIterator<Uint8Array> | undefined;
  let read: Promise<unknown> | undefined;
  const call = withDeadline(http, 250, async (bound) => { wrapped = (await bound.request({ url: 'http://x/git-upload-pack' })).body!; read = wrapped.next(); return read; }, timers);
  // Test
  while (!read) await new Promise((r) => setImmediate(r));
  timers.fireAll();
  await assert.rejects(call, DeadlineError);
  const state = await Promise.race([read.then(() => 'resolved', (err: unknown) => (err instanceof DeadlineError ? 'rejected' : String(err))), new Promise((r) => setImmediate(() => r('still pending')))]);
  assert.equal(state, 'rejected', 'the read in flight ends with the deadline');
  assert.equal(closed, true, 'the stream is closed (its socket freed)');
  await assert.rejects(wrapped!.next(), DeadlineError, 'and so does every read after it');
});
