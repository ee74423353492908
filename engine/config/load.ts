import { compileBranchGlob, matchBranchGlob } from './branch-glob.js';
import { parseConfigFile } from './validate.js';
import { parseDuration } from './duration.js';
import { parseSize } from './size.js';
import { DEFAULT_MAX_ERROR_PERCENT, DEFAULT_MIN_REQUESTS } from '../rollout/gate.js';
import { ConfigError } from './errors.js';
import { MAX_APP_NAME, partProblem } from '../render/names.js';
import { DEFAULT_BUILD_TIMEOUT_SECONDS } from '../render/build-job.js';
import { DEFAULT_POD_SECURITY, type PodSecurity } from '../policy/pod-security.js';
import { DEFAULT_DOMAIN } from '../controller/environment/cluster-settings.js';
import {
  DEFAULT_BUILDER_IMAGE, DEFAULT_GIT_IMAGE, DEFAULT_MAX_FETCH_BYTES, DEFAULT_MAX_REFS_BYTES, DEFAULT_MAX_OBJECT_BYTES, DEFAULT_MAX_INFLATED_BYTES, DEFAULT_POLL_INTERVAL_MS,
  type AppSpec, type BuilderEgress, type LoadedApp, type Settings,
} from './types.js';

export const SETTINGS_FILE = 'ria.yaml';
export const APPS_DIR = 'apps';
/**
 * Why an app name cannot be used, if it cannot. Its environments' namespaces are `<app>--<env>`
 * (render/names.ts), so they start with the app name: Kubernetes reserves the `kube-` prefix for
 * itself, and `default--main` or `ria-system--x` would read as the default namespace or Ria's own.
 */
export function reservedAppName(name: string): string | undefined {
  if (name === 'kube' || name.startsWith('kube-')) return 'Kubernetes reserves namespaces starting with "kube-" (the app\'s would be kube--<env>)';
  if (name === 'default') return 'its environments would sit next to the "default" namespace and read as it';
  if (name === 'ria' || name.startsWith('ria-system')) return 'Ria\'s own namespace is ria-system; the app\'s namespaces would read as it';
  return undefined;
}

export interface LoadedConfig {
  settings: Settings;
  /** ria.yaml was present but invalid: the engine keeps its previous settings and reports this. */
  settingsError?: ConfigError;
  apps: LoadedApp[];
  /** apps/<name>.yaml files that are invalid, by app name: their running environments are left as they are. */
  appErrors: Map<string, ConfigError>;
}

export function defaultSettings(): Settings {
  return {
    customMetrics: false,
    builder: { image: DEFAULT_BUILDER_IMAGE, gitImage: DEFAULT_GIT_IMAGE, timeoutSeconds: DEFAULT_BUILD_TIMEOUT_SECONDS },
    pollIntervalMs: DEFAULT_POLL_INTERVAL_MS,
    git: { maxPackBytes: DEFAULT_MAX_FETCH_BYTES, maxRefsBytes: DEFAULT_MAX_REFS_BYTES, maxObjectBytes: DEFAULT_MAX_OBJECT_BYTES, maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES },
    podSecurity: { ...DEFAULT_POD_SECURITY },
  };
}

/**
 * Reads the config repository's files (path relative to the config root -> text): ria.yaml and
 * apps/*.yaml. Pure: the caller fetched the files. Each bad file is reported on its own so one
 * broken app never stops the others.
 */
