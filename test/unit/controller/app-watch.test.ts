/**
 * The reconcile takes its App from the engine's view (the App watch, fed also by the config
 * sync's own writes), not from a read: and never an older copy than what this process wrote.
 * The ordering that matters (SECURITY.md): the config sync writes App v2 (its `allow` revoked),
 * then queues the environments; the watch is behind and even delivers an older version after
 * the write (a status write made before it). Every reconcile after the write must render with v2.
 * A fake API server (FakeCluster behind a KubeRest whose watches the test feeds), a fake git
 * server for the config repository (real commits, in a temporary object store), and app
 * repositories that cannot be reached (each reconcile then ends waiting, reporting its App).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { Engine } from '../../../engine/controller/engine.js';
import { silentLog, type EngineContext } from '../../../engine/controller/context.js';
import { defaultSettings } from '../../../engine/config/load.js';
import { API_VERSION, ENVIRONMENT_FINALIZER, type App } from '../../../engine/crds/types.js';
import { GitUnreachableError, type GitClient } from '../../../engine/git/index.js';
import type { KubeObject } from '../../../engine/kube/objects.js';
import { FakeCluster } from '../../support/fake-cluster.js';
import { tempDir } from '../../support/temp-dir.js';
import { until } from '../../support/until.js';

const CONFIG = 'https://git.example.com/acme/config.git';
const REPO = 'https://git.example.com/acme/shop.git';
const APPS = `/apis/${API_VERSION}/namespaces/ria/apps`;
const ENVIRONMENTS = `/apis/${API_VERSION}/namespaces/ria/environments`;

/** A commit holding `apps/<name>.yaml` files, written into the object store at `gitdir` (deterministic: the same files give the same SHA). */
async function configCommit(gitdir: string, apps: Record<string, string>): Promise<string> {
  await git.init({ fs, dir: gitdir, bare: true });
  const entries = await Promise.all(Object.entries(apps).map(async ([name, text]) =>
    ({ mode: '100644', path: `${name}.yaml`, type: 'blob' as const, oid: await git.writeBlob({ fs, gitdir, blob: Buffer.from(text) }) })));
  const appsTree = await git.writeTree({ fs, gitdir, tree: entries });
  const tree = await git.writeTree({ fs, gitdir, tree: [{ mode: '040000', path: 'apps', type: 'tree', oid: appsTree }] });
  const who = { name: 'config', email: 'config@example.com', timestamp: 1_767_225_600, timezoneOffset: 0 };
  return git.writeCommit({ fs, gitdir, commit: { message: 'config\n', tree, parent: [], author: who, committer: who } });
}

/** The API server's list and watch (KubeRest's shape) over the fake cluster; the test delivers the watch events. */
class FakeRest {
  private readonly watchers = new Map<string, (line: string) => void>();
  constructor(private readonly cluster: FakeCluster) {}

  async call<T>(req: { verb: string; path: string }): Promise<T> {
    if (req.verb !== 'list') throw new Error(`not in this test: ${req.verb} ${req.path}`);
    const kind = req.path === APPS ? 'App' : req.path === ENVIRONMENTS ? 'Environment' : undefined;
    const items = kind ? [...this.cluster.store.values()].filter((o) => o.kind === kind).map((o) => structuredClone(o)) : [];
    return { items, metadata: { resourceVersion: String(this.cluster.version) } } as T;
  }

  watch(req: { path: string; signal: AbortSignal }, onLine: (line: string) => void): Promise<void> {
    this.watchers.set(req.path, onLine);
    return new Promise((resolve) => req.signal.addEventListener('abort', () => resolve(), { once: true }));
  }

  deliver(path: string, type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject): void {
    this.watchers.get(path)?.(JSON.stringify({ type, object }));
  }

  watching(path: string): boolean {
    return this.watchers.has(path);
  }
}

/**
 * The revocation tests' world: a config repository whose head moves from a commit allowing shop
 * `permissions` to one revoking it (`setHead`), a git client that reaches only it, and in the
 * cluster the App as the config sync wrote it from the first commit, with its Environment.
 */
