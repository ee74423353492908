import type { RenderContext } from './context.js';
import type { FrameContext } from './frame.js';
import { endpointLabel } from './names.js';
import type { KubeObject } from './types.js';

/**
 * What the config repository lets this environment's routes claim, written by the engine as
 * annotations of the environment's Namespace, which the environment's own identity cannot write
 * (no right on Namespaces). The admission policy (install/route-admission.ts) reads them through
 * `namespaceObject` and makes the API server refuse an HTTPRoute, Ingress or Certificate written
 * by an environment with any other hostname, parent, issuer or IngressClass, whatever Ria's own checks (policy/routes.ts)
 * let through. A Namespace a manifest supplies gets them too: Ria's values win.
 */
export const RouteScopeAnnotations = {
  /** ria.yaml `domain`. */
  domain: 'ria.dev/route-domain',
  /** The environment's own label under it (`<app>--<env>`): hostnames `<label>.<domain>` and `<part>--<label>.<domain>` are its. */
  label: 'ria.dev/route-label',
  /**
   * Other hostnames it may claim, comma-separated: the app's custom domains (production only) and
   * endpoint hostnames Ria shortened to `<slug>-<hash>` (names.ts), which no pattern can check.
   */
  hostnames: 'ria.dev/route-hostnames',
  /** The Gateway routes may attach to, `<namespace>/<name>` or `<namespace>/<name>/<sectionName>`; empty: none (Ingress). */
  gateway: 'ria.dev/route-gateway',
  /** The cert-manager issuer Certificates and Ingress annotations may name, `<Kind>/<name>` (ria.yaml `certificates`); empty: none. */
  issuer: 'ria.dev/route-issuer',
  /**
   * The IngressClass every Ingress must name (ria.yaml `ingressClass`); empty: ria.yaml names none,
   * and Ria's Ingresses name none (the cluster's default class).
   */
  ingressClass: 'ria.dev/route-ingress-class',
} as const;

/** Whether `host` is covered by the label pattern (so it need not be listed). */
function coveredByLabel(host: string, label: string, domain: string): boolean {
  const suffix = `.${domain}`;
  if (!host.endsWith(suffix)) return false;
  const first = host.slice(0, host.length - suffix.length);
  return first.length <= 63 && (first === label || new RegExp(`^[a-z0-9]+(-[a-z0-9]+)*--${label}$`).test(first));
}

/** The annotations for an environment whose own (generated) routes claim `routeHosts`. Pure. */
export function routeScopeAnnotations(ctx: FrameContext, routeHosts: Iterable<string>): Record<string, string> {
  const domain = ctx.cluster.domain;
  const label = endpointLabel([], ctx.env);
  const extra = new Set((ctx.input.customDomains?.hosts ?? []).map((h) => h.toLowerCase()));
  for (const host of routeHosts) if (!coveredByLabel(host, label, domain)) extra.add(host);
  const g = ctx.cluster.gateway;
  const issuer = ctx.cluster.certificateIssuer;
  // Always written, empty too: a Namespace of the Riofile's manifests cannot supply its own.
  return {
    [RouteScopeAnnotations.domain]: domain,
    [RouteScopeAnnotations.label]: label,
    [RouteScopeAnnotations.hostnames]: [...extra].sort().join(','),
    [RouteScopeAnnotations.gateway]: g ? [g.namespace, g.name, ...(g.sectionName ? [g.sectionName] : [])].join('/') : '',
    [RouteScopeAnnotations.issuer]: issuer ? `${issuer.kind}/${issuer.name}` : '',
    [RouteScopeAnnotations.ingressClass]: ctx.cluster.ingressClass ?? '',
  };
}

/** `objects` with the route scope written on the environment's Namespace (Ria's values over a manifest's). */
export function withRouteScope(ctx: RenderContext, objects: KubeObject[], annotations: Record<string, string>): KubeObject[] {
  return objects.map((o) => {
    if (o.kind !== 'Namespace' || o.apiVersion !== 'v1' || o.metadata.name !== ctx.namespace) return o;
    const merged = { ...(o.metadata.annotations ?? {}), ...annotations };
    return { ...o, metadata: { ...o.metadata, annotations: Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b))) } };
  });
}