export function loadConfig(files: ReadonlyMap<string, string>): LoadedConfig {
  const result: LoadedConfig = { settings: defaultSettings(), apps: [], appErrors: new Map() };
  const settingsText = files.get(SETTINGS_FILE);
  if (settingsText !== undefined) {
    try {
      result.settings = toSettings(parseConfigFile(SETTINGS_FILE, settingsText, 'settings'));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      result.settingsError = err;
    }
  }
  for (const [path, text] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const m = new RegExp(`^${APPS_DIR}/([^/]+)\\.ya?ml$`).exec(path);
    if (!m) continue;
    const name = m[1]!;
    const problem = partProblem(name, MAX_APP_NAME);
    if (problem) {
      result.appErrors.set(name, new ConfigError([{ file: path, line: 1, column: 1, path: '(root)', kind: 'RiofileInvalid', code: 'CONFIG_APP_NAME_INVALID',
        message: `app name "${name}" (the file name) cannot be used: ${problem}; an app name is a DNS label of at most ${MAX_APP_NAME} characters without "--" (its environments are <app>--<env>); rename the file` }]));
      continue;
    }
    const reserved = reservedAppName(name);
    if (reserved) {
      result.appErrors.set(name, new ConfigError([{ file: path, line: 1, column: 1, path: '(root)', kind: 'RiofileInvalid', code: 'CONFIG_APP_NAME_RESERVED',
        message: `app name "${name}" (the file name) is reserved: ${reserved}; rename the file` }]));
      continue;
    }
    if (result.apps.some((a) => a.name === name)) {
      result.appErrors.set(name, new ConfigError([{ file: path, line: 1, column: 1, path: '(root)', kind: 'RiofileInvalid',
        message: `app "${name}" is defined twice (${APPS_DIR}/${name}.yaml and .yml)` }]));
      continue;
    }
    try {
      result.apps.push({ name, file: path, spec: toAppSpec(parseConfigFile(path, text, 'app')) });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      result.appErrors.set(name, err);
    }
  }
  refuseSharedDomains(result);
  return result;
}

/**
 * A custom domain belongs to one app, and never lies under ria.yaml's domain (where it could be
 * another environment's generated hostname): otherwise two apps' production environments could
 * both route it. The later app (by file name) is the one refused.
 */
function refuseSharedDomains(result: LoadedConfig): void {
  const owner = new Map<string, string>();
  const generated = result.settings.domain ?? DEFAULT_DOMAIN;
  result.apps = result.apps.filter((app) => {
    const problems: string[] = [];
    for (const d of app.spec.domains ?? []) {
      const host = d.toLowerCase();
      const other = owner.get(host);
      if (other !== undefined) problems.push(`"${d}" is already a domain of app "${other}" (${APPS_DIR}/${other}.yaml); a domain belongs to one app`);
      else if (host === generated || host.endsWith(`.${generated}`)) problems.push(`"${d}" is under ria.yaml's domain ${generated}, whose hostnames Ria gives to environments; list only hostnames outside it`);
    }
    if (problems.length === 0) {
      for (const d of app.spec.domains ?? []) owner.set(d.toLowerCase(), app.name);
      return true;
    }
    result.appErrors.set(app.name, new ConfigError(problems.map((message) => ({ file: app.file, line: 1, column: 1, path: 'domains', kind: 'RiofileInvalid', code: 'CONFIG_DOMAIN_CONFLICT', message }))));
    return false;
  });
}

function toSettings(raw: Record<string, unknown>): Settings {
  const s = defaultSettings();
  const builder = (raw.builder ?? {}) as Record<string, unknown>;
  const gateway = raw.gateway as { namespace?: string; name: string; sectionName?: string; served?: boolean } | undefined;
  return {
    ...s,
    ...(raw.domain ? { domain: raw.domain as string } : {}),
    ...(raw.registry ? { registry: raw.registry as string } : {}),
    ...(gateway ? { gateway: { namespace: gateway.namespace ?? 'ria-system', name: gateway.name, ...(gateway.sectionName ? { sectionName: gateway.sectionName } : {}), ...(typeof gateway.served === 'boolean' ? { served: gateway.served } : {}) } } : {}),
    ...(raw.ingressClass ? { ingressClass: raw.ingressClass as string } : {}),
    ...(raw.certificates ? { certificates: { issuer: (raw.certificates as { issuer: string }).issuer, kind: (raw.certificates as { kind?: 'ClusterIssuer' | 'Issuer' }).kind ?? 'ClusterIssuer' } } : {}),
    customMetrics: raw.customMetrics === true,
    builder: {
      image: (builder.image as string | undefined) ?? s.builder.image,
      gitImage: (builder.gitImage as string | undefined) ?? s.builder.gitImage,
      ...(builder.cacheRepo ? { cacheRepo: builder.cacheRepo as string } : {}),
      ...(builder.pushSecret ? { pushSecret: builder.pushSecret as string } : {}),
      ...(builder.previews ? { previews: builder.previews as NonNullable<Settings['builder']['previews']> } : {}),
      ...(builder.egress ? { egress: builder.egress as BuilderEgress[] } : {}),
      timeoutSeconds: builder.timeout ? parseDuration(builder.timeout as string) / 1000 : s.builder.timeoutSeconds,
      ...(builder.resources ? { resources: builder.resources as Record<string, unknown> } : {}),
      ...(builder.hostNetwork === true ? { hostNetwork: true } : {}),
      ...(Array.isArray(builder.extraArgs) && builder.extraArgs.length ? { extraArgs: builder.extraArgs as string[] } : {}),
      ...(builder.reuseImages === false ? { reuseImages: false } : {}),
      ...(builder.registryEndpoint ? { registryEndpoint: builder.registryEndpoint as string } : {}),
    },
    pollIntervalMs: raw.pollInterval ? Math.max(1000, parseDuration(raw.pollInterval as string)) : s.pollIntervalMs,
    git: gitSettings((raw.git ?? {}) as RawGit, s.git),
    ...(raw.rollouts ? { rollouts: rolloutSettings(raw.rollouts as RawRollouts) } : {}),
    podSecurity: { ...s.podSecurity, ...(raw.podSecurity as Partial<PodSecurity> | undefined) },
    ...(raw.defaultResources ? { defaultResources: raw.defaultResources as Record<string, string> } : {}),
    ...(raw.github ? { github: raw.github as Record<string, unknown> } : {}),
  };
}

