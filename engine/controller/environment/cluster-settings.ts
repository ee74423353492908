import type { Settings } from '../../config/types.js';
import type { AppSpec } from '../../crds/types.js';
import { allowOf } from '../../policy/allow.js';
import { podSecurityFor } from '../../policy/pod-security.js';
import { HOST_ACCESS_KEYS, type HostAccessEntry } from '../../render/host-access.js';
import type { Allow } from '../../policy/allow.js';
import type { ClusterSettings, RenderInput } from '../../render/types.js';

/** Endpoints default to `*.ria.localhost`, which browsers resolve to this machine: right for `ria dev`. */
export const DEFAULT_DOMAIN = 'ria.localhost';
export const DEFAULT_REGISTRY = 'registry.localhost:5000/ria';

/**
 * Builds run in their own namespace, never in Ria's: it holds only the Secrets builds use (copied
 * there when a build starts), and ria.yaml's builder.egress limits where its pods connect.
 */
export function builderNamespace(riaNamespace: string): string {
  return `${riaNamespace}-builds`;
}

/** What the policy needs of ria.yaml to judge routes: the domain, the Gateway, the IngressClass and the certificates issuer. */
export function routingSettings(settings: Settings): Pick<ClusterSettings, 'domain' | 'gateway' | 'ingressClass'> & { issuer?: { kind: string; name: string } } {
  const g = settings.gateway;
  const c = settings.certificates;
  return {
    domain: settings.domain ?? DEFAULT_DOMAIN,
    ...(g ? { gateway: { namespace: g.namespace, name: g.name, ...(g.sectionName ? { sectionName: g.sectionName } : {}) } } : {}),
    ...(c ? { issuer: { kind: c.kind, name: c.issuer } } : {}),
    ...(settings.ingressClass ? { ingressClass: settings.ingressClass } : {}),
  };
}

/**
 * The render settings of the config repo's ria.yaml. `gatewayFeatures`: what the Gateway's
 * controller declares it serves (GatewayClass supportedFeatures, see gateway-info.ts).
 */
export function clusterSettings(settings: Settings, riaNamespace: string, gatewayFeatures?: string[]): ClusterSettings {
  const b = settings.builder;
  const g = settings.gateway;
  return {
    domain: settings.domain ?? DEFAULT_DOMAIN,
    registry: settings.registry ?? DEFAULT_REGISTRY,
    ...(g ? { gateway: { namespace: g.namespace, name: g.name, ...(g.sectionName ? { sectionName: g.sectionName } : {}), ...(gatewayFeatures ? { supportedFeatures: gatewayFeatures } : {}) } } : {}),
    ...(settings.ingressClass ? { ingressClass: settings.ingressClass } : {}),
    ...(settings.certificates ? { certificateIssuer: { kind: settings.certificates.kind, name: settings.certificates.issuer } } : {}),
    customMetrics: settings.customMetrics,
    ...(settings.defaultResources ? { defaultRequests: settings.defaultResources } : {}),
    builder: {
      namespace: builderNamespace(riaNamespace),
      executorImage: b.image,
      gitImage: b.gitImage,
      timeoutSeconds: b.timeoutSeconds,
      ...(b.cacheRepo ? { cacheRepo: b.cacheRepo } : {}),
      ...(b.pushSecret ? { registrySecretName: b.pushSecret } : {}),
      ...(b.previews?.registry ? { previewRegistry: b.previews.registry } : {}),
      ...(b.previews?.pushSecret ? { previewRegistrySecretName: b.previews.pushSecret } : {}),
      ...(b.resources ? { resources: b.resources as NonNullable<ClusterSettings['builder']>['resources'] } : {}),
      ...(b.hostNetwork ? { hostNetwork: true } : {}),
      ...(b.extraArgs ? { extraArgs: b.extraArgs } : {}),
    },
  };
}

/**
 * Everything of a render input that comes from the config repository (ria.yaml and the app's
 * file) rather than from the app repository. The engine and `ria render --config` both use it.
 */
export function appRenderSettings(settings: Settings, spec: AppSpec, riaNamespace: string, gatewayFeatures?: string[], production = false): Omit<RenderInput, 'riofile' | 'environment'> {
  const domains = production ? spec.domains ?? [] : [];
  const c = settings.certificates;
  return {
    ...(domains.length ? { customDomains: { hosts: [...domains], ...(c ? { issuer: { kind: c.kind, name: c.issuer } } : {}) } } : {}),
    cluster: clusterSettings(settings, riaNamespace, gatewayFeatures),
    source: { repoUrl: spec.repo, ...(spec.cloneSecret ? { cloneSecretName: spec.cloneSecret } : {}) },
    podSecurity: podSecurityFor(settings.podSecurity, allowOf(spec)),
    hostAccess: hostAccessOf(allowOf(spec)),
  };
}

/**
 * The node access `allow` grants, for the Namespace's annotation the exposure policy reads
 * (render/host-access.ts): its keys, and each capability as `cap:NAME` (names as allowOf writes
 * them: upper case, no `CAP_`; anything else is left out, so it is not granted).
 */
export function hostAccessOf(allow: Allow): HostAccessEntry[] {
  const caps = [...new Set(allow.capabilities)].filter((c) => /^[A-Z0-9_]+$/.test(c)).sort().map((c) => `cap:${c}` as const);
  return [...HOST_ACCESS_KEYS.filter((k) => allow[k]), ...caps];
}