async function revocationWorld() {
  const cluster = new FakeCluster();
  const rest = new FakeRest(cluster);
  const origin = tempDir('ria-app-watch-origin-');
  const files = {
    allowed: { shop: `repo: ${REPO}\nbranches: [main]\nallow: { permissions: true }\n` },
    revoked: { shop: `repo: ${REPO}\nbranches: [main]\n` },
  };
  const commits = { allowed: await configCommit(origin, files.allowed), revoked: await configCommit(origin, files.revoked) };
  let head: keyof typeof commits = 'allowed';
  const setHead = (to: keyof typeof commits) => { head = to; };
  const unreachable = (url: string) => new GitUnreachableError(url, { op: 'fetchCommit', reason: 'ECONNREFUSED' });
  const gitClient = {
    listRemoteRefs: async (url: string) => {
      if (url !== CONFIG) throw unreachable(url);
      return { refs: new Map([['refs/heads/main', commits[head]]]) };
    },
    fetchCommit: async ({ url, dir }: { url: string; dir: string }) => {
      if (url !== CONFIG) throw unreachable(url);
      return configCommit(dir, files[head]);
    },
    readFileAt: async () => { throw new Error('not in this test'); },
  } as unknown as GitClient;

  // The App as the config sync wrote it from the first commit, and its Environment.
  const v1 = cluster.put({ apiVersion: API_VERSION, kind: 'App', metadata: { name: 'shop', namespace: 'ria' },
    spec: { repo: REPO, branches: ['main'], riofile: 'Riofile', allow: { permissions: true } } } as unknown as KubeObject);
  cluster.put({ apiVersion: API_VERSION, kind: 'Environment',
    metadata: { name: 'shop--main', namespace: 'ria', labels: { 'ria.dev/app': 'shop' }, finalizers: [ENVIRONMENT_FINALIZER],
      ownerReferences: [{ apiVersion: API_VERSION, kind: 'App', name: 'shop', uid: v1.metadata.uid!, controller: true }] },
    spec: { app: 'shop', kind: 'branch', target: 'main', branch: 'main', commit: 'a'.repeat(40), namespace: 'shop--main' } } as unknown as KubeObject);
  return { cluster, rest, origin, files, commits, setHead, unreachable, gitClient, v1 };
}

