import type { RenderContext } from './context.js';

/**
 * Which node access the config repository grants the app (apps/<app>.yaml `allow`), written by
 * the engine as an annotation of the environment's Namespace, which the environment's identity
 * cannot write (no right on Namespaces). The exposure admission policy (install/exposure-admission.ts)
 * reads it through `namespaceObject` and makes the API server refuse a NodePort or LoadBalancer
 * Service, a hostPort, host namespaces, a privileged container, a hostPath volume, a capability
 * outside Pod Security's `baseline` list, or an ExternalName Service or EndpointSlice of its own
 * addresses (`externalServices`) the app was not allowed, whoever writes it. Capabilities
 * are listed as `cap:NAME` (`allow.capabilities`, upper case without `CAP_`; `cap:ALL` grants any).
 * Always written (empty too), also over a Namespace a manifest supplies: Ria's value wins.
 */
export const HOST_ACCESS_ANNOTATION = 'ria.dev/host-access';

/** The `allow` keys the annotation lists, comma-separated. */
export const HOST_ACCESS_KEYS = ['externalServices', 'hostNamespaces', 'hostPath', 'hostPorts', 'privileged'] as const;
export type HostAccessKey = (typeof HOST_ACCESS_KEYS)[number];
/** One entry of the annotation: an `allow` key, or a capability the app may add (`cap:NET_ADMIN`). */
export type HostAccessEntry = HostAccessKey | `cap:${string}`;

/** The annotation for what `ctx.input.hostAccess` grants: the keys in a fixed order, then the capabilities sorted. Pure. */
export function hostAccessAnnotations(ctx: { input: Pick<RenderContext['input'], 'hostAccess'> }): Record<string, string> {
  const granted = new Set<string>(ctx.input.hostAccess ?? []);
  const caps = [...granted].filter((e) => /^cap:[A-Z0-9_]+$/.test(e)).sort();
  return { [HOST_ACCESS_ANNOTATION]: [...HOST_ACCESS_KEYS.filter((k) => granted.has(k)), ...caps].join(',') };
}
