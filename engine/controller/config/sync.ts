import { isDeepStrictEqual } from 'node:util';
import type { FsClient } from 'isomorphic-git';
import { API_VERSION, type App } from '../../crds/types.js';
import { loadConfig, type LoadedConfig } from '../../config/load.js';
import type { Settings } from '../../config/types.js';
import { errorMessage } from '../../errors.js';
import type { EngineContext } from '../context.js';
import { cacheLocks, repoCacheDir } from '../environment/source.js';
import { APP_LABEL } from '../app/sync.js';
import { Reason } from '../reasons.js';
import { readConfigFiles } from './files.js';
import { inParallel } from '../parallel.js';
import { configPart, fetchFailedVerdict, sameConfigPart, syncedVerdict, type AppConfigStatus, type Verdict } from './status.js';

export interface ConfigSource {
  url: string;
  branch: string;
  /** Folder of the config inside the repository ('' = root). */
  path: string;
  /** Secret (in Ria's namespace) with credentials for a private config repository. */
  secret?: string;
}

export interface ConfigState {
  /** The config commit last applied (memory only: after a restart the config is read once more). */
  commit?: string;
  settings?: Settings;
  /** ConfigSynced of the last commit read, put back on the Apps once a failure is over. */
  synced?: Verdict;
  /** The last sync failed and the Apps say so (ConfigSynced=False). */
  failing?: boolean;
  /** What this sync says about each App (memory only), written by the App's app sync with the rest of its status. */
  apps?: Map<string, AppConfigStatus>;
}

/**
 * `statusChanged`: the Apps whose config conditions changed (their app sync writes them, so the
 * engine queues it).
 */
export type ConfigSyncResult =
  | { ok: true; changed: boolean; commit: string; config?: LoadedConfig; statusChanged: string[] }
  | { ok: false; error: Error; statusChanged: string[] };

type LoadedApp = App & { metadata: { name: string } };

/**
 * Told of each App spec the config sync wrote or deleted, with the server's answer, as soon as
 * it answered: the engine's view of the Apps then has that version before any reconcile queued
 * after the sync starts (a watch would deliver it a moment later, and a reconcile taking the
 * older copy could re-apply what the new spec revokes).
 */
export interface AppWrites {
  written(app: LoadedApp): void;
  /**
   * A copy the config sync listed (the view takes it only if newer). Every listed App is handed
   * over before the sync decides what to write: a retry after a write whose answer was lost (a
   * deadline, a reset connection), or a new leader after the old one's last write, finds the spec
   * already written, writes nothing, and would otherwise queue every Environment on the view's
   * older copy (a revoked `allow` still granted) until the watch delivers (review9 F6).
   */
  seen(app: LoadedApp): void;
  /** `resourceVersion`: the deletion's, from the server's answer (else the version deleted). */
  deleted(name: string, resourceVersion: string | undefined): void;
}

/**
 * The config repository is read without ria.yaml's git limits: only its writers can make it
 * large, and they are trusted with everything the engine does; a limit set in its own ria.yaml
 * could also keep the engine from reading the commit that raises it. (A config folder inside a
 * large monorepo costs memory as its pack does: engine/controller/README.md.)
 */
const CONFIG_LIMITS = { maxPackBytes: Infinity, maxRefsBytes: Infinity };

/** App spec writes in flight at once during a config sync. */
const CONFIG_WRITES = 8;

/**
 * Lists the config repository's refs; when the branch moved, fetches it and makes the App
 * objects match the apps/ files. A file that is invalid marks its App with a condition and
 * leaves its spec (and so its running environments) alone; a missing file deletes its App.
 * Every App carries ConfigSynced: whether the config repository could be read, and whether all
 * of its files were usable (a fetch error or a broken file is shown there, not only logged).
 * These conditions are not written here: they are kept in `state.apps`, and the app sync writes
 * them with the rest of the App's status (one writer, one write for a new App); the result names
 * the Apps whose conditions changed, for the engine to queue their app sync.
 */
