import type { Port } from '../riofile/model.js';
import type { RenderContext } from './context.js';
import { scope, warn } from './context.js';
import type { LabelScope } from './labels.js';
import { dnsLabel, endpointHost, joinLabel } from './names.js';
import { exposedHttpPorts, versionServiceName } from './apps.js';
import { trafficWeight, type Backend } from './backends.js';

/**
 * A public endpoint: one hostname (one DNS label under the wildcard domain) routed to weighted
 * version Services. Per app and exposed HTTP port there is an app endpoint
 * `<app>[-<port>]--<riaApp>--<env>` splitting traffic by weight across versions; when an app has
 * several versions each also gets a version endpoint `<app>-<version>[-<port>]--<riaApp>--<env>`
 * (names.ts endpointHost; `<riaApp>--<env>` alone when the Riofile app is named like the Ria app)
 * (Rio's preview of a staged version). The first exposed port has no port part in its name.
 */
export interface Endpoint {
  /** Name of the route object. */
  name: string;
  host: string;
  backends: Backend[];
  /** Riofile services this endpoint reaches (for `urls`). */
  services: string[];
  timeoutSeconds?: number;
  scope: LabelScope;
  path: string;
  /** The version endpoint of a version per commit: the Riofile service it is a version of. */
  versionOf?: string;
}

export function appEndpoints(ctx: RenderContext): Endpoint[] {
  const out: Endpoint[] = [];
  for (const group of ctx.apps) {
    const ports: Port[] = [];
    for (const { service } of group.versions) {
      for (const p of exposedHttpPorts(service)) if (!ports.some((q) => q.port === p.port)) ports.push(p);
    }
    const appScope = { ...scope(ctx), service: { name: '', app: group.app, version: '' } };
    ports.forEach((port, i) => {
      const portPart = i === 0 ? [] : [port.name ?? String(port.port)];
      const versions = group.versions.filter((v) => exposedHttpPorts(v.service).some((p) => p.port === port.port));
      // Versions of earlier commits (kept by the engine, not rendered here) share the traffic too.
      const backends = versions.flatMap(({ service, source }) => [
        { name: versionServiceName(service.app, service.version), port: port.port, weight: trafficWeight(service) },
        ...(source?.retained ?? []).map((r) => ({ name: versionServiceName(service.app, r.version), port: port.port, weight: r.weight })),
      ]);
      const path = `services.${versions[0]!.key}.ports`;
      if (backends.every((b) => b.weight === 0)) {
        warn(ctx, 'EndpointNoWeight', path, `every version of app ${group.app} has weight 0 or is stage-only: its endpoint answers with errors`);
      }
      const timeouts = versions.flatMap((v) => (v.service.requestTimeoutSeconds !== undefined ? [v.service.requestTimeoutSeconds] : []));
      out.push({
        name: joinLabel([dnsLabel(group.app), ...portPart.map((p) => dnsLabel(p))]),
        host: endpointHost([group.app, ...portPart], ctx.env, ctx.cluster.domain),
        backends,
        // A versioned service is reached through the app URL even while its new version has no share.
        services: versions.filter((v) => trafficWeight(v.service) > 0 || v.source).map((v) => v.key),
        ...(timeouts.length > 0 ? { timeoutSeconds: Math.max(...timeouts) } : {}),
        scope: appScope,
        path,
      });
      if (group.versions.length < 2 && !group.versions.some((v) => v.source)) return;
      for (const { key, service, source } of versions) {
        out.push({
          name: joinLabel([dnsLabel(group.app), dnsLabel(service.version), ...portPart.map((p) => dnsLabel(p))]),
          host: endpointHost([group.app, service.version, ...portPart], ctx.env, ctx.cluster.domain),
          backends: [{ name: versionServiceName(service.app, service.version), port: port.port, weight: 1 }],
          services: [key],
          ...(service.requestTimeoutSeconds !== undefined ? { timeoutSeconds: service.requestTimeoutSeconds } : {}),
          scope: scope(ctx, key, service),
          path: `services.${source?.key ?? key}.ports`,
          ...(source ? { versionOf: source.key } : {}),
        });
      }
    });
  }
  return out;
}

/** The public URL of a hostname. */
export function endpointUrl(ctx: RenderContext, host: string): string {
  return `${ctx.cluster.urlScheme ?? 'https'}://${host}`;
}
