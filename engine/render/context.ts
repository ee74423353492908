import type { Riofile, Service } from '../riofile/model.js';
import type { ClusterSettings, Environment, KubeObject, RenderInput, RenderWarning } from './types.js';
import { RenderError, RenderErrorCode } from './errors.js';
import { environmentNamespace, environmentSlug } from './names.js';
import { objectLabels, type LabelScope } from './labels.js';
import { groupApps, type AppGroup } from './apps.js';
import { expandVersions, type VersionSource } from './versions.js';

/**
 * What every object renderer needs, computed once per render. The only mutable part is the
 * warnings list, which belongs to this one call: render stays a pure function.
 */
export interface RenderContext {
  riofile: Riofile;
  env: Environment;
  cluster: ClusterSettings;
  input: RenderInput;
  namespace: string;
  envSlug: string;
  commit: string;
  warnings: RenderWarning[];
  /** Label sets by scope: most objects of a service share one, and computing it is the hot path. */
  labelCache: Map<string, Record<string, string>>;
  /** Services grouped by app (see apps.ts), in Riofile order; computed once. */
  apps: AppGroup[];
  appsByName: Map<string, AppGroup>;
  /** The services to render: the Riofile's, versioned ones replaced by this commit's version (versions.ts). */
  services: Record<string, Service>;
  /** Version key -> the Riofile service it is a version of. */
  versionSources: Map<string, VersionSource>;
}

const COMMIT = /^[0-9a-f]{7,64}$/;

export function createContext(input: RenderInput): RenderContext {
  const { environment: env, cluster } = input;
  if (!COMMIT.test(env.commit)) {
    throw new RenderError(RenderErrorCode.Input, `commit must be a lowercase hex SHA (7-64 characters), not "${env.commit}"`, { commit: env.commit });
  }
  if (!env.app.trim()) throw new RenderError(RenderErrorCode.Input, 'the app name is empty');
  if (env.kind === 'pr' && !(Number.isInteger(env.pr) && env.pr > 0)) {
    throw new RenderError(RenderErrorCode.Input, `a pull request number is a positive integer, not ${env.pr}`);
  }
  if (env.kind === 'branch' && env.branch.length === 0) throw new RenderError(RenderErrorCode.Input, 'the branch name is empty');
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/.test(cluster.domain)) {
    throw new RenderError(RenderErrorCode.Input, `the domain must be a DNS name such as apps.example.com, not "${cluster.domain}"`);
  }
  const namespace = environmentNamespace(env);
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace) || namespace.length > 63) {
    throw new RenderError(RenderErrorCode.Input, `the namespace "${namespace}" is not a DNS-1123 label`);
  }
  const expanded = expandVersions(input.riofile, env.commit, input.rollouts);
  const apps = groupApps(expanded.services, expanded.sources);
  return {
    riofile: input.riofile, env, cluster, input, namespace, envSlug: environmentSlug(env), commit: env.commit,
    warnings: [], labelCache: new Map(), apps, appsByName: new Map(apps.map((g) => [g.app, g])),
    services: expanded.services, versionSources: expanded.sources,
  };
}

export function warn(ctx: RenderContext, code: string, path: string, message: string): void {
  ctx.warnings.push({ code, path, message });
}

/**
 * Whether the cluster's gateway serves a Gateway API extended feature (e.g. `HTTPRouteRequestMirror`).
 * Unknown (no declared features, or no gateway): assumed served, as the standard says it may be.
 */
export function gatewaySupports(ctx: RenderContext, feature: string): boolean {
  const features = ctx.cluster.gateway?.supportedFeatures;
  return !features || features.includes(feature);
}

/** A route part the gateway would not serve: left out, with a warning naming it and the feature. */
export function warnUnsupported(ctx: RenderContext, path: string, what: string, feature: string): void {
  warn(ctx, 'GatewayFeatureUnsupported', path, `the cluster's gateway does not serve ${what} (Gateway API feature ${feature} is not in its GatewayClass's supportedFeatures); the route is rendered without it`);
}

export function scope(ctx: RenderContext, serviceName?: string, service?: Service): LabelScope {
  return {
    app: ctx.env.app,
    environment: ctx.envSlug,
    commit: ctx.commit,
    ...(serviceName !== undefined && service ? { service: { name: serviceName, app: service.app, version: service.version } } : {}),
  };
}

/** `metadata` of an object in the environment's namespace (or cluster-scoped when `namespaced` is false). */
export function metadata(ctx: RenderContext, name: string, labelScope: LabelScope, extra: { namespaced?: boolean; labels?: Record<string, string>; annotations?: Record<string, string> } = {}): KubeObject['metadata'] {
  const own = cachedLabels(ctx, labelScope);
  const userLabels = extra.labels && Object.keys(extra.labels).length > 0 ? extra.labels : undefined;
  return {
    name,
    ...(extra.namespaced === false ? {} : { namespace: ctx.namespace }),
    labels: userLabels ? sorted({ ...userLabels, ...own }) : { ...own },
    ...(extra.annotations && Object.keys(extra.annotations).length > 0 ? { annotations: sorted(extra.annotations) } : {}),
  };
}

/** {@link objectLabels} of a scope, computed once per render (callers get a copy). */
export function cachedLabels(ctx: RenderContext, labelScope: LabelScope): Record<string, string> {
  const s = labelScope.service;
  const key = `${labelScope.environment}\n${s ? `${s.name}\n${s.app}\n${s.version}` : ''}`;
  let labels = ctx.labelCache.get(key);
  if (!labels) {
    labels = objectLabels(labelScope);
    ctx.labelCache.set(key, labels);
  }
  return labels;
}

function sorted(record: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(record).sort()) out[k] = record[k]!;
  return out;
}