export async function syncConfig(ctx: EngineContext, fs: FsClient, source: ConfigSource, state: ConfigState, writes?: AppWrites): Promise<ConfigSyncResult> {
  const started = Date.now();
  const statusChanged = new Set<string>();
  let sha: string;
  let files: Map<string, string>;
  try {
    const auth = await ctx.credentials(source.secret);
    const ref = `refs/heads/${source.branch}`;
    const { refs } = await ctx.git.listRemoteRefs(source.url, { ...(auth ? { auth } : {}), prefixes: [ref], limits: CONFIG_LIMITS });
    ctx.hooks.polled?.(source.url, (Date.now() - started) / 1000);
    const head = refs.get(ref);
    if (!head) throw new Error(`config repository has no branch "${source.branch}"`);
    if (head === state.commit) {
      // Reachable again with nothing new: the Apps go back to what the last commit read said.
      if (state.failing && state.synced) await markApps(ctx, state, state.synced, statusChanged, writes);
      return { ok: true, changed: false, commit: head, statusChanged: [...statusChanged] };
    }
    const dir = repoCacheDir(ctx, source.url);
    ({ sha, files } = await cacheLocks.run(dir, async () => {
      const fetched = await ctx.git.fetchCommit({ url: source.url, ref, sha: head, dir, limits: CONFIG_LIMITS, ...(auth ? { auth } : {}) });
      return { sha: fetched, files: await readConfigFiles(fs, dir, fetched, source.path) };
    }));
  } catch (err) {
    ctx.hooks.polled?.(source.url, (Date.now() - started) / 1000, err);
    await markApps(ctx, state, fetchFailedVerdict(source.url, source.branch, err as Error, state.commit), statusChanged, writes);
    return { ok: false, error: err as Error, statusChanged: [...statusChanged] };
  }

  let config: LoadedConfig;
  try {
    config = loadConfig(files);
  } catch (err) {
    // The loader failed in a way it does not report as a located ConfigError (a bug, an input it
    // did not foresee): nothing is changed, and the Apps say why. Retried with backoff.
    ctx.log.error('reading the config failed; nothing is changed', { commit: sha, error: errorMessage(err) });
    await markApps(ctx, state, { status: 'False', reason: Reason.ConfigInvalid,
      message: `config commit ${sha.slice(0, 7)} could not be read: ${errorMessage(err)}; nothing is changed` }, statusChanged, writes);
    return { ok: false, error: err as Error, statusChanged: [...statusChanged] };
  }
  if (config.settingsError) {
    ctx.log.error('ria.yaml is invalid; keeping the previous settings', { error: config.settingsError.format() });
  } else {
    state.settings = config.settings;
  }
  const synced = syncedVerdict(config, sha);
  const existing = await ctx.objects.list<LoadedApp>(API_VERSION, 'App', { namespace: ctx.namespace });
  for (const app of existing) writes?.seen(app);
  const byName = new Map(existing.map((a) => [a.metadata.name, a]));
  // The Apps are written CONFIG_WRITES at a time: one after the other, a first sync of 1,000 apps
  // was 2,000 round trips in a row before any app could be synced (a cold start's first phase).
  const failures = await inParallel(config.apps, CONFIG_WRITES, async (app) => {
    let current = byName.get(app.name);
    if (!current || !isDeepStrictEqual(current.spec, app.spec)) {
      current = await ctx.objects.apply<LoadedApp>({
        apiVersion: API_VERSION, kind: 'App',
        metadata: { name: app.name, namespace: ctx.namespace, labels: { [APP_LABEL]: app.name, 'app.kubernetes.io/managed-by': 'ria' } },
        spec: app.spec,
      }, { force: true });
      writes?.written(current);
      ctx.log.info('app configured', { app: app.name, file: app.file, commit: sha });
    }
    const valid: Verdict = config.settingsError
      ? { status: 'False', reason: Reason.SettingsInvalid, message: config.settingsError.format() }
      : { status: 'True', reason: Reason.Valid, message: '' };
    const changed = noteApp(ctx, state, current, { commit: sha, valid, synced }, statusChanged);
    if (changed && config.settingsError) await ctx.events.record(current, 'Warning', Reason.SettingsInvalid, valid.message);
  });
  failures.push(...await inParallel([...config.appErrors], CONFIG_WRITES, async ([name, error]) => {
    const current = byName.get(name);
    ctx.log.error('app config is invalid; its environments are left as they are', { app: name, error: error.format() });
    if (!current) return;
    const valid: Verdict = { status: 'False', reason: Reason.ConfigInvalid, message: error.format() };
    if (noteApp(ctx, state, current, { commit: sha, valid, synced }, statusChanged)) await ctx.events.record(current, 'Warning', Reason.ConfigInvalid, valid.message);
  }));
  // Every write was tried; the first failure fails the sync (retried with backoff, the commit is read again).
  if (failures.length) throw failures[0];
  const named = new Set([...config.apps.map((a) => a.name), ...config.appErrors.keys()]);
  for (const app of existing) {
    if (named.has(app.metadata.name) || app.metadata.deletionTimestamp) continue;
    const answer = await ctx.objects.deleteAnswered<LoadedApp>({ apiVersion: API_VERSION, kind: 'App', namespace: ctx.namespace, name: app.metadata.name });
    if (answer) writes?.deleted(app.metadata.name, answer.metadata?.resourceVersion ?? app.metadata.resourceVersion);
    state.apps?.delete(app.metadata.name);
    ctx.log.info('app removed from the config repository: deleting it and its environments', { app: app.metadata.name });
  }
  state.commit = sha;
  state.synced = synced;
  state.failing = false;
  return { ok: true, changed: true, commit: sha, config, statusChanged: [...statusChanged] };
}

