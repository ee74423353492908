/**
 * The reconcile an app sync queues never starts from a copy older than that sync's apply (review8
 * F2): the engine's bookkeeping of which Environment copy a reconcile may start from, driven the
 * way the watch, the app sync and the reconcile drive it (the engine's private steps; no API server).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Engine } from '../../../engine/controller/engine.js';
import type { EngineContext } from '../../../engine/controller/context.js';
import { silentLog } from '../../../engine/controller/context.js';
import { defaultSettings } from '../../../engine/config/load.js';
import type { Environment } from '../../../engine/crds/types.js';

type Env = Environment & { metadata: { name: string } };
interface Steps {
  rememberEnvironment(key: string, env: Env): void;
  lastSeen: Map<string, string>;
  environmentApplied(app: string, env: string): void;
  environmentCopyFor(key: string): Env | undefined;
}

const KEY = 'env/ria/shop--main';
const version = (rv: string, commit: string): Env => ({
  apiVersion: 'ria.dev/v1alpha1', kind: 'Environment', metadata: { name: 'shop--main', namespace: 'ria', resourceVersion: rv, uid: 'u1' },
  spec: { app: 'shop', kind: 'branch', target: 'main', branch: 'main', commit, namespace: 'shop--main' }, status: { phase: 'Ready' },
}) as Env;

function engine(): Steps {
  const ctx = {
    objects: { list: async () => [], get: async () => undefined }, git: {}, gitCacheDir: '/nonexistent', namespace: 'ria',
    settings: defaultSettings, log: silentLog, hooks: {}, now: () => new Date(), driftIntervalMs: 300_000,
    credentials: async () => undefined, listings: { invalidate: () => {} },
  } as unknown as EngineContext;
  return new Engine(ctx, { fs, config: { url: 'https://git.example.com/acme/config.git', branch: 'main', path: '' } }) as unknown as Steps;
}

test('the reconcile an app sync queued reads its Environment, even when the watch then delivers an older version (the engine\'s own status write from before the apply)', () => {
  // Setup: a reconcile ended with its status write (rv 41, commit c1); the watch has delivered it.
  const e = engine();
  e.rememberEnvironment(KEY, version('41', 'c1'));
  e.lastSeen.set(KEY, '41');
  assert.deepEqual(e.environmentCopyFor(KEY)?.spec.commit, 'c1', 'nothing since: the copy is used');

  // Test: a second status write (rv 43) the watch has not delivered yet; an app sync applies
  // commit c2 (rv 44) and queues the reconcile; the watch then delivers 43, older than the apply.
  e.lastSeen.set(KEY, '43');
  e.environmentApplied('shop', 'shop--main');
  e.rememberEnvironment(KEY, version('43', 'c1'));
  assert.equal(e.environmentCopyFor(KEY), undefined, 'the copy is the version last seen, but from before the apply: read');

  // That reconcile read (c2) and wrote its status (rv 45): once the watch delivers it, the copy serves again.
  e.lastSeen.set(KEY, '45');
  e.rememberEnvironment(KEY, version('44', 'c2'));
  e.rememberEnvironment(KEY, version('45', 'c2'));
  assert.equal(e.environmentCopyFor(KEY)?.spec.commit, 'c2');
});

test('an apply while a reconcile runs makes the next one read, whatever the watch delivers in between', () => {
  const e = engine();
  e.rememberEnvironment(KEY, version('41', 'c1'));
  e.lastSeen.set(KEY, '41');
  // The reconcile starts from the copy; meanwhile an app sync applies c2.
  assert.ok(e.environmentCopyFor(KEY));
  e.environmentApplied('shop', 'shop--main');
  // It ends with a status write at 43 (after the apply, 42); the watch delivers 42 and 43.
  e.lastSeen.set(KEY, '43');
  e.rememberEnvironment(KEY, version('42', 'c2'));
  e.rememberEnvironment(KEY, version('43', 'c2'));
  assert.equal(e.environmentCopyFor(KEY), undefined, 'the apply came after the last read: read once');
  assert.ok(e.environmentCopyFor(KEY), 'and then the copy again');
});
