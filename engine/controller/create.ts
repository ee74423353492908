import fs from 'node:fs';
import http from 'isomorphic-git/http/node';
import type { KubeAccess } from '../kube/kube-access.js';
import { SharedListings } from './app/shared-listings.js';
import { createGitClient, type GitClient } from '../git/index.js';
import { KubeRest, type KubeRestOptions } from '../kube/rest.js';
import { KubeObjects } from '../kube/objects.js';
import { podLogReader } from '../kube/pod-logs.js';
import { manifestExists } from '../registry/manifest-check.js';
import { defaultSettings } from '../config/load.js';
import { silentLog, type EngineContext, type EngineHooks, type Log } from './context.js';
import { readCredentials, cachedCredentials } from './credentials.js';
import { Engine } from './engine.js';
import { KubeEventRecorder } from './events.js';
import { EnvironmentIdentities } from './environment/identity.js';
import type { ConfigSource } from './config/sync.js';
import type { EnvironmentSource } from './app/sync.js';

export interface CreateEngineOptions {
  /** The engine's own kubeconfig loader (kube-access.ts), or client-node's KubeConfig (tests): same two methods. */
  kc: KubeAccess;
  /** Ria's namespace (Apps, Environments, clone Secrets, build Jobs). */
  namespace: string;
  config: ConfigSource;
  gitCacheDir: string;
  log?: Log;
  hooks?: EngineHooks;
  driftIntervalMs?: number;
  concurrency?: number;
  gitTimeoutMs?: number;
  git?: GitClient;
  sources?: EnvironmentSource[];
  resyncCron?: string;
  /** The engine's Kubernetes client's options (main.ts: its retries counted in metrics). */
  kube?: KubeRestOptions;
}

/** Builds the clients and the Engine from one set of options: the only place they are made. */
export function createEngine(options: CreateEngineOptions): { engine: Engine; ctx: EngineContext } {
  const rest = new KubeRest(options.kc, options.kube);
  const objects = new KubeObjects(rest);
  let engine: Engine | undefined;
  const settings = () => engine?.configState.settings ?? defaultSettings();
  // ria.yaml's limits, read at each call: a change applies to the next fetch.
  const git = options.git ?? createGitClient({ fs, http, timeoutMs: options.gitTimeoutMs ?? 30_000, limits: () => settings().git });
  const log = options.log ?? silentLog;
  const now = () => new Date();
  const ctx: EngineContext = {
    objects, identities: new EnvironmentIdentities(objects, log), git, gitCacheDir: options.gitCacheDir, namespace: options.namespace,
    settings,
    log,
    hooks: options.hooks ?? {},
    events: new KubeEventRecorder(objects, { now, log }),
    now,
    driftIntervalMs: options.driftIntervalMs ?? 5 * 60_000,
    credentials: cachedCredentials((name) => readCredentials(objects, options.namespace, name), 10_000),
    // Kept for half a poll interval (at most 5 s): long enough for every app of a monorepo in one
    // poll round to share one listing, short enough that the next round always lists again.
    listings: new SharedListings((url, auth) => git.listRemoteRefs(url, { ...(auth ? { auth } : {}), prefixes: ['refs/heads/'] }),
      () => Math.min(5_000, settings().pollIntervalMs / 2)),
    podLog: podLogReader(rest),
    imageExists: manifestExists,
  };
  engine = new Engine(ctx, {
    fs, config: options.config,
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.sources ? { sources: options.sources } : {}),
    ...(options.resyncCron ? { resyncCron: options.resyncCron } : {}),
  });
  return { engine, ctx };
}
