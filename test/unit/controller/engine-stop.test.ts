/**
 * Engine.stop() and the fetches of pushed refs that a webhook's poke starts outside the queue: a
 * stop waits for them (bounded), so no fetch goes on writing into a cache directory after it.
 * A fake context: the git client's fetch is held by the test, the API server refuses everything
 * but the App list (so the app sync the poke queues fails at once, without awaiting the fetch).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Engine, STOP_FETCH_WAIT_MS } from '../../../engine/controller/engine.js';
import type { EngineContext } from '../../../engine/controller/context.js';
import { silentLog } from '../../../engine/controller/context.js';
import type { GitClient } from '../../../engine/git/index.js';
import { defaultSettings } from '../../../engine/config/load.js';
import { tempDir } from '../../support/temp-dir.js';
import { until } from '../../support/until.js';

const REPO = 'https://git.example.com/acme/shop.git';
const SHA = 'b'.repeat(40);

function setup() {
  let release!: (sha: string) => void;
  const held = new Promise<string>((r) => { release = r; });
  let fetches = 0;
  const idleWaits: number[] = [];
  const git: GitClient = {
    listRemoteRefs: async () => { throw new Error('not in this test'); },
    fetchCommit: () => { fetches++; return held; },
    readFileAt: async () => { throw new Error('not in this test'); },
    whenIdle: async (ms) => { idleWaits.push(ms); return true; },
  };
  const app = { apiVersion: 'ria.dev/v1', kind: 'App', metadata: { name: 'shop', namespace: 'ria', uid: 'u1' }, spec: { repo: REPO, branches: ['main'], riofile: 'Riofile' } };
  const ctx = {
    objects: {
      list: async (_v: string, kind: string) => (kind === 'App' ? [app] : []),
      listAt: async (_v: string, kind: string) => ({ items: kind === 'App' ? [app] : [], resourceVersion: undefined }),
      get: async () => { throw new Error('API server down'); },
    },
    git, gitCacheDir: tempDir('ria-engine-stop-'), namespace: 'ria', settings: defaultSettings, log: silentLog, hooks: {},
    now: () => new Date(), driftIntervalMs: 300_000, credentials: async () => undefined,
    listings: { invalidate: () => {}, list: async () => { throw new Error('not in this test'); } },
  } as unknown as EngineContext;
  // The bound's timer is the test's to fire.
  const timers: Array<{ fn: () => void; ms: number }> = [];
  const clock = { now: () => 0, setTimeout: (fn: () => void, ms: number) => { const t = { fn, ms }; timers.push(t); return t; },
    clearTimeout: (t: unknown) => { const i = timers.indexOf(t as { fn: () => void; ms: number }); if (i >= 0) timers.splice(i, 1); } };
  const engine = new Engine(ctx, { fs, config: { url: 'https://git.example.com/acme/config.git', branch: 'main', path: '' }, clock });
  const poke = async () => {
    // The App list, as a poll round reads it.
    await (engine as unknown as { refreshApps(p: string): Promise<void> }).refreshApps('normal');
    const tip = engine.poke(REPO, { ref: 'refs/heads/main', sha: SHA, before: 'a'.repeat(40) });
    assert.ok(tip, 'the poke started a fetch of the pushed ref');
    await until('the fetch of the pushed ref to start', () => fetches === 1);
    // The app sync the poke queued ran and failed (the API server is down) without waiting for it.
    await until('the queue to be idle', () => engine.queue.depth === 0);
  };
  return { engine, poke, release, timers, idleWaits, fetches: () => fetches };
}

/** Whether `p` has settled, seen after the event loop turned once more. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => { done = true; }, () => { done = true; });
  await new Promise((r) => setImmediate(r));
  return done;
}

test('Engine.stop: waits for the fetch of a pushed ref that a webhook started, then for the git client\'s abandoned work, and ends once they do', async () => {
  // Setup
  const { engine, poke, release, timers, idleWaits } = setup();
  await poke();
  // Test
  const stopping = engine.stop();
  await until('stop to wait for the fetch, bounded', () => timers.length === 1);
  assert.equal(timers[0]!.ms, STOP_FETCH_WAIT_MS);
  assert.equal(await settled(stopping), false, 'stop waits while the fetch runs');
  assert.deepEqual(idleWaits, []);
  release(SHA);
  await stopping;
  assert.equal(timers.length, 0, 'the bound\'s timer was cleared');
  assert.deepEqual(idleWaits, [STOP_FETCH_WAIT_MS], 'then for fetches answered at their deadline and still writing');
});

test('Engine.stop: the wait is bounded (a fetch that never ends does not hold the stop), and a poke after stop starts no fetch', async () => {
  // Setup
  const { engine, poke, release, timers, fetches } = setup();
  await poke();
  // Test
  const stopping = engine.stop();
  await until('stop to wait for the fetch', () => timers.length === 1);
  timers.shift()!.fn();
  await stopping;
  assert.equal(engine.poke(REPO, { ref: 'refs/heads/main', sha: 'c'.repeat(40), before: SHA }), undefined);
  assert.equal(fetches(), 1);
  release(SHA);
});
