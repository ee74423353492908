import { test } from 'node:test';
import assert from 'node:assert/strict';
import { API_VERSION, type App } from '../../../engine/crds/types.js';
import { defaultSettings, loadConfig } from '../../../engine/config/load.js';
import { silentLog, type EngineContext } from '../../../engine/controller/context.js';
import { KubeEventRecorder, type EventType } from '../../../engine/controller/events.js';
import { Reason, sourceReason } from '../../../engine/controller/reasons.js';
import { syncConfig, type ConfigState } from '../../../engine/controller/config/sync.js';
import { fetchFailedVerdict, syncedVerdict } from '../../../engine/controller/config/status.js';
import { GitUnreachableError } from '../../../engine/git/errors.js';
import type { GitClient } from '../../../engine/git/index.js';
import type { KubeObject } from '../../../engine/kube/objects.js';
import { FakeCluster } from '../../support/fake-cluster.js';

const target = { apiVersion: API_VERSION, kind: 'Environment', metadata: { name: 'shop--main', namespace: 'ria', uid: 'u1' } };
const events = (c: FakeCluster) => [...c.store.values()].filter((o) => o.kind === 'Event') as Array<KubeObject & { count: number; reason: string; message: string; lastTimestamp: string }>;

test('Events: the same one again bumps count and lastTimestamp; another message is a new Event; an expired one is written anew', async () => {
  // Setup
  const cluster = new FakeCluster();
  let now = Date.UTC(2026, 0, 1);
  const recorder = new KubeEventRecorder(cluster.objects, { now: () => new Date(now), log: silentLog });
  // Test
  await recorder.record(target, 'Warning', Reason.ApplyRefused, 'apply Service/shop--main/web: exceeded quota');
  now += 60_000;
  await recorder.record(target, 'Warning', Reason.ApplyRefused, 'apply Service/shop--main/web:   exceeded quota\n');
  let all = events(cluster);
  assert.equal(all.length, 1, 'aggregated (messages compared as shown: one line, spaces folded)');
  assert.equal(all[0]!.count, 2);
  assert.equal(all[0]!.lastTimestamp, '2026-01-01T00:01:00Z');
  assert.deepEqual(all[0]!.involvedObject, { apiVersion: API_VERSION, kind: 'Environment', name: 'shop--main', namespace: 'ria', uid: 'u1' });
  await recorder.record(target, 'Warning', Reason.ApplyRefused, 'apply Service/shop--main/api: exceeded quota');
  assert.equal(events(cluster).length, 2);
  cluster.store.clear(); // the API server expired them (1 h)
  await recorder.record(target, 'Warning', Reason.ApplyRefused, 'apply Service/shop--main/web: exceeded quota');
  all = events(cluster);
  assert.equal(all.length, 1);
  assert.equal(all[0]!.count, 1);
});

test('Events: a failure to record is logged, never thrown; the correlation memory is bounded', async () => {
  const cluster = new FakeCluster();
  const warnings: string[] = [];
  const recorder = new KubeEventRecorder(cluster.objects, { now: () => new Date(), log: { ...silentLog, warn: (m) => warnings.push(m) }, limit: 2 });
  cluster.fail({ verb: 'create', kind: 'Event', error: FakeCluster.apiError(403, 'events is forbidden', 'Event'), times: 1 });
  await recorder.record(target, 'Normal', Reason.Applied, 'applied 3 objects');
  assert.deepEqual(warnings, ['recording an Event failed']);
  for (const m of ['a', 'b', 'c']) await recorder.record(target, 'Normal', Reason.Applied, m);
  await recorder.record(target, 'Normal', Reason.Applied, 'a'); // forgotten (limit 2): a new Event
  assert.equal(events(cluster).length, 4);
  await recorder.record(target, 'Normal', Reason.Applied, 'c'); // remembered: aggregated
  assert.equal(events(cluster).length, 4);
});

