import type { Route, RouteMatch, StringMatch } from '../riofile/model.js';
import type { RenderContext } from './context.js';
import { gatewaySupports, warn, warnUnsupported } from './context.js';
import { resolveOne, resolveTargets, type Backend } from './backends.js';

/**
 * One Rio route -> one Gateway API HTTPRoute rule (standard channel, v1).
 *
 * Translated: path exact/prefix/regexp, header exact/regexp (prefix as an anchored regexp), methods
 * (one match per method: a match holds one method and matches are ORed), weighted `to`, redirect
 * (301 like Rio/Istio), rewrite (URLRewrite; ReplacePrefixMatch under a prefix match, as Istio
 * replaced the matched prefix), request header add/set/remove, mirror, timeoutSeconds.
 * Not expressible in the standard channel, reported as warnings: fault injection, retries (the
 * retry field is standard only from Gateway API v1.7), scheme matches; and combinations the API
 * forbids (a redirect answers the request itself, so it drops `to` and `rewrite`).
 */
export function routeRules(ctx: RenderContext, path: string, route: Route): Record<string, unknown>[] {
  const rule = routeRule(ctx, path, route);
  const matches = rule.matches as unknown[] | undefined;
  const filters = (rule.filters ?? []) as { type: string; urlRewrite?: { path?: { type: string } } }[];
  const prefixRewrite = filters.some((f) => f.urlRewrite?.path?.type === 'ReplacePrefixMatch');
  // The API requires exactly one PathPrefix match next to ReplacePrefixMatch, so a route matching
  // several methods becomes one rule per method, each with the same filters and backends.
  if (prefixRewrite && matches && matches.length > 1) return matches.map((m) => ({ ...rule, matches: [m] }));
  return [rule];
}

function routeRule(ctx: RenderContext, path: string, route: Route): Record<string, unknown> {
  const matches = route.match ? ruleMatches(ctx, `${path}.match`, route.match) : [];
  const filters: Record<string, unknown>[] = [];
  let backends: Backend[] = resolveTargets(ctx, `${path}.to`, route.to);
  const pathIsPrefix = route.match?.path !== undefined && 'prefix' in route.match.path;

  if (route.headers && (route.headers.add.length + route.headers.set.length + route.headers.remove.length) > 0) {
    const h = route.headers;
    filters.push({
      type: 'RequestHeaderModifier',
      requestHeaderModifier: {
        ...(h.set.length > 0 ? { set: h.set.map(({ name, value }) => ({ name, value })) } : {}),
        ...(h.add.length > 0 ? { add: h.add.map(({ name, value }) => ({ name, value })) } : {}),
        ...(h.remove.length > 0 ? { remove: h.remove } : {}),
      },
    });
  }
  if (route.redirect) {
    const r = route.redirect;
    filters.push({
      type: 'RequestRedirect',
      requestRedirect: {
        ...(r.toHTTPS ? { scheme: 'https' } : {}),
        ...(r.host !== undefined ? { hostname: r.host } : {}),
        ...(r.path !== undefined ? { path: { type: 'ReplaceFullPath', replaceFullPath: r.path } } : {}),
        statusCode: 301,
      },
    });
    if (backends.length > 0) warn(ctx, 'RouteRedirectWithTargets', `${path}.to`, 'a redirect answers the request itself; the route\'s targets are not used');
    if (route.rewrite) warn(ctx, 'RouteRedirectWithRewrite', `${path}.rewrite`, 'a redirect and a rewrite cannot both apply; the rewrite is left out');
    if (route.mirror) warn(ctx, 'RouteRedirectWithMirror', `${path}.mirror`, 'a redirected request reaches no backend, so it is not mirrored; the mirror is left out');
    backends = [];
  } else {
    if (route.rewrite) {
      const r = route.rewrite;
      const rewritePath = r.path === undefined ? {}
        : pathIsPrefix ? { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: r.path } }
        : { path: { type: 'ReplaceFullPath', replaceFullPath: r.path } };
      filters.push({ type: 'URLRewrite', urlRewrite: { ...(r.host !== undefined ? { hostname: r.host } : {}), ...rewritePath } });
    }
    if (route.mirror) {
      const m = resolveOne(ctx, `${path}.mirror`, route.mirror);
      // A gateway that does not implement the filter may fail the whole rule (Traefik answers 500).
      if (gatewaySupports(ctx, 'HTTPRouteRequestMirror')) filters.push({ type: 'RequestMirror', requestMirror: { backendRef: backendRef(m, false) } });
      else warnUnsupported(ctx, `${path}.mirror`, 'request mirroring', 'HTTPRouteRequestMirror');
    }
  }
  if (route.fault) {
    warn(ctx, 'RouteFaultUnsupported', `${path}.fault`, 'fault injection has no Gateway API equivalent (standard channel); the route is rendered without it');
  }
  if (route.retry) {
    warn(ctx, 'RouteRetryUnsupported', `${path}.retry`, 'HTTPRoute retries are not in the Gateway API standard channel this cluster runs (v1.6); the route is rendered without retries');
  }
  const timeouts = route.timeoutSeconds !== undefined && route.timeoutSeconds > 0 ? requestTimeout(ctx, `${path}.timeoutSeconds`, route.timeoutSeconds) : undefined;
  return {
    ...(matches.length > 0 ? { matches } : {}),
    ...(filters.length > 0 ? { filters } : {}),
    ...(backends.length > 0 ? { backendRefs: backends.map((b) => backendRef(b, needsWeights(backends))) } : {}),
    ...(timeouts ? { timeouts } : {}),
  };
}

