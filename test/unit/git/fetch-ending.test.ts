/**
 * A fetch answered at its deadline while its work goes on (isomorphic-git does not check the
 * abort while it indexes a received pack) keeps its cache directory: the next call into it waits
 * for that work, a bounded time. An http client that ignores the abort stands for that work. The
 * test holds every clock: the fetch deadline's timers, the bound's timers and EndingWork's clock,
 * so nothing depends on how fast this machine is (a 50 ms deadline once fired inside a fetch that
 * was meant to fail at once, at load 10).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fs from 'node:fs';
import type { GitHttpRequest } from 'isomorphic-git';
import { createGitClient, GitError, GitErrorCode } from '../../../engine/git/index.js';
import { EndingWork } from '../../../engine/git/ending-work.js';
import { ObjectCaches } from '../../../engine/git/object-cache.js';
import { tempDir } from '../../support/temp-dir.js';
import { until } from '../../support/until.js';

const TIMEOUT_MS = 30_000;

/** Timers the test fires by hand; each remembers the delay it was set for. */
function handTimers() {
  const pending = new Map<number, { fn: () => void; ms: number }>();
  let next = 0;
  const timers = {
    setTimeout: ((fn: () => void, ms: number) => { pending.set(++next, { fn, ms }); return next; }) as unknown as typeof setTimeout,
    clearTimeout: ((id: number) => { pending.delete(id); }) as unknown as typeof clearTimeout,
  };
  const fireAll = () => { const all = [...pending.values()]; pending.clear(); for (const { fn } of all) fn(); };
  return { timers, pending, fireAll };
}

/**
 * The first request to `slow.git` ignores the abort and ends (with an error) only when the test
 * says; every other request fails at once. Records the repositories asked, in order.
 */
function abortIgnoringHttp() {
  let finish!: () => void;
  const finished = new Promise<void>((r) => { finish = r; });
  const asked: string[] = [];
  const http = {
    request: async (req: GitHttpRequest) => {
      const repo = /\/([^/]+)\.git\//.exec(req.url)?.[1] ?? req.url;
      asked.push(repo);
      if (repo === 'slow' && asked.filter((r) => r === 'slow').length === 1) await finished;
      throw new Error('the server answered too late');
    },
  };
  return { http, asked, finish };
}

/**
 * A git client over that http client, every clock in the test's hands. `abandon()` makes the first
 * fetch into `slow`: it reaches the server, its deadline is fired, it is answered with the timeout,
 * and its request goes on until `finish()`.
 */
function setup(options: { url?: string; caches?: ObjectCaches } = {}) {
  const { http, asked, finish } = abortIgnoringHttp();
  const deadline = handTimers();
  const bound = handTimers();
  const clock = { now: 1_000_000 };
  const ending = new EndingWork(bound.timers, () => clock.now);
  const git = createGitClient({ fs, http, timeoutMs: TIMEOUT_MS, timers: deadline.timers, ending, ...(options.caches ? { caches: options.caches } : {}) });
  const root = tempDir('ria-fetch-ending-');
  const slow = { url: options.url ?? 'http://127.0.0.1:9/slow.git', ref: 'main', dir: join(root, 'slow') };
  const abandon = async () => {
    const first = git.fetchCommit(slow);
    await until('the first fetch at the server, its deadline set', () => asked.length === 1 && deadline.pending.size === 1);
    deadline.fireAll();
    await assert.rejects(first, (err: GitError) => err.code === GitErrorCode.Unreachable && /timed out/.test(err.message));
  };
  return { git, asked, finish, bound, clock, ending, root, slow, abandon };
}

/** Whether `call` has settled: checked after it either settled or set the bound's timer. */
function tracked<T>(call: Promise<T>) {
  const state = { done: false };
  call.then(() => { state.done = true; }, () => { state.done = true; });
  return state;
}

test('fetchCommit: a fetch past its deadline holds its cache directory until its abandoned work ends; the next fetch into it waits, then runs', async () => {
  // Setup
  const { git, asked, finish, bound, ending, root, slow, abandon } = setup();
  await abandon();
  // Test
  const next = git.fetchCommit(slow);
  const nextState = tracked(next);
  await until('the next fetch into the directory to wait (or reach the server)', () => bound.pending.size === 1 || asked.length > 1);
  assert.deepEqual(asked, ['slow'], 'the next fetch does not reach the server beside the abandoned one');
  assert.equal(ending.size, 1, 'the directory is held by the abandoned fetch');
  // Another repository's directory is not held.
  await assert.rejects(git.fetchCommit({ ...slow, url: 'http://127.0.0.1:9/other.git', dir: join(root, 'other') }), GitError);
  assert.deepEqual(asked, ['slow', 'other']);
  assert.equal(nextState.done, false);
  finish();
  await assert.rejects(next, (err: GitError) => err.code === GitErrorCode.Generic && /answered too late/.test(err.message));
  assert.deepEqual(asked, ['slow', 'other', 'slow'], 'the next fetch ran once the abandoned one ended');
  assert.equal(ending.size, 0);
  assert.equal(bound.pending.size, 0, 'the bound\'s timer was cleared');
});