test('ConfigSynced verdicts: located errors of ria.yaml and app files; a fetch error names the redacted URL and what stays in force', () => {
  const commit = 'c'.repeat(40);
  const ok = syncedVerdict(loadConfig(new Map([['ria.yaml', 'domain: apps.test\n'], ['apps/shop.yaml', 'repo: https://git.example.com/shop.git\nbranches: [main]\n']])), commit);
  assert.deepEqual(ok, { status: 'True', reason: Reason.ConfigSynced, message: 'config commit ccccccc' });
  const badSettings = syncedVerdict(loadConfig(new Map([['ria.yaml', 'domian: apps.test\n']])), commit);
  assert.equal(badSettings.reason, Reason.SettingsInvalid);
  assert.match(badSettings.message, /ria\.yaml:1:1: .*domian/);
  const badApp = syncedVerdict(loadConfig(new Map([['apps/a.yaml', 'repo: x\nbrnaches: [main]\n'], ['apps/b.yaml', 'nope: 1\n']])), commit);
  assert.equal(badApp.reason, Reason.ConfigInvalid);
  assert.match(badApp.message, /apps\/a\.yaml:\d+:\d+: .*\(and 1 more app files\); those apps keep running/);
  const fetch = fetchFailedVerdict('https://user:s3cret@git.example.com/acme/config.git', 'main', new Error('git server unreachable'), commit);
  assert.equal(fetch.reason, Reason.ConfigFetchFailed);
  assert.doesNotMatch(fetch.message, /s3cret/);
  assert.match(fetch.message, /git server unreachable; retrying with backoff, the config of commit ccccccc stays in force/);
});

test('app source reasons: the git error code when Ria knows it, else SourceError', () => {
  assert.equal(sourceReason(new GitUnreachableError('https://x/y.git', { op: 'listRemoteRefs', reason: 'ECONNREFUSED' })), Reason.GitUnreachable);
  assert.equal(sourceReason(new Error('odd')), Reason.SourceError);
  assert.equal(sourceReason({ code: 'EWHATEVER' }), Reason.SourceError);
});

