import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { APPS_DIR, SETTINGS_FILE, loadConfig } from '../config/load.js';
import type { ConfigError } from '../config/errors.js';
import type { LoadedApp, Settings } from '../config/types.js';
import { UsageError, errorMessage } from '../errors.js';
import { checkPolicy } from '../policy/check.js';
import type { RiofileError } from '../riofile/errors.js';
import type { Riofile } from '../riofile/model.js';
import type { Environment } from '../render/types.js';
import { environmentNamespace } from '../render/names.js';
import { routingSettings } from '../controller/environment/cluster-settings.js';

/** One app of a config repository checkout, as the engine would read it. */
export type ConfigApp = { ok: true; settings: Settings; app: LoadedApp } | { ok: false; error: ConfigError };

/**
 * `--config DIR --app NAME`: reads ria.yaml and apps/*.yaml of a config repository checkout
 * with the engine's own loader, so the CLI judges a Riofile by exactly what the engine will.
 */
export async function readConfigApp(dir: string, name: string): Promise<ConfigApp> {
  const root = resolve(dir);
  const files = new Map<string, string>();
  const read = async (path: string) => {
    try { files.set(path, await readFile(join(root, path), 'utf8')); } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`cannot read ${join(root, path)}: ${errorMessage(err)}`);
    }
  };
  await read(SETTINGS_FILE);
  let entries: string[];
  try { entries = await readdir(join(root, APPS_DIR)); } catch (err) {
    throw new UsageError(`--config ${dir}: no ${APPS_DIR}/ directory (${errorMessage(err)}); give a config repository checkout`);
  }
  for (const entry of entries.filter((e) => /\.ya?ml$/.test(e))) await read(`${APPS_DIR}/${entry}`);
  const loaded = loadConfig(files);
  if (loaded.settingsError) return { ok: false, error: loaded.settingsError };
  const appError = loaded.appErrors.get(name);
  if (appError) return { ok: false, error: appError };
  const app = loaded.apps.find((a) => a.name === name);
  if (!app) throw new UsageError(`--app ${name}: no ${APPS_DIR}/${name}.yaml in ${dir}`);
  return { ok: true, settings: loaded.settings, app };
}

/** The environment the CLI judges when none is named: the app's first branch (if not a glob), else main. */
export function defaultEnvironment(app: LoadedApp, commit: string): Environment {
  const first = app.spec.branches[0];
  return { app: app.name, kind: 'branch', branch: first && !first.includes('*') ? first : 'main', commit };
}

/** The engine's policy for this Riofile in this environment (engine/policy/check.ts, unchanged). */
export function enginePolicy(riofile: Riofile, source: string, file: string, config: { app: LoadedApp; settings: Settings }, environment: Environment): RiofileError | undefined {
  const { app, settings } = config;
  return checkPolicy({
    riofile, source, file, app: app.name, spec: app.spec, namespace: environmentNamespace(environment), kind: environment.kind,
    environment, cluster: routingSettings(settings),
  });
}
