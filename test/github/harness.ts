/**
 * An engine wired the way `ria engine` wires GitHub: the real control plane (shared by the test
 * run), a real git server, the GitHub stand-in as api.github.com, and the webhook route on the
 * engine's HTTP server. App repositories live at `acme/<name>` on the git server, whose host is
 * configured as the GitHub host, so owner/repo come from the clone URL as they would on GitHub.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startGitServer, type GitServer, type RequestInfo } from '../../engine/dev/git-server.js';
import { startGitServerProcess } from '../../engine/dev/git-server-process.js';
import { commitFiles, createCommit, createRepo, setPullRef } from '../../engine/dev/git-fixtures.js';
import fs from 'node:fs';
import http from 'isomorphic-git/http/node';
import { createEngine } from '../../engine/controller/create.js';
import { createGitClient } from '../../engine/git/index.js';
import { ensureCrds } from '../../engine/controller/install-crds.js';
import type { Engine } from '../../engine/controller/engine.js';
import type { EngineContext } from '../../engine/controller/context.js';
import { KubeRest } from '../../engine/kube/rest.js';
import { KubeObjects } from '../../engine/kube/objects.js';
import { startHttpServer, type RunningHttpServer } from '../../engine/server/http-server.js';
import { createLogger, silentLogger } from '../../engine/observe/logger.js';
import { createEngineMetrics, type EngineMetrics } from '../../engine/observe/engine-metrics.js';
import { createGitHubIntegration, type GitHubIntegration } from '../../engine/github/index.js';
import { API_VERSION, type Environment } from '../../engine/crds/types.js';
import { testKubeConfig, eventually } from '../support/kube.js';
import { startGitHubStandin, type GitHubStandin } from './standin.js';
import { sign, type RepoFixture } from './payloads.js';

export interface GitHubHarness {
  git: GitServer;
  gh: GitHubStandin;
  namespace: string;
  suffix: string;
  engine: Engine;
  ctx: EngineContext;
  github: GitHubIntegration;
  server: RunningHttpServer;
  metrics: EngineMetrics;
  secret: string;
  /** Repository URLs the webhook handlers poked the engine with, in order. */
  pokes: string[];
  /** Requests the git server answered (in-process server only). */
  gitRequests: RequestInfo[];
  /** How many times the engine listed a repository's refs (its git client's listRemoteRefs), per repository. */
  listings(repo: RepoFixture): number;
  appName(base: string): string;
  /** Creates the repository on first use; `acme/<base>-<suffix>`. */
  repo(base: string): Promise<RepoFixture>;
  commitApp(repo: RepoFixture, branch: string, files: Record<string, string | null>): Promise<string>;
  /** A commit outside any branch, published as refs/pull/N/head (how GitHub exposes PR heads, forks included). */
  pullCommit(repo: RepoFixture, n: number, parent: string, files: Record<string, string | null>): Promise<string>;
  commitConfig(files: Record<string, string | null>): Promise<string>;
  appFile(repo: RepoFixture, extra?: string): string;
  /** POSTs a webhook delivery as GitHub does; `secret: null` sends no signature. */
  deliver(event: string, payload: unknown, options?: { secret?: string | null; id?: string; body?: Buffer | string; contentType?: string }): Promise<{ status: number; text: string; id: string }>;
  environment(name: string): Promise<Environment | undefined>;
  waitEnvironment(name: string, what: string, check: (env: Environment) => boolean, timeoutMs?: number): Promise<Environment>;
  close(): Promise<void>;
}

let crdsInstalled: Promise<void> | undefined;
let dateCounter = 0;

export interface GitHubHarnessOptions {
  pollInterval?: string;
  /** Extra lines of ria.yaml's `github:` block. */
  github?: string;
  /** ria.yaml's lines before `github:` (default: pollInterval and domain), e.g. the real node's build settings. */
  settings?: string;
  /** Run the git server in a child process, as a real git host is (benchmarks). */
  gitServerProcess?: boolean;
}

