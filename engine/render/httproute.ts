import type { Router } from '../riofile/model.js';
import type { RenderContext } from './context.js';
import { metadata, scope, warn } from './context.js';
import type { KubeObject } from './types.js';
import { dnsLabel, endpointHost, serviceName } from './names.js';
import type { Endpoint } from './endpoints.js';
import { backendRef, needsWeights, requestTimeout, routeRules } from './route-rules.js';

const GATEWAY_API = 'gateway.networking.k8s.io/v1';
/** The standard-channel CRD allows at most 16 rules per HTTPRoute. */
const MAX_RULES = 16;

function gatewayParent(ctx: RenderContext): Record<string, unknown> {
  const g = ctx.cluster.gateway!;
  return { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: g.namespace, name: g.name, ...(g.sectionName ? { sectionName: g.sectionName } : {}) };
}

/** An app or version endpoint as an HTTPRoute on the cluster's Gateway: one hostname, weighted backends. */
export function endpointRoute(ctx: RenderContext, e: Endpoint): KubeObject {
  const weighted = needsWeights(e.backends);
  const timeouts = e.timeoutSeconds !== undefined && e.timeoutSeconds > 0 ? requestTimeout(ctx, e.path.replace(/\.ports$/, '.requestTimeoutSeconds'), e.timeoutSeconds) : undefined;
  return {
    apiVersion: GATEWAY_API,
    kind: 'HTTPRoute',
    metadata: metadata(ctx, e.name, e.scope),
    spec: {
      parentRefs: [gatewayParent(ctx)],
      hostnames: [e.host],
      rules: [{
        backendRefs: e.backends.map((b) => backendRef(b, weighted)),
        ...(timeouts ? { timeouts } : {}),
      }],
    },
  };
}

/** The hostname of a public router: `<router>--<riaApp>--<env>.<domain>` (names.ts endpointHost). */
export function routerHost(ctx: RenderContext, name: string): string {
  return endpointHost([name], ctx.env, ctx.cluster.domain);
}

/**
 * A router -> HTTPRoute(s). A public router gets its own hostname on the Gateway. An `internal`
 * router is reachable only in the cluster: it becomes a Service `<router>` that is the parent of
 * the HTTPRoute (Gateway API for meshes, GAMMA), which needs a mesh implementing it; a warning
 * says so. Routers with more than 16 routes are split into several HTTPRoutes with the same
 * parent and hostname (the CRD's limit). Note that Gateway API orders rules by match specificity,
 * not by position as Rio (Istio) did.
 */
export function routerRoutes(ctx: RenderContext, name: string, router: Router): KubeObject[] {
  const path = `routers.${name}`;
  const base = dnsLabel(name);
  const rules = router.routes.flatMap((r, i) => routeRules(ctx, `${path}.routes[${i}]`, r));
  const out: KubeObject[] = [];
  let parent = gatewayParent(ctx);
  let hostnames: string[] | undefined = [routerHost(ctx, name)];
  if (router.internal) {
    const svc = serviceName(name);
    warn(ctx, 'RouterInternalNeedsMesh', path, `internal router: Service ${svc} routes only through a service mesh that implements Gateway API for meshes (GAMMA)`);
    out.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata(ctx, svc, scope(ctx)),
      spec: { ports: [{ name: 'http', port: 80, targetPort: 80, protocol: 'TCP', appProtocol: 'http' }] },
    });
    parent = { group: '', kind: 'Service', name: svc, port: 80 };
    hostnames = undefined;
  }
  for (let i = 0; i * MAX_RULES < Math.max(rules.length, 1); i++) {
    out.push({
      apiVersion: GATEWAY_API,
      kind: 'HTTPRoute',
      metadata: metadata(ctx, i === 0 ? base : `${base}-${i + 1}`, scope(ctx)),
      spec: {
        parentRefs: [parent],
        ...(hostnames ? { hostnames } : {}),
        rules: rules.slice(i * MAX_RULES, (i + 1) * MAX_RULES),
      },
    });
  }
  return out;
}
