import type { RouteTarget, Service } from '../riofile/model.js';
import type { RenderContext } from './context.js';
import { warn } from './context.js';
import { appServiceName, exposedHttpPorts, versionPorts, versionServiceName } from './apps.js';

/** One weighted Service port a route sends traffic to. */
export interface Backend {
  name: string;
  port: number;
  weight: number;
  namespace?: string;
}

/** Traffic weight of a version: its `weight`, or 0 while it is stage-only (reachable only by its version endpoint). */
export function trafficWeight(service: Service): number {
  return service.stageOnly ? 0 : Math.max(0, Math.round(service.weight));
}

/** The port a route uses when the target names none: the first exposed HTTP port, else the first port, else 80. */
function defaultPort(service: Service | undefined): number {
  if (!service) return 80;
  return exposedHttpPorts(service)[0]?.port ?? versionPorts(service)[0]?.port ?? 80;
}

/**
 * Router `to` entries -> backends. `{app, version}` is that version's Service; `{app}` alone is
 * the app endpoint, so it expands into every version weighted like the app's own route (Rio
 * meant "the app", and a plain app Service would lose the weights). A target `weight` scales the
 * whole group. Targets in another namespace keep it (the route then needs a ReferenceGrant there).
 */
export function resolveTargets(ctx: RenderContext, path: string, targets: { app: string; version?: string; port?: number; weight?: number; namespace?: string }[]): Backend[] {
  const out: Backend[] = [];
  targets.forEach((t, i) => {
    const where = `${path}[${i}]`;
    const ns = t.namespace !== undefined && t.namespace !== ctx.namespace ? t.namespace : undefined;
    if (ns !== undefined) {
      warn(ctx, 'RouteCrossNamespace', where, `target in namespace "${ns}": the route only works once that namespace grants it with a ReferenceGrant`);
    }
    const group = ns === undefined ? ctx.appsByName.get(t.app) : undefined;
    const scale = t.weight ?? 100;
    if (!group) {
      if (ns === undefined) warn(ctx, 'RouteTargetUnknown', where, `no service of app "${t.app}" in this Riofile; routing to Service ${t.version ? versionServiceName(t.app, t.version) : appServiceName(t.app)} anyway`);
      out.push({ name: t.version ? versionServiceName(t.app, t.version) : appServiceName(t.app), port: t.port ?? 80, weight: scale, ...(ns ? { namespace: ns } : {}) });
      return;
    }
    const versions = t.version !== undefined ? group.versions.filter((v) => v.service.version === t.version) : group.versions;
    if (versions.length === 0) {
      warn(ctx, 'RouteTargetUnknown', where, `app "${t.app}" has no version "${t.version}"; routing to Service ${versionServiceName(t.app, t.version!)} anyway`);
      out.push({ name: versionServiceName(t.app, t.version!), port: t.port ?? 80, weight: scale });
      return;
    }
    for (const { service, source } of versions) {
      const weight = t.version !== undefined ? scale : Math.round((scale * trafficWeight(service)) / 100);
      out.push({ name: versionServiceName(service.app, service.version), port: t.port ?? defaultPort(service), weight });
      // The app as a whole: versions of earlier commits still serving get their share too.
      if (t.version === undefined) {
        for (const r of source?.retained ?? []) out.push({ name: versionServiceName(service.app, r.version), port: t.port ?? defaultPort(service), weight: Math.round((scale * r.weight) / 100) });
      }
    }
  });
  return out;
}

/** A single target (mirror): the version's Service, or the app's first version with traffic. */
export function resolveOne(ctx: RenderContext, path: string, target: RouteTarget): Backend {
  const all = resolveTargets(ctx, path, [{ ...target, weight: 100 }]);
  return all.find((b) => b.weight > 0) ?? all[0]!;
}