test('config repository unreachable: every App gets ConfigSynced=False (written by its app sync) and one Warning Event; a lasting failure writes nothing more; back up: cleared', async () => {
  // Setup
  const cluster = new FakeCluster();
  const previous = 'd'.repeat(40);
  for (const name of ['shop', 'blog']) {
    cluster.put({ apiVersion: API_VERSION, kind: 'App', metadata: { name, namespace: 'ria', managedFields: [{ manager: 'ria-config', subresource: 'status' }] },
      spec: { repo: `https://git.example.com/${name}.git`, branches: [], riofile: 'Riofile' },
      status: { configCommit: previous, conditions: [
        { type: 'ConfigValid', status: 'True', reason: 'Valid', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' },
        { type: 'ConfigSynced', status: 'True', reason: 'Synced', message: 'config commit ddddddd', lastTransitionTime: '2026-01-01T00:00:00Z' },
        { type: 'SourceReady', status: 'True', reason: 'Listed', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' },
        { type: 'Ready', status: 'True', reason: 'Ready', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' },
      ], environments: 0, observedRefs: {} } });
  }
  let down = true;
  const git = {
    listRemoteRefs: async (url: string) => {
      if (down) throw new GitUnreachableError(url, { op: 'listRemoteRefs', reason: 'ECONNREFUSED' });
      return { refs: new Map([['refs/heads/main', previous]]) };
    },
  } as unknown as GitClient;
  const recorded: Array<{ name: string; type: EventType; reason: string }> = [];
  const ctx = {
    objects: cluster.objects, git, namespace: 'ria', gitCacheDir: '/nonexistent', settings: defaultSettings, log: silentLog, hooks: {},
    now: () => new Date(Date.UTC(2026, 0, 2)), credentials: async () => undefined,
    listings: { get: async () => ({ refs: new Map() }) },
    events: { record: async (t: { metadata: { name: string } }, type: EventType, reason: string) => { recorded.push({ name: t.metadata.name, type, reason }); } },
  } as unknown as EngineContext;
  const state: ConfigState = { commit: previous, synced: { status: 'True', reason: Reason.ConfigSynced, message: 'config commit ddddddd' } };
  const source = { url: 'https://git.example.com/acme/config.git', branch: 'main', path: '' };
  const app = (name: string) => cluster.find(API_VERSION, 'App', 'ria', name) as unknown as App & { metadata: { name: string } };
  const synced = (name: string) => app(name).status?.conditions?.find((c) => c.type === 'ConfigSynced');
  const { syncApp } = await import('../../../engine/controller/app/sync.js');
  // What the engine does with a config sync's result: the app sync of each App it names.
  const appSyncs = async (names: string[]) => { for (const name of names) await syncApp(ctx, name, [], { app: app(name), config: state.apps!.get(name)! }); };
  // Test
  const result = await syncConfig(ctx, undefined as never, source, state);
  assert.equal(result.ok, false);
  assert.deepEqual([...result.statusChanged].sort(), ['blog', 'shop']);
  assert.equal(cluster.writes, 0, 'the config sync writes no App status');
  await appSyncs(result.statusChanged);
  for (const name of ['shop', 'blog']) {
    assert.equal(synced(name)?.status, 'False');
    assert.equal(synced(name)?.reason, Reason.ConfigFetchFailed);
    assert.match(synced(name)?.message ?? '', /git\.example\.com\/acme\/config\.git .*unreachable.*commit ddddddd stays in force/);
    assert.equal(app(name).status?.conditions?.find((c) => c.type === 'ConfigValid')?.status, 'True', 'ConfigValid kept');
    assert.equal(app(name).status?.conditions?.find((c) => c.type === 'ConfigValid')?.lastTransitionTime, '2026-01-01T00:00:00Z');
    assert.equal(app(name).status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True', 'ConfigSynced is not part of Ready');
    assert.equal(app(name).status?.configCommit, previous);
  }
  assert.deepEqual(recorded.map((e) => `${e.name} ${e.type} ${e.reason}`).sort(), ['blog Warning ConfigFetchFailed', 'shop Warning ConfigFetchFailed']);
  const writes = cluster.writes;
  const again = await syncConfig(ctx, undefined as never, source, state);
  assert.deepEqual(again.statusChanged, []);
  await appSyncs(['shop', 'blog']);
  assert.equal(cluster.writes, writes, 'the same failure again writes nothing');
  assert.equal(recorded.length, 2, 'and records no Event');
  down = false;
  const back = await syncConfig(ctx, undefined as never, source, state);
  assert.deepEqual({ ...back, statusChanged: [...back.statusChanged].sort() }, { ok: true, changed: false, commit: previous, statusChanged: ['blog', 'shop'] });
  await appSyncs(back.statusChanged);
  assert.equal(synced('shop')?.status, 'True');
  assert.equal(synced('blog')?.reason, Reason.ConfigSynced);
  const after = cluster.writes;
  assert.deepEqual((await syncConfig(ctx, undefined as never, source, state)).statusChanged, []);
  await appSyncs(['shop', 'blog']);
  assert.equal(cluster.writes, after, 'an unchanged config repository writes nothing');
});

test('app repository unreachable: SourceReady=False with the git reason and one Warning Event on the App; a lasting failure records nothing more', async () => {
  // Setup
  const cluster = new FakeCluster();
  cluster.put({ apiVersion: API_VERSION, kind: 'App', metadata: { name: 'shop', namespace: 'ria' },
    spec: { repo: 'https://git.example.com/shop.git', branches: ['main'], riofile: 'Riofile' } });
  const recorded: Array<{ name: string; type: EventType; reason: string }> = [];
  const ctx = {
    objects: cluster.objects, namespace: 'ria', log: silentLog, hooks: {}, now: () => new Date(Date.UTC(2026, 0, 2)), credentials: async () => undefined,
    listings: { get: async (url: string) => { throw new GitUnreachableError(url, { op: 'listRemoteRefs', reason: 'ECONNREFUSED' }); } },
    events: { record: async (t: { metadata: { name: string } }, type: EventType, reason: string) => { recorded.push({ name: t.metadata.name, type, reason }); } },
  } as unknown as EngineContext;
  // Test
  const { syncApp } = await import('../../../engine/controller/app/sync.js');
  assert.equal((await syncApp(ctx, 'shop')).ok, false);
  const app = cluster.find(API_VERSION, 'App', 'ria', 'shop') as unknown as App;
  assert.equal(app.status?.conditions?.find((c) => c.type === 'SourceReady')?.reason, Reason.GitUnreachable);
  assert.deepEqual(recorded, [{ name: 'shop', type: 'Warning', reason: Reason.GitUnreachable }]);
  assert.equal((await syncApp(ctx, 'shop')).ok, false);
  assert.equal(recorded.length, 1);
});