/**
 * Records what the config sync says about one App (`next`: ConfigValid left out keeps the one
 * before). The App joins `statusChanged` when its status must be written (what it shows differs);
 * returns whether its conditions change from what it showed or was about to show (an Event goes
 * with a change to False; a failure that lasts records nothing more).
 */
function noteApp(ctx: EngineContext, state: ConfigState, app: LoadedApp, next: AppConfigStatus, statusChanged: Set<string>): boolean {
  const apps = state.apps ??= new Map();
  const name = app.metadata.name;
  const previous = apps.get(name);
  const merged: AppConfigStatus = { ...previous };
  if (next.commit) merged.commit = next.commit;
  if (next.valid) merged.valid = next.valid;
  if (next.synced) merged.synced = next.synced;
  apps.set(name, merged);
  const now = ctx.now();
  const after = configPart(app.status, merged, now);
  if (!sameConfigPart(configPart(app.status, undefined, now), after)) statusChanged.add(name);
  return !sameConfigPart(configPart(app.status, previous, now), after, false);
}

/**
 * Sets ConfigSynced of every App (the config sync's failure, or its end). Never throws: the
 * failure being reported is what the caller returns. A Warning Event goes with each change to
 * False (a failure that lasts changes nothing and records nothing more).
 */
async function markApps(ctx: EngineContext, state: ConfigState, synced: Verdict, statusChanged: Set<string>, writes: AppWrites | undefined): Promise<void> {
  state.failing = synced.status === 'False';
  try {
    const apps = await ctx.objects.list<LoadedApp>(API_VERSION, 'App', { namespace: ctx.namespace });
    for (const app of apps) {
      writes?.seen(app); // into the view when newer, as the sync's list above

      if (app.metadata.deletionTimestamp) continue;
      const changed = noteApp(ctx, state, app, { synced }, statusChanged);
      if (changed && synced.status === 'False') await ctx.events.record(app, 'Warning', synced.reason, synced.message);
    }
  } catch (err) {
    state.failing = true; // try again next time
    ctx.log.warn('could not mark the Apps with the config sync\'s state', { reason: synced.reason, error: errorMessage(err) });
  }
}
