/**
 * What Flux is given for each app, pure: a repository file holding the objects Ria renders for the
 * app (what `ria render --config` prints: the same settings, the same policy), and a GitRepository
 * + Kustomization over it. `wait: true`, so a Kustomization is Ready when its Deployments are
 * rolled out, as an Environment is.
 */
import { createHash } from 'node:crypto';
import { loadConfig } from '../../engine/config/load.js';
import { appRenderSettings } from '../../engine/controller/environment/cluster-settings.js';
import { parseRiofile } from '../../engine/riofile/index.js';
import { environmentNamespace, render, toYaml } from '../../engine/render/index.js';
import type { Environment } from '../../engine/render/index.js';
import { riofileFor, TRACKED_BRANCH, type BenchApp } from './workload.js';

export const FLUX_NAMESPACE = 'flux-system';
export const SOURCE_API = 'source.toolkit.fluxcd.io/v1';
export const KUSTOMIZE_API = 'kustomize.toolkit.fluxcd.io/v1';
/** The file of the rendered objects in each app's Flux repository. */
export const RENDERED_FILE = 'objects.yaml';

/** The commit an app's Riofile at `round` stands for (stamped into the rendered objects as Ria stamps the real one). */
export function renderCommit(app: BenchApp, round: number): string {
  return createHash('sha1').update(`${app.name}@${round}`).digest('hex');
}

export type ConfigFiles = Record<string, string>;

/**
 * The YAML of an app's environment at `round`, rendered as the engine renders it from the config
 * repository `config` (ria.yaml + apps/<name>.yaml). `riaNamespace`: build Jobs' namespace (none here).
 */
export function renderedYaml(app: BenchApp, round: number, config: ConfigFiles, riaNamespace: string): string {
  const loaded = loadedConfig(config);
  const spec = loaded.apps.find((a) => a.name === app.name);
  if (!spec) throw new Error(`app ${app.name} is not in the config files${loaded.appErrors.get(app.name) ? `: ${loaded.appErrors.get(app.name)!.message}` : ''}`);
  const environment: Environment = { app: app.name, kind: 'branch', branch: TRACKED_BRANCH, commit: renderCommit(app, round) };
  const riofile = parseRiofile(riofileFor(app, round), { file: 'Riofile', answers: spec.spec.answers ?? {}, namespace: environmentNamespace(environment), revision: environment.commit });
  const result = render({ riofile, environment, ...appRenderSettings(loaded.settings, spec.spec, riaNamespace) });
  if (result.buildJobs.length) throw new Error(`app ${app.name}: the bench's Riofiles use prebuilt images, yet ${result.buildJobs.length} build Jobs were rendered`);
  return toYaml(result.objects);
}

/**
 * The config repository loaded once per files object: loading parses every apps/*.yaml, so
 * loading it for each app made rendering N apps O(N²) (0.37 s an app at N = 1,000). The files
 * are read as they are at first use: callers build them once and never change them.
 */
const loadedConfigs = new WeakMap<ConfigFiles, ReturnType<typeof loadConfig>>();
function loadedConfig(config: ConfigFiles): ReturnType<typeof loadConfig> {
  let loaded = loadedConfigs.get(config);
  if (!loaded) loadedConfigs.set(config, loaded = loadConfig(new Map(Object.entries(config))));
  return loaded;
}

export interface FluxObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
  spec: Record<string, unknown>;
}

/** The GitRepository polling the app's rendered repository every `pollSeconds`. */
export function gitRepository(app: BenchApp, url: string, pollSeconds: number): FluxObject {
  return {
    apiVersion: SOURCE_API, kind: 'GitRepository', metadata: { name: app.name, namespace: FLUX_NAMESPACE },
    spec: { interval: `${pollSeconds}s`, url, ref: { branch: TRACKED_BRANCH }, timeout: '60s' },
  };
}

/**
 * The Kustomization applying it: pruned, waited for (health of every applied object), and
 * reconciled every `driftS` (5 minutes by default; a dry-run apply of each object, then an apply
 * of those that differ), as Ria compares every environment with the cluster at its drift interval
 * (a new artifact triggers it at once: it watches its source).
 */
export function kustomization(app: BenchApp, driftS = 300): FluxObject {
  return {
    apiVersion: KUSTOMIZE_API, kind: 'Kustomization', metadata: { name: app.name, namespace: FLUX_NAMESPACE },
    spec: { interval: driftS % 60 === 0 ? `${driftS / 60}m` : `${driftS}s`, sourceRef: { kind: 'GitRepository', name: app.name }, path: './', prune: true, wait: true, timeout: '5m' },
  };
}

/** Flux records the applied revision as `<branch>@sha1:<commit>`. */
export function appliedRevision(status: { lastAppliedRevision?: string } | undefined): string | undefined {
  const m = /@sha1:([0-9a-f]{40})$/.exec(status?.lastAppliedRevision ?? '');
  return m?.[1];
}
