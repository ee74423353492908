import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startGitServer, type GitServer } from '../../engine/dev/git-server.js';
import { commitFiles, createRepo } from '../../engine/dev/git-fixtures.js';
import { createEngine } from '../../engine/controller/create.js';
import { ensureCrds } from '../../engine/controller/install-crds.js';
import type { Engine } from '../../engine/controller/engine.js';
import type { EngineContext, EngineHooks, Log } from '../../engine/controller/context.js';
import { API_VERSION, type App, type Environment } from '../../engine/crds/types.js';
import { testKubeConfig, eventually } from './kube.js';

export interface EngineHarness {
  git: GitServer;
  /** Unique per harness so tests can share one cluster: app names and Ria's namespace. */
  suffix: string;
  namespace: string;
  engine: Engine;
  ctx: EngineContext;
  appName(base: string): string;
  /** Commits files to the config repo's main branch. */
  commitConfig(files: Record<string, string | null>, message?: string): Promise<string>;
  /** Creates (if needed) and commits to an app repo; returns the commit SHA. */
  commitApp(repo: string, branch: string, files: Record<string, string | null>, message?: string): Promise<string>;
  appFile(app: string, repo: string, extra?: string): string;
  environment(name: string): Promise<(Environment & { metadata: { name: string } }) | undefined>;
  waitEnvironment(name: string, what: string, check: (env: Environment) => boolean, timeoutMs?: number): Promise<Environment>;
  app(name: string): Promise<App | undefined>;
  /** Stops the engine (not the git server): a "kill". */
  stopEngine(): Promise<void>;
  /** Starts a fresh engine (new memory) against the same cluster and repos: a restart. */
  restartEngine(): Promise<void>;
  close(): Promise<void>;
}

let crdsInstalled: Promise<void> | undefined;
let dateCounter = 0;

/** A real git server, config repo, Ria namespace with CRDs, and an engine polling every second. */
export async function engineHarness(options: { settings?: string; hooks?: EngineHooks; driftIntervalMs?: number; resyncCron?: string; log?: Log } = {}): Promise<EngineHarness> {
  const kc = testKubeConfig();
  const suffix = randomBytes(3).toString('hex');
  const namespace = `ria-${suffix}`;
  const git = await startGitServer();
  const cacheDir = await mkdtemp(join(tmpdir(), 'ria-engine-cache-'));
  const make = () => createEngine({
    kc, namespace, gitCacheDir: cacheDir, config: { url: git.urlFor('config'), branch: 'main', path: '' },
    driftIntervalMs: options.driftIntervalMs ?? 10 * 60_000, gitTimeoutMs: 5_000, ...(options.hooks ? { hooks: options.hooks } : {}),
    ...(options.resyncCron ? { resyncCron: options.resyncCron } : {}),
    ...(options.log ? { log: options.log } : process.env.RIA_TEST_LOG ? { log: stderrLog(suffix) } : {}),
  });
  let { engine, ctx } = make();
  crdsInstalled ??= ensureCrds(ctx.objects);
  await crdsInstalled;
  await ctx.objects.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  await createRepo(git, 'config');
  const repos = new Set<string>();
  // Distinct commit dates so that equal content still makes a new commit (fixtures are deterministic).
  const nextDate = () => new Date(Date.UTC(2026, 0, 1) + ++dateCounter * 1000).toISOString();
  await commitFiles(git, 'config', 'main', { 'ria.yaml': options.settings ?? 'pollInterval: 1s\ndomain: apps.test\n' }, 'settings', { date: nextDate() });
  engine.start();
  const h: EngineHarness = {
    git, suffix, namespace,
    get engine() { return engine; },
    get ctx() { return ctx; },
    appName: (base) => `${base}-${suffix}`,
    commitConfig: (files, message = 'config') => commitFiles(git, 'config', 'main', files, message, { date: nextDate() }),
    async commitApp(repo, branch, files, message = 'change') {
      if (!repos.has(repo)) { await createRepo(git, repo); repos.add(repo); }
      return commitFiles(git, repo, branch, files, message, { date: nextDate() });
    },
    appFile: (app, repo, extra = '') => `repo: ${git.urlFor(repo)}\nbranches: [main]\n${extra}`,
    environment: (name) => ctx.objects.get({ apiVersion: API_VERSION, kind: 'Environment', namespace, name }),
    async waitEnvironment(name, what, check, timeoutMs = 60_000) {
      let last: Environment | undefined;
      try {
        return await eventually(`Environment ${name}: ${what}`, async () => {
          last = await h.environment(name);
          return last && check(last) ? last : undefined;
        }, timeoutMs);
      } catch (err) {
        throw new Error(`${(err as Error).message}; last seen: ${JSON.stringify({ spec: last?.spec, status: last?.status })}`);
      }
    },
    app: (name) => ctx.objects.get({ apiVersion: API_VERSION, kind: 'App', namespace, name }),
    stopEngine: () => engine.stop(),
    async restartEngine() {
      await engine.stop();
      ({ engine, ctx } = make());
      engine.start();
    },
    async close() {
      await engine.stop();
      await git.stop();
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
  return h;
}

/** RIA_TEST_LOG=1 prints the engine's log lines, for debugging a failing integration test. */
function stderrLog(suffix: string): Log {
  const line = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    process.stderr.write(`[engine ${suffix}] ${level} ${msg} ${fields ? JSON.stringify(fields) : ''}\n`);
  return { info: line('info'), warn: line('warn'), error: line('error'), debug: line('debug') };
}

export const phaseIs = (phase: string) => (env: Environment) => env.status?.phase === phase;
