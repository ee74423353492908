import { isDeepStrictEqual } from 'node:util';
import type { FsClient } from 'isomorphic-git';
import { API_VERSION, type App, type AppStatus } from '../../crds/types.js';
import { loadConfig, type LoadedConfig } from '../../config/load.js';
import type { Settings } from '../../config/types.js';
import { ConditionType, conditionMessage, setCondition } from '../conditions.js';
import type { EngineContext } from '../context.js';
import { cacheLocks, repoCacheDir } from '../environment/source.js';
import { APP_LABEL, CONFIG_FIELD_MANAGER } from '../app/sync.js';
import { readConfigFiles } from './files.js';

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
}

export type ConfigSyncResult =
  | { ok: true; changed: boolean; commit: string; config?: LoadedConfig }
  | { ok: false; error: Error };

/**
 * Lists the config repository's refs; when the branch moved, fetches it and makes the App
 * objects match the apps/ files. A file that is invalid marks its App with a condition and
 * leaves its spec (and so its running environments) alone; a missing file deletes its App.
 */
export async function syncConfig(ctx: EngineContext, fs: FsClient, source: ConfigSource, state: ConfigState): Promise<ConfigSyncResult> {
  const started = Date.now();
  let sha: string;
  let files: Map<string, string>;
  try {
    const auth = await ctx.credentials(source.secret);
    const ref = `refs/heads/${source.branch}`;
    const { refs } = await ctx.git.listRemoteRefs(source.url, { ...(auth ? { auth } : {}), prefixes: [ref] });
    ctx.hooks.polled?.(source.url, (Date.now() - started) / 1000);
    const head = refs.get(ref);
    if (!head) throw new Error(`config repository has no branch "${source.branch}"`);
    if (head === state.commit) return { ok: true, changed: false, commit: head };
    const dir = repoCacheDir(ctx, source.url);
    ({ sha, files } = await cacheLocks.run(dir, async () => {
      const fetched = await ctx.git.fetchCommit({ url: source.url, ref, sha: head, dir, ...(auth ? { auth } : {}) });
      return { sha: fetched, files: await readConfigFiles(fs, dir, fetched, source.path) };
    }));
  } catch (err) {
    ctx.hooks.polled?.(source.url, (Date.now() - started) / 1000, err);
    return { ok: false, error: err as Error };
  }

  const config = loadConfig(files);
  if (config.settingsError) {
    ctx.log.error('ria.yaml is invalid; keeping the previous settings', { error: config.settingsError.format() });
  } else {
    state.settings = config.settings;
  }
  const now = ctx.now();
  const existing = await ctx.objects.list<App & { metadata: { name: string } }>(API_VERSION, 'App', { namespace: ctx.namespace });
  const byName = new Map(existing.map((a) => [a.metadata.name, a]));
  for (const app of config.apps) {
    let current = byName.get(app.name);
    if (!current || !isDeepStrictEqual(current.spec, app.spec)) {
      current = await ctx.objects.apply<App & { metadata: { name: string } }>({
        apiVersion: API_VERSION, kind: 'App',
        metadata: { name: app.name, namespace: ctx.namespace, labels: { [APP_LABEL]: app.name, 'app.kubernetes.io/managed-by': 'ria' } },
        spec: app.spec,
      }, { force: true });
      ctx.log.info('app configured', { app: app.name, file: app.file, commit: sha });
    }
    await setConfigCondition(ctx, current, sha, now, config.settingsError
      ? { status: 'False', reason: 'SettingsInvalid', message: config.settingsError.format() }
      : { status: 'True', reason: 'Valid', message: '' });
  }
  for (const [name, error] of config.appErrors) {
    const current = byName.get(name);
    ctx.log.error('app config is invalid; its environments are left as they are', { app: name, error: error.format() });
    if (current) await setConfigCondition(ctx, current, sha, now, { status: 'False', reason: 'ConfigInvalid', message: error.format() });
  }
  const named = new Set([...config.apps.map((a) => a.name), ...config.appErrors.keys()]);
  for (const app of existing) {
    if (named.has(app.metadata.name) || app.metadata.deletionTimestamp) continue;
    await ctx.objects.delete({ apiVersion: API_VERSION, kind: 'App', namespace: ctx.namespace, name: app.metadata.name });
    ctx.log.info('app removed from the config repository: deleting it and its environments', { app: app.metadata.name });
  }
  state.commit = sha;
  return { ok: true, changed: true, commit: sha, config };
}

/**
 * Writes `configCommit` and ConfigValid with the config sync's own field manager (the app sync
 * writes the rest of the status at the same time; see ownedElsewhere). Skipped when nothing
 * changed and this manager already owns them.
 */
async function setConfigCondition(ctx: EngineContext, app: App, commit: string, now: Date,
  c: { status: 'True' | 'False'; reason: string; message: string }): Promise<void> {
  const current = app.status?.conditions?.find((x) => x.type === ConditionType.ConfigValid);
  const [condition] = setCondition(current ? [current] : [], { type: ConditionType.ConfigValid, ...c, message: conditionMessage(c.message) }, now);
  const owned = (app.metadata.managedFields ?? []).some((f) => f.manager === CONFIG_FIELD_MANAGER && f.subresource === 'status');
  if (owned && app.status?.configCommit === commit && isDeepStrictEqual(current, condition)) return;
  await ctx.objects.applyStatus({ apiVersion: API_VERSION, kind: 'App', metadata: { name: app.metadata.name, namespace: app.metadata.namespace! },
    status: { configCommit: commit, conditions: [condition!] } }, CONFIG_FIELD_MANAGER);
}
