import type { ClusterSettings, Environment, RenderInput } from './types.js';
import { DEFAULT_POD_SECURITY, podSecurityLabels } from '../policy/pod-security.js';
import { routeScopeAnnotations } from './route-scope.js';
import { hostAccessAnnotations } from './host-access.js';

/**
 * The environment's frame: the keys of its Namespace the API server's admission reads to hold
 * what the environment's pods (and anyone its `permissions` gave rights) may write: the Pod
 * Security labels, the route scope and the host access. They depend on the config repository
 * (ria.yaml and the app's file) and the environment, never on the commit, but for the endpoint
 * hostnames Ria had to shorten (`routeHosts`, route-scope.ts). The render writes them on the
 * Namespace, and the engine writes them alone when a render does not get that far (a refused or
 * broken commit: controller/environment/frame.ts), both with this function, so the two never
 * disagree.
 */
export interface FrameContext {
  env: Environment;
  cluster: Pick<ClusterSettings, 'domain' | 'gateway' | 'certificateIssuer' | 'ingressClass'>;
  input: Pick<RenderInput, 'podSecurity' | 'hostAccess' | 'customDomains'>;
}

export interface NamespaceFrame {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** The Pod Security labels of the environment's namespace: they win over any a manifest writes. Pure. */
export function frameLabels(ctx: Pick<FrameContext, 'input'>): Record<string, string> {
  return podSecurityLabels(ctx.input.podSecurity ?? DEFAULT_POD_SECURITY);
}

/** The frame's labels and annotations, `routeHosts` the hostnames of the environment's own endpoints. Pure. */
export function namespaceFrame(ctx: FrameContext, routeHosts: Iterable<string>): NamespaceFrame {
  return { labels: frameLabels(ctx), annotations: { ...routeScopeAnnotations(ctx, routeHosts), ...hostAccessAnnotations(ctx) } };
}
