/**
 * A fetch answered at its deadline while its work goes on (isomorphic-git does not check the
 * abort while it indexes a received pack) keeps its cache directory: the next call into it waits
 * for that work, a bounded time. An http client that ignores the abort stands for that work; the
 * bound's timer is the test's own.
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

/** Until `check` holds, looking at every turn of the event loop (no timers; 5 s at most). */
async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

/** Timers the test fires by hand: the bound on waiting for ending work. */
function handTimers() {
  const pending = new Map<number, () => void>();
  let next = 0;
  const timers = {
    setTimeout: ((fn: () => void) => { pending.set(++next, fn); return next; }) as unknown as typeof setTimeout,
    clearTimeout: ((id: number) => { pending.delete(id); }) as unknown as typeof clearTimeout,
  };
  const fireAll = () => { const fns = [...pending.values()]; pending.clear(); for (const fn of fns) fn(); };
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

test('fetchCommit: a fetch past its deadline holds its cache directory until its abandoned work ends; the next fetch into it waits, then runs', async () => {
  // Setup
  const { http, asked, finish } = abortIgnoringHttp();
  const hand = handTimers();
  const ending = new EndingWork(hand.timers);
  const git = createGitClient({ fs, http, timeoutMs: 50, ending });
  const root = tempDir('ria-fetch-ending-');
  const slow = { url: 'http://127.0.0.1:9/slow.git', ref: 'main', dir: join(root, 'slow') };
  // Test
  await assert.rejects(git.fetchCommit(slow), (err: GitError) => err.code === GitErrorCode.Unreachable && /timed out/.test(err.message));
  let nextDone = false;
  const next = git.fetchCommit(slow).finally(() => { nextDone = true; });
  next.catch(() => {});
  await until('the next fetch into the directory to wait (or reach the server)', () => hand.pending.size === 1 || asked.length > 1);
  assert.deepEqual(asked, ['slow'], 'the next fetch does not reach the server beside the abandoned one');
  assert.equal(ending.size, 1, 'the directory is held by the abandoned fetch');
  // Another repository's directory is not held.
  await assert.rejects(git.fetchCommit({ ...slow, url: 'http://127.0.0.1:9/other.git', dir: join(root, 'other') }), GitError);
  assert.deepEqual(asked, ['slow', 'other']);
  assert.equal(nextDone, false);
  finish();
  await assert.rejects(next, (err: GitError) => err.code === GitErrorCode.Generic && /answered too late/.test(err.message));
  assert.deepEqual(asked, ['slow', 'other', 'slow'], 'the next fetch ran once the abandoned one ended');
  assert.equal(ending.size, 0);
  assert.equal(hand.pending.size, 0, 'the bound\'s timer was cleared');
});

test('fetchCommit and readFileAt: past the bound a call into a held directory fails as retryable GitFetchStillEnding, and the directory stays held until the work ends', async () => {
  // Setup
  const { http, asked, finish } = abortIgnoringHttp();
  const hand = handTimers();
  const ending = new EndingWork(hand.timers);
  const git = createGitClient({ fs, http, timeoutMs: 50, ending });
  const root = tempDir('ria-fetch-ending-');
  const slow = { url: 'http://ria-bot:s3cret@127.0.0.1:9/slow.git', ref: 'main', dir: join(root, 'slow') };
  await assert.rejects(git.fetchCommit(slow), GitError);
  // Test
  const next = git.fetchCommit(slow);
  await until('the next fetch to wait (or reach the server)', () => hand.pending.size === 1 || asked.length > 1);
  assert.deepEqual(asked, ['slow']);
  hand.fireAll();
  await assert.rejects(next, (err: GitError) => {
    assert.equal(err.code, GitErrorCode.FetchStillEnding);
    assert.equal(err.retryable, true);
    assert.match(err.message, /earlier fetch of http:\/\/\*\*\*@127\.0\.0\.1:9\/slow\.git into .* passed its deadline .* still writing there/);
    assert.doesNotMatch(err.message, /s3cret/);
    return true;
  });
  const read = git.readFileAt({ dir: slow.dir, sha: 'a'.repeat(40), path: 'Riofile' });
  await until('the read to wait', () => hand.pending.size === 1);
  hand.fireAll();
  await assert.rejects(read, (err: GitError) => err.code === GitErrorCode.FetchStillEnding);
  // No deadlock, and no release at the bound: the call after waits again, and runs once the work ends.
  const third = git.fetchCommit(slow);
  third.catch(() => {});
  await until('the third fetch to wait', () => hand.pending.size === 1);
  assert.deepEqual(asked, ['slow']);
  finish();
  await assert.rejects(third, (err: GitError) => err.code === GitErrorCode.Generic);
  assert.deepEqual(asked, ['slow', 'slow']);
});

test('fetchCommit: the cache of a fetch abandoned at its deadline counts until its work ends (it fills it meanwhile), though the directory is forgotten', async () => {
  // Setup
  const { http, finish } = abortIgnoringHttp();
  const MiB = 2 ** 20;
  const caches = new ObjectCaches(64, 64 * MiB, () => 40 * MiB);
  const git = createGitClient({ fs, http, timeoutMs: 50, caches });
  const root = tempDir('ria-fetch-ending-');
  // Test
  await assert.rejects(git.fetchCommit({ url: 'http://127.0.0.1:9/slow.git', ref: 'main', dir: join(root, 'slow') }), GitError);
  assert.deepEqual(caches.size, { directories: 0, bytes: 40 * MiB });
  finish();
  await until('the abandoned work to let go of its cache', () => caches.size.bytes === 0);
});