type RawGit = { maxFetchSize?: string | number; maxRefsSize?: string | number; maxObjectSize?: string | number; maxInflatedSize?: string | number };

function gitSettings(raw: RawGit, defaults: Settings['git']): Settings['git'] {
  return {
    maxPackBytes: raw.maxFetchSize !== undefined ? parseSize(raw.maxFetchSize) : defaults.maxPackBytes,
    maxRefsBytes: raw.maxRefsSize !== undefined ? parseSize(raw.maxRefsSize) : defaults.maxRefsBytes,
    maxObjectBytes: raw.maxObjectSize !== undefined ? parseSize(raw.maxObjectSize) : defaults.maxObjectBytes,
    maxInflatedBytes: raw.maxInflatedSize !== undefined ? parseSize(raw.maxInflatedSize) : defaults.maxInflatedBytes,
  };
}

interface RawRollouts {
  drain?: string;
  keepRolledBack?: string;
  healthGate?: { metricsUrl: string; maxErrorPercent?: number; minRequests?: number };
}

function rolloutSettings(raw: RawRollouts): NonNullable<Settings['rollouts']> {
  const g = raw.healthGate;
  return {
    ...(raw.drain !== undefined ? { drainMs: parseDuration(raw.drain) } : {}),
    ...(raw.keepRolledBack !== undefined ? { scaleDownMs: parseDuration(raw.keepRolledBack) } : {}),
    ...(g ? { healthGate: { metricsUrl: g.metricsUrl, maxErrorPercent: g.maxErrorPercent ?? DEFAULT_MAX_ERROR_PERCENT, minRequests: g.minRequests ?? DEFAULT_MIN_REQUESTS } } : {}),
  };
}

function toAppSpec(raw: Record<string, unknown>): AppSpec {
  const answers = raw.answers as Record<string, string | number | boolean> | undefined;
  return {
    repo: raw.repo as string,
    branches: (raw.branches as string[] | undefined) ?? ['main'],
    riofile: (raw.riofile as string | undefined) ?? 'Riofile',
    ...(raw.cloneSecret ? { cloneSecret: raw.cloneSecret as string } : {}),
    ...(raw.webhookSecret ? { webhookSecret: raw.webhookSecret as string } : {}),
    ...(raw.secretsFrom ? { secretsFrom: raw.secretsFrom as string } : {}),
    ...(answers ? { answers: Object.fromEntries(Object.entries(answers).map(([k, v]) => [k, String(v)])) } : {}),
    ...(raw.allow ? { allow: raw.allow as AppSpec['allow'] } : {}),
    ...(raw.previews ? { previews: raw.previews as Record<string, unknown> } : {}),
    ...(raw.productionBranch ? { productionBranch: raw.productionBranch as string } : {}),
    ...(Array.isArray(raw.domains) && raw.domains.length ? { domains: raw.domains as string[] } : {}),
  };
}

/**
 * Whether a branch is tracked by one of the app's patterns (`*` matches within a path segment,
 * `**` across). Linear in the branch name: see branch-glob.ts for why this is not a RegExp.
 */
export function branchMatches(branch: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => matchBranchGlob(compileBranchGlob(p), branch));
}
