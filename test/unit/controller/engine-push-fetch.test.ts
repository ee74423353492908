/**
 * One fetch of a pushed ref per app at a time (review8 F3): each is started outside the work queue
 * and takes an urgent fetch slot, so pushes to many branches of one app at once took the slots
 * from every other app's work, past the queue's fairness. A push seen while the app's pushed fetch
 * runs is found by listing the repository. A fake context: the fetch is held by the test, the
 * listing and the API server are counted and fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Engine } from '../../../engine/controller/engine.js';
import type { EngineContext } from '../../../engine/controller/context.js';
import { silentLog } from '../../../engine/controller/context.js';
import type { GitClient } from '../../../engine/git/index.js';
import { defaultSettings } from '../../../engine/config/load.js';
import { tempDir } from '../../support/temp-dir.js';
import { until } from '../../support/until.js';

const REPO = 'https://git.example.com/acme/shop.git';

test('pushes to several branches of one app start one fetch at a time; the others are found by listing', async () => {
  // Setup
  let release!: (sha: string) => void;
  const held = new Promise<string>((r) => { release = r; });
  const fetched: string[] = [];
  let listings = 0;
  const git: GitClient = {
    listRemoteRefs: async () => { throw new Error('not in this test'); },
    fetchCommit: (o) => { fetched.push(o.ref); return held; },
    readFileAt: async () => { throw new Error('not in this test'); },
    whenIdle: async () => true,
  };
  const app = { apiVersion: 'ria.dev/v1', kind: 'App', metadata: { name: 'shop', namespace: 'ria', uid: 'u1' }, spec: { repo: REPO, branches: ['*'], riofile: 'Riofile' } };
  const ctx = {
    objects: {
      list: async (_v: string, kind: string) => (kind === 'App' ? [app] : []),
      listAt: async (_v: string, kind: string) => ({ items: kind === 'App' ? [app] : [], resourceVersion: undefined }),
      get: async () => { throw new Error('API server down'); },
    },
    git, gitCacheDir: tempDir('ria-push-fetch-'), namespace: 'ria', settings: defaultSettings, log: silentLog, hooks: {},
    now: () => new Date(), driftIntervalMs: 300_000, credentials: async () => undefined,
    listings: { invalidate: () => {}, get: async () => { listings++; throw new Error('git host down'); } },
  } as unknown as EngineContext;
  const timers: unknown[] = [];
  const clock = { now: () => 0, setTimeout: (fn: () => void) => { timers.push(fn); return fn; }, clearTimeout: () => {} };
  const engine = new Engine(ctx, { fs, config: { url: 'https://git.example.com/acme/config.git', branch: 'main', path: '' }, clock });
  await (engine as unknown as { refreshApps(p: string): Promise<void> }).refreshApps('normal');
  const push = (branch: string, n: number) => engine.poke(REPO, { ref: `refs/heads/${branch}`, sha: String(n).repeat(40), before: '0'.repeat(40) });

  // Test: the first push's fetch is held; pushes to other branches meanwhile start none.
  assert.ok(push('main', 1));
  await until('the first pushed fetch to start', () => fetched.length === 1);
  for (let i = 2; i <= 6; i++) assert.equal(push(`feature-${i}`, i), undefined);
  await until('the queue to be idle', () => engine.queue.depth === 0);
  assert.deepEqual(fetched, ['refs/heads/main'], 'one pushed fetch of the app at a time');
  assert.ok(listings >= 1, 'the app sync listed the repository for the pushes it did not fetch');
  // Once it ends, the next push fetches again.
  release('1'.repeat(40));
  await until('a push to fetch again', () => push('feature-7', 7) !== undefined);
  await until('its fetch', () => fetched.length === 2);
  await engine.stop();
});