/** `timeouts.request`, when the gateway serves it (extended feature HTTPRouteRequestTimeout). */
export function requestTimeout(ctx: RenderContext, path: string, seconds: number): { request: string } | undefined {
  if (gatewaySupports(ctx, 'HTTPRouteRequestTimeout')) return { request: `${seconds}s` };
  warnUnsupported(ctx, path, `a request timeout (${seconds}s)`, 'HTTPRouteRequestTimeout');
  return undefined;
}

/** Weights are written when they decide something: several backends, or a lone one that gets no traffic. */
export function needsWeights(backends: Backend[]): boolean {
  return backends.length > 1 || backends.some((b) => b.weight === 0);
}

export function backendRef(b: Backend, weighted: boolean): Record<string, unknown> {
  return {
    name: b.name,
    ...(b.namespace !== undefined ? { namespace: b.namespace } : {}),
    port: b.port,
    ...(weighted ? { weight: b.weight } : {}),
  };
}

function ruleMatches(ctx: RenderContext, path: string, m: RouteMatch): Record<string, unknown>[] {
  if (m.scheme) warn(ctx, 'RouteSchemeMatchUnsupported', `${path}.schema`, 'HTTPRoute cannot match on the scheme; the match ignores it');
  const base: Record<string, unknown> = {
    ...(m.path ? { path: pathMatch(m.path) } : {}),
    ...(m.headers.length > 0 ? { headers: m.headers.map((h) => ({ name: h.name, ...stringMatch(h.value) })) } : {}),
  };
  if (m.methods.length === 0) return Object.keys(base).length > 0 ? [base] : [];
  return [...new Set(m.methods.map((x) => x.toUpperCase()))].map((method) => ({ ...base, method }));
}

function pathMatch(s: StringMatch): Record<string, string> {
  if ('exact' in s) return { type: 'Exact', value: s.exact };
  if ('prefix' in s) return { type: 'PathPrefix', value: s.prefix };
  return { type: 'RegularExpression', value: s.regexp };
}

/** Header matches: HTTPRoute has Exact and RegularExpression; a prefix becomes an anchored regexp. */
function stringMatch(s: StringMatch): Record<string, string> {
  if ('exact' in s) return { type: 'Exact', value: s.exact };
  if ('prefix' in s) return { type: 'RegularExpression', value: `^${s.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*` };
  return { type: 'RegularExpression', value: s.regexp };
}