test('a config sync that revokes an App\'s allow: every reconcile after its write renders with the new App, though the watch is behind and delivers an older copy after the write', async () => {
  // Setup
  const { cluster, rest, origin, commits, setHead, unreachable, gitClient, v1 } = await revocationWorld();

  // Once the config sync wrote the App, the watch delivers `stale` (a version older than that
  // write) whenever the engine reads an Environment (a reconcile that does not start from the
  // watch's copy: before it takes its App) or writes an App's status (the app sync).
  let stale: KubeObject | undefined;
  let staleDelivered = 0;
  let configWrote = false;
  const base = cluster.objects;
  const deliverStale = () => { if (stale && configWrote) { rest.deliver(APPS, 'MODIFIED', stale); staleDelivered++; } };
  const objects = {
    ...base, rest,
    async apply<T>(obj: KubeObject, options?: { force?: boolean }): Promise<T> {
      const answer = await base.apply<T>(obj, options);
      if (obj.kind === 'App') configWrote = true;
      return answer;
    },
    async applyStatus<T>(obj: KubeObject, fieldManager?: string): Promise<T> {
      const answer = await base.applyStatus<T>(obj, fieldManager);
      if (obj.kind === 'App') deliverStale();
      return answer;
    },
    async get<T>(ref: { kind: string }): Promise<T | undefined> {
      const answer = await base.get<T>(ref as never);
      if (ref.kind === 'Environment') deliverStale();
      return answer;
    },
  };
  const reported: Array<{ allow: App['spec']['allow']; afterWrite: boolean; afterStale: boolean }> = [];
  const ctx = {
    objects, git: gitClient, gitCacheDir: tempDir('ria-app-watch-cache-'), namespace: 'ria', settings: defaultSettings, log: silentLog,
    hooks: { environmentChanged: (_env: unknown, app: App | undefined) => { reported.push({ allow: app?.spec.allow, afterWrite: configWrote, afterStale: staleDelivered > 0 }); } },
    events: { record: async () => {} }, now: () => new Date(), driftIntervalMs: 300_000, credentials: async () => undefined,
    listings: { invalidate: () => {}, get: async (url: string) => { throw unreachable(url); } },
  } as unknown as EngineContext;
  const engine = new Engine(ctx, { fs, config: { url: CONFIG, branch: 'main', path: '' } });
  engine.configState.commit = commits.allowed; // the first commit was read before (a restart)
  engine.start();
  try {
    await until('the first reconcile, with the App allowing permissions', () => reported.length > 0 && engine.queue.depth === 0);
    assert.deepEqual(reported.map((r) => r.allow), [{ permissions: true }]);
    assert.ok(rest.watching(APPS), 'the App watch is open');

    // Test: a status write the watch has not delivered yet (still allow: true), then the config moves.
    stale = cluster.put({ ...cluster.find(API_VERSION, 'App', 'ria', 'shop')!, status: { environments: 1 } } as KubeObject);
    reported.length = 0;
    const readsBefore = cluster.calls.filter((c) => c.verb === 'get' && c.kind === 'App').length;
    setHead('revoked');
    engine.poke(CONFIG);
    await until('the reconcile after the config change', () => reported.some((r) => r.afterWrite) && engine.queue.depth === 0);
    assert.ok(reported.some((r) => r.afterWrite && r.afterStale), 'a reconcile ran after the watch delivered the older copy, itself after the write');
    assert.equal((cluster.find(API_VERSION, 'App', 'ria', 'shop') as unknown as App).spec.allow, undefined, 'the config sync wrote v2');
    assert.deepEqual(reported.filter((r) => r.afterWrite).map((r) => r.allow), reported.filter((r) => r.afterWrite).map(() => undefined),
      'every reconcile after the write rendered without the revoked allow');
    assert.equal(cluster.calls.filter((c) => c.verb === 'get' && c.kind === 'App').length, readsBefore, 'the App came from the view, not a read');
  } finally {
    await engine.stop();
    fs.rmSync(origin, { recursive: true, force: true });
  }
});

test('an App deleted and recreated under the same name: the reconcile of an Environment of the new App does not take the old one\'s copy the watch still has', async () => {
  // Setup
  const cluster = new FakeCluster();
  const rest = new FakeRest(cluster);
  const old = cluster.put({ apiVersion: API_VERSION, kind: 'App', metadata: { name: 'shop', namespace: 'ria' },
    spec: { repo: REPO, branches: ['main'], riofile: 'Riofile', allow: { permissions: true } } } as unknown as KubeObject);
  const reported: Array<App | undefined> = [];
  const unreachable = (url: string) => new GitUnreachableError(url, { op: 'fetchCommit', reason: 'ECONNREFUSED' });
  const ctx = {
    objects: { ...cluster.objects, rest },
    git: { listRemoteRefs: async (url: string) => { throw unreachable(url); }, fetchCommit: async ({ url }: { url: string }) => { throw unreachable(url); } } as unknown as GitClient,
    gitCacheDir: tempDir('ria-app-watch-cache-'), namespace: 'ria', settings: defaultSettings, log: silentLog,
    hooks: { environmentChanged: (_env: unknown, app: App | undefined) => { reported.push(app); } },
    events: { record: async () => {} }, now: () => new Date(), driftIntervalMs: 300_000, credentials: async () => undefined,
    listings: { invalidate: () => {}, get: async (url: string) => { throw unreachable(url); } },
  } as unknown as EngineContext;
  const engine = new Engine(ctx, { fs, config: { url: CONFIG, branch: 'main', path: '' } });
  // The config repository is unreachable: the engine never reads it, so mark it read.
  (engine as unknown as { synced: boolean }).synced = true;
  engine.start();
  try {
    await until('the App watch to list', () => rest.watching(APPS));
    // Test: the App is deleted and recreated (no allow) without the watch saying so; an Environment of the new one appears.
    cluster.store.clear();
    const recreated = cluster.put({ apiVersion: API_VERSION, kind: 'App', metadata: { name: 'shop', namespace: 'ria' },
      spec: { repo: REPO, branches: ['main'], riofile: 'Riofile' } } as unknown as KubeObject);
    assert.notEqual(recreated.metadata.uid, old.metadata.uid);
    const env = cluster.put({ apiVersion: API_VERSION, kind: 'Environment',
      metadata: { name: 'shop--main', namespace: 'ria', labels: { 'ria.dev/app': 'shop' }, finalizers: [ENVIRONMENT_FINALIZER],
        ownerReferences: [{ apiVersion: API_VERSION, kind: 'App', name: 'shop', uid: recreated.metadata.uid!, controller: true }] },
      spec: { app: 'shop', kind: 'branch', target: 'main', branch: 'main', commit: 'a'.repeat(40), namespace: 'shop--main' } } as unknown as KubeObject);
    rest.deliver(ENVIRONMENTS, 'ADDED', env);
    await until('the reconcile', () => reported.length > 0 && engine.queue.depth === 0);
    assert.equal(reported[0]?.metadata.uid, recreated.metadata.uid, 'the new App (read), not the old copy');
    assert.equal(reported[0]?.spec.allow, undefined);
  } finally {
    await engine.stop();
  }
});

