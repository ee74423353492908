import type { Route, Router } from '../riofile/model.js';
import type { RenderContext } from './context.js';
import { metadata, scope, warn } from './context.js';
import type { KubeObject } from './types.js';
import { dnsLabel } from './names.js';
import { appServiceName } from './apps.js';
import type { Endpoint } from './endpoints.js';
import { resolveTargets, type Backend } from './backends.js';
import { routerHost } from './httproute.js';

/**
 * The fallback when the cluster has no Gateway: networking.k8s.io/v1 Ingress. An Ingress sends a
 * path to exactly one Service port, so weights, header/method matches, redirects, rewrites,
 * header changes, mirrors, timeouts, retries and faults cannot be expressed: each becomes a warning.
 * An app endpoint with several versions goes to the app Service (all versions, unweighted).
 */
export function endpointIngress(ctx: RenderContext, e: Endpoint): KubeObject {
  let backend = e.backends[0]!;
  if (e.backends.length > 1) {
    const app = e.scope.service?.app ?? '';
    warn(ctx, 'IngressNoWeights', e.path, `Ingress cannot split traffic by weight: ${e.host} goes to all versions of ${app} equally (Service ${appServiceName(app)})`);
    backend = { name: appServiceName(app), port: backend.port, weight: 1 };
  }
  if (e.timeoutSeconds !== undefined) warn(ctx, 'IngressNoTimeout', e.path, 'Ingress has no request timeout; requestTimeoutSeconds is not applied');
  return ingress(ctx, e.name, e.scope, e.host, [{ path: '/', pathType: 'Prefix', backend }]);
}

export function routerIngress(ctx: RenderContext, name: string, router: Router): KubeObject[] {
  const path = `routers.${name}`;
  if (router.internal) {
    warn(ctx, 'IngressInternalRouter', path, 'an internal router needs Gateway API (GAMMA); without a Gateway it is not rendered');
    return [];
  }
  const paths: IngressPath[] = [];
  router.routes.forEach((route, i) => {
    const p = routePath(ctx, `${path}.routes[${i}]`, route);
    if (p) paths.push(p);
  });
  if (paths.length === 0) return [];
  return [ingress(ctx, dnsLabel(name), scope(ctx), routerHost(ctx, name), paths)];
}

interface IngressPath { path: string; pathType: string; backend: Backend }

function routePath(ctx: RenderContext, path: string, route: Route): IngressPath | undefined {
  const unsupported: [keyof Route, string][] = [['redirect', 'redirects'], ['rewrite', 'rewrites'], ['headers', 'header changes'], ['mirror', 'mirrors'], ['timeoutSeconds', 'timeouts'], ['retry', 'retries'], ['fault', 'fault injection']];
  for (const [key, what] of unsupported) {
    if (route[key] !== undefined) warn(ctx, 'IngressUnsupported', `${path}.${key}`, `Ingress has no ${what}; left out`);
  }
  const m = route.match;
  if (m && (m.headers.length > 0 || m.methods.length > 0 || m.scheme)) warn(ctx, 'IngressUnsupported', `${path}.match`, 'Ingress matches only paths; header, method and scheme matches are left out');
  const backends = resolveTargets(ctx, `${path}.to`, route.to).filter((b) => b.weight > 0 && b.namespace === undefined);
  if (backends.length === 0) {
    warn(ctx, 'IngressUnsupported', `${path}.to`, 'no target in this namespace with traffic; the route is left out');
    return undefined;
  }
  if (backends.length > 1) warn(ctx, 'IngressNoWeights', `${path}.to`, `Ingress sends a path to one Service: all traffic goes to ${backends[0]!.name}`);
  const p = m?.path;
  if (!p) return { path: '/', pathType: 'Prefix', backend: backends[0]! };
  if ('exact' in p) return { path: p.exact, pathType: 'Exact', backend: backends[0]! };
  if ('prefix' in p) return { path: p.prefix, pathType: 'Prefix', backend: backends[0]! };
  warn(ctx, 'IngressRegexPath', `${path}.match.path`, 'Ingress has no portable regular-expression path; rendered as ImplementationSpecific, which depends on the controller');
  return { path: p.regexp, pathType: 'ImplementationSpecific', backend: backends[0]! };
}

function ingress(ctx: RenderContext, name: string, labelScope: ReturnType<typeof scope>, host: string, paths: IngressPath[]): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: metadata(ctx, name, labelScope),
    spec: {
      ...(ctx.cluster.ingressClass ? { ingressClassName: ctx.cluster.ingressClass } : {}),
      rules: [{
        host,
        http: { paths: paths.map((p) => ({ path: p.path, pathType: p.pathType, backend: { service: { name: p.backend.name, port: { number: p.backend.port } } } })) },
      }],
    },
  };
}