export async function githubHarness(options: GitHubHarnessOptions = {}): Promise<GitHubHarness> {
  const kc = testKubeConfig();
  const suffix = randomBytes(3).toString('hex');
  const namespace = `ria-${suffix}`;
  const secret = `whsec-${randomBytes(8).toString('hex')}`;
  const gitRequests: RequestInfo[] = [];
  const git = options.gitServerProcess ? await startGitServerProcess() : await startGitServer({ onRequest: (r) => gitRequests.push(r) });
  const gh = await startGitHubStandin();
  const cacheDir = await mkdtemp(join(tmpdir(), 'ria-github-cache-'));
  const objects = new KubeObjects(new KubeRest(kc));
  const metrics = createEngineMetrics();
  // RIA_TEST_LOG=debug shows the engine's and the GitHub integration's logs on stderr.
  const log = process.env.RIA_TEST_LOG ? createLogger({ stream: process.stderr, level: process.env.RIA_TEST_LOG as 'debug' }) : silentLogger;
  let engine: Engine | undefined;
  let ctx: EngineContext | undefined;
  const pokes: string[] = [];
  const github = createGitHubIntegration({
    objects, namespace, log, webhookSecret: secret, metrics, registry: metrics.registry,
    settings: () => ctx!.settings(),
    engine: { poke: (url, push) => { pokes.push(url); engine?.poke(url, push); } },
  });
  // The engine's git client, counting its listings (a listing and a fetch's discovery are the same request on the wire).
  const listed: string[] = [];
  const gitClient = createGitClient({ fs, http, timeoutMs: 5_000 });
  ({ engine, ctx } = createEngine({
    git: { ...gitClient, listRemoteRefs: (url, o) => { listed.push(url); return gitClient.listRemoteRefs(url, o); } },
    kc, namespace, gitCacheDir: cacheDir, config: { url: git.urlFor('config'), branch: 'main', path: '' },
    log, driftIntervalMs: 10 * 60_000, gitTimeoutMs: 5_000, sources: github.sources, hooks: github.hooks,
  }));
  crdsInstalled ??= ensureCrds(objects);
  await crdsInstalled;
  await objects.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  await objects.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'github-token', namespace }, type: 'Opaque',
    data: { token: Buffer.from(gh.token).toString('base64') } } as never);
  await createRepo(git, 'config');
  const nextDate = () => new Date(Date.UTC(2026, 0, 1) + ++dateCounter * 1000).toISOString();
  const gitHost = new URL(git.url).host;
  const settings = `${options.settings ?? `pollInterval: ${options.pollInterval ?? '1s'}\ndomain: apps.test\n`}github:\n  apiUrl: ${gh.url}\n  host: ${gitHost}\n  tokenSecret: github-token\n${options.github ?? ''}`;
  await commitFiles(git, 'config', 'main', { 'ria.yaml': settings }, 'settings', { date: nextDate() });
  const server = await startHttpServer({ port: 0, host: '127.0.0.1', logger: silentLogger, metrics: metrics.registry, isReady: () => true, routes: github.routes });
  engine.start();
  const repos = new Map<string, RepoFixture>();
  let repoId = 5000;

  const h: GitHubHarness = {
    git, gh, namespace, suffix, github, server, metrics, secret, pokes, gitRequests,
    listings: (r) => listed.filter((u) => u.endsWith(`/acme/${r.name}.git`)).length,
    get engine() { return engine!; },
    get ctx() { return ctx!; },
    appName: (base) => `${base}-${suffix}`,
    async repo(base) {
      const name = `${base}-${suffix}`;
      let r = repos.get(name);
      if (!r) {
        await mkdir(join(git.root, 'acme'), { recursive: true });
        await createRepo(git, `acme/${name}`);
        r = { owner: 'acme', name, cloneUrl: git.urlFor(`acme/${name}`), id: ++repoId };
        repos.set(name, r);
      }
      return r;
    },
    commitApp: (repo, branch, files) => commitFiles(git, `acme/${repo.name}`, branch, files, 'change', { date: nextDate() }),
    async pullCommit(repo, n, parent, files) {
      const sha = await createCommit(git, `acme/${repo.name}`, { parent, files, message: `pr ${n}`, date: nextDate() });
      await setPullRef(git, `acme/${repo.name}`, n, sha);
      return sha;
    },
    commitConfig: (files) => commitFiles(git, 'config', 'main', files, 'config', { date: nextDate() }),
    appFile: (repo, extra = '') => `repo: ${repo.cloneUrl}\nbranches: [main]\n${extra}`,
    async deliver(event, payload, o = {}) {
      const id = o.id ?? randomBytes(16).toString('hex');
      const body = o.body ?? JSON.stringify(payload);
      const headers: Record<string, string> = { 'content-type': o.contentType ?? 'application/json', 'x-github-event': event, 'x-github-delivery': id, 'user-agent': 'GitHub-Hookshot/test' };
      const key = o.secret === undefined ? secret : o.secret;
      if (key !== null) headers['x-hub-signature-256'] = sign(key, body);
      const res = await fetch(`${server.url}/hooks/github`, { method: 'POST', headers, body });
      return { status: res.status, text: await res.text(), id };
    },
    environment: (name) => objects.get<Environment>({ apiVersion: API_VERSION, kind: 'Environment', namespace, name }),
    async waitEnvironment(name, what, check, timeoutMs = 60_000) {
      return eventually(`Environment ${name}: ${what}`, async () => {
        const env = await h.environment(name);
        return env && check(env) ? env : undefined;
      }, timeoutMs);
    },
    async close() {
      await engine!.stop();
      await github.reporter.idle();
      await server.close();
      await gh.stop();
      await git.stop();
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
  return h;
}