test('a config write whose answer is lost (committed, then the call fails): the retry finds the spec written, writes nothing, and its reconciles still render with the new App though the watch delivers nothing (review9 F6)', async () => {
  // Setup: as the first test, but the watch never delivers the config sync's write.
  const { cluster, rest, origin, commits, setHead, unreachable, gitClient, v1 } = await revocationWorld();

  // The first App write is committed by the server, but its answer is lost (a deadline, a reset).
  let lost = 0;
  const base = cluster.objects;
  const objects = {
    ...base, rest,
    async apply<T>(obj: KubeObject, options?: { force?: boolean }): Promise<T> {
      const answer = await base.apply<T>(obj, options);
      if (obj.kind === 'App' && lost++ === 0) throw new Error('the request timed out (the server committed it)');
      return answer;
    },
  };
  const reported: Array<{ allow: App['spec']['allow']; afterLoss: boolean }> = [];
  const ctx = {
    objects, git: gitClient, gitCacheDir: tempDir('ria-app-watch-cache-'), namespace: 'ria', settings: defaultSettings, log: silentLog,
    hooks: { environmentChanged: (_env: unknown, app: App | undefined) => { reported.push({ allow: app?.spec.allow, afterLoss: lost > 0 }); } },
    events: { record: async () => {} }, now: () => new Date(), driftIntervalMs: 300_000, credentials: async () => undefined,
    listings: { invalidate: () => {}, get: async (url: string) => { throw unreachable(url); } },
  } as unknown as EngineContext;
  const engine = new Engine(ctx, { fs, config: { url: CONFIG, branch: 'main', path: '' } });
  engine.configState.commit = commits.allowed;
  engine.start();
  try {
    await until('the first reconcile, with the App allowing permissions', () => reported.length > 0 && engine.queue.depth === 0);
    assert.deepEqual(reported.map((r) => r.allow), [{ permissions: true }]);
    assert.ok(rest.watching(APPS), 'the App watch is open');

    // Test: the config revokes the allow; the write commits, its answer is lost, the sync retries.
    reported.length = 0;
    setHead('revoked');
    engine.poke(CONFIG);
    await until('the retry (after its backoff) and its reconciles', () => reported.some((r) => r.afterLoss) && engine.queue.depth === 0, 30_000);
    assert.equal(lost, 1, 'the retry wrote nothing: the spec was there');
    assert.equal((cluster.find(API_VERSION, 'App', 'ria', 'shop') as unknown as App).spec.allow, undefined, 'the server holds v2');
    assert.deepEqual(reported.filter((r) => r.afterLoss).map((r) => r.allow), reported.filter((r) => r.afterLoss).map(() => undefined),
      'every reconcile after the lost write rendered without the revoked allow');
  } finally {
    await engine.stop();
    fs.rmSync(origin, { recursive: true, force: true });
  }
});