test('fetchCommit: past the bound a call into a held directory fails as retryable GitFetchStillEnding, and the directory stays held until the work ends', async () => {
  // Setup
  const { git, asked, finish, bound, clock, ending, slow, abandon } = setup({ url: 'http://ria-bot:s3cret@127.0.0.1:9/slow.git' });
  await abandon();
  // Test
  const next = git.fetchCommit(slow);
  await until('the next fetch to wait (or reach the server)', () => bound.pending.size === 1 || asked.length > 1);
  assert.deepEqual(asked, ['slow']);
  clock.now += TIMEOUT_MS;
  bound.fireAll();
  await assert.rejects(next, (err: GitError) => {
    assert.equal(err.code, GitErrorCode.FetchStillEnding);
    assert.equal(err.retryable, true);
    assert.match(err.message, /earlier fetch of http:\/\/\*\*\*@127\.0\.0\.1:9\/slow\.git into .* passed its deadline 30 s ago and is still writing there/);
    assert.doesNotMatch(err.message, /s3cret/);
    return true;
  });
  // No release at the bound: the directory is held until the work ends; no deadlock: the call
  // after it runs then.
  assert.equal(ending.size, 1);
  finish();
  await until('the abandoned work to end', () => ending.size === 0);
  const third = git.fetchCommit(slow);
  await assert.rejects(third, (err: GitError) => err.code === GitErrorCode.Generic);
  assert.deepEqual(asked, ['slow', 'slow']);
});

test('fetchCommit and readFileAt: the bound counts from the abandonment, not from each call: a call waits only what is left of it, and once the work is that old fails at once', async () => {
  // Setup
  const { git, asked, finish, bound, clock, slow, abandon } = setup();
  await abandon();
  // Test: 10 s after the abandonment, a call waits the 20 s left.
  clock.now += 10_000;
  const early = git.fetchCommit(slow);
  const earlyState = tracked(early);
  await until('the call to wait (or settle)', () => bound.pending.size === 1 || earlyState.done);
  assert.deepEqual([...bound.pending.values()].map((t) => t.ms), [TIMEOUT_MS - 10_000]);
  clock.now += 20_000;
  bound.fireAll();
  await assert.rejects(early, (err: GitError) => err.code === GitErrorCode.FetchStillEnding && /30 s ago/.test(err.message));
  // Past the bound, every call fails at once: no timer, no wait, no request.
  clock.now += 5_000;
  for (const start of [() => git.fetchCommit(slow), () => git.readFileAt({ dir: slow.dir, sha: 'a'.repeat(40), path: 'Riofile' })]) {
    const call = start();
    const state = tracked(call);
    await until('the call to settle (or wait)', () => state.done || bound.pending.size > 0);
    assert.equal(bound.pending.size, 0, 'the call did not wait again');
    await assert.rejects(call, (err: GitError) => err.code === GitErrorCode.FetchStillEnding && /35 s ago/.test(err.message));
  }
  assert.deepEqual(asked, ['slow']);
  finish();
});

test('fetchCommit: the cache of a fetch abandoned at its deadline counts until its work ends (it fills it meanwhile), though the directory is forgotten', async () => {
  // Setup
  const MiB = 2 ** 20;
  const caches = new ObjectCaches(64, 64 * MiB, () => 40 * MiB);
  const { finish, abandon } = setup({ caches });
  // Test
  await abandon();
  assert.deepEqual(caches.size, { directories: 0, bytes: 40 * MiB });
  finish();
  await until('the abandoned work to let go of its cache', () => caches.size.bytes === 0);
});

test('whenIdle: waits for the work of every fetch answered at its deadline (what a stopping engine waits for last), bounded', async () => {
  // Setup
  const { git, finish, bound, abandon } = setup();
  assert.equal(await git.whenIdle!(TIMEOUT_MS), true, 'nothing ending: at once');
  await abandon();
  // Test
  const late = git.whenIdle!(TIMEOUT_MS);
  await until('the wait to be bounded', () => bound.pending.size === 1);
  bound.fireAll();
  assert.equal(await late, false, 'past the bound: still writing');
  const idle = git.whenIdle!(TIMEOUT_MS);
  const state = tracked(idle);
  await until('the wait to be bounded', () => bound.pending.size === 1);
  assert.equal(state.done, false);
  finish();
  assert.equal(await idle, true);
  assert.equal(bound.pending.size, 0, 'the bound\'s timer was cleared');
});
