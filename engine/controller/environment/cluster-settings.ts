import type { Settings } from '../../config/types.js';
import type { AppSpec } from '../../crds/types.js';
import { allowOf } from '../../policy/allow.js';
import { podSecurityFor } from '../../policy/pod-security.js';
import type { ClusterSettings, RenderInput } from '../../render/types.js';

/** Endpoints default to `*.ria.localhost`, which browsers resolve to this machine: right for `ria dev`. */
export const DEFAULT_DOMAIN = 'ria.localhost';
export const DEFAULT_REGISTRY = 'registry.localhost:5000/ria';

/** The render settings of the config repo's ria.yaml. Builds run in Ria's namespace, next to the clone Secrets. */
export function clusterSettings(settings: Settings, riaNamespace: string): ClusterSettings {
  const b = settings.builder;
  return {
    domain: settings.domain ?? DEFAULT_DOMAIN,
    registry: settings.registry ?? DEFAULT_REGISTRY,
    ...(settings.gateway ? { gateway: settings.gateway } : {}),
    ...(settings.ingressClass ? { ingressClass: settings.ingressClass } : {}),
    customMetrics: settings.customMetrics,
    ...(settings.defaultResources ? { defaultRequests: settings.defaultResources } : {}),
    builder: {
      namespace: riaNamespace,
      executorImage: b.image,
      gitImage: b.gitImage,
      ...(b.cacheRepo ? { cacheRepo: b.cacheRepo } : {}),
      ...(b.pushSecret ? { registrySecretName: b.pushSecret } : {}),
      ...(b.resources ? { resources: b.resources as NonNullable<ClusterSettings['builder']>['resources'] } : {}),
    },
  };
}

/**
 * Everything of a render input that comes from the config repository (ria.yaml and the app's
 * file) rather than from the app repository. The engine and `ria render --config` both use it.
 */
export function appRenderSettings(settings: Settings, spec: AppSpec, riaNamespace: string): Omit<RenderInput, 'riofile' | 'environment'> {
  return {
    cluster: clusterSettings(settings, riaNamespace),
    source: { repoUrl: spec.repo, ...(spec.cloneSecret ? { cloneSecretName: spec.cloneSecret } : {}) },
    podSecurity: podSecurityFor(settings.podSecurity, allowOf(spec)),
  };
}
