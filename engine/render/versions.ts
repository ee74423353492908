import type { Riofile, Service } from '../riofile/model.js';
import { isVersioned } from '../rollout/settings.js';
import { versionName } from '../rollout/version-name.js';

/**
 * Versions per commit (Rio's `template: true`, or any service with `rollout`). Such a service is
 * rendered as the version of the current commit: its own Deployment (`<service>-<version>`), its
 * own version Service (`<app>-<version>`) and version URL, with the pod selector of that version
 * alone, so several versions run side by side. The versions of earlier commits are not rendered
 * again (this Riofile is not theirs): the engine keeps their objects, and here they only appear
 * as weighted backends of the app's route.
 */

/** What the engine decided for one versioned service (from the rollout planner). */
export interface ServiceVersions {
  /** The version of this commit, e.g. `v9f3c1`. */
  current: string;
  /** Version -> percent of the service's traffic. Versions other than `current` are kept from earlier commits. */
  weights: Record<string, number>;
  /** The current version runs no pods (rolled back, inspection time over). */
  scaledToZero?: boolean;
}

/** A versioned service after expansion: where its version came from. */
export interface VersionSource {
  /** The key under `services:` in the Riofile. */
  key: string;
  version: string;
  /** Other versions of the same service and their weights (already scaled by the service's `weight`). */
  retained: { version: string; weight: number }[];
}

export interface ExpandedServices {
  /** The services to render, versioned ones under their version key `<service>-<version>`. */
  services: Record<string, Service>;
  /** Version key -> its source. */
  sources: Map<string, VersionSource>;
}

/**
 * Pure: replaces each versioned service by the version of `commit`. Without a plan for it (first
 * deploy, `ria render`) the version of this commit serves alone. Weights are percent of the
 * service's share: a service with `weight: 50` at 30 % gives its new version 15.
 */
export function expandVersions(riofile: Riofile, commit: string, plans: Record<string, ServiceVersions> = {}): ExpandedServices {
  const services: Record<string, Service> = {};
  const sources = new Map<string, VersionSource>();
  for (const [key, service] of Object.entries(riofile.services)) {
    if (!isVersioned(service)) { services[key] = service; continue; }
    const plan = plans[key] ?? { current: versionName(commit), weights: { [versionName(commit)]: 100 } };
    const share = Math.max(0, service.weight);
    const scaled = (w: number) => Math.round((share * w) / 100);
    const versionKey = `${key}-${plan.current}`;
    const { autoscale, ...rest } = service;
    services[versionKey] = {
      ...(plan.scaledToZero ? rest : service),
      ...(plan.scaledToZero ? { replicas: 0 } : {}),
      version: plan.current,
      weight: scaled(plan.weights[plan.current] ?? 0),
      // The planner already decided the staged version's share (0): stageOnly is about new versions.
      stageOnly: false,
    };
    void autoscale;
    sources.set(versionKey, {
      key, version: plan.current,
      retained: Object.entries(plan.weights).filter(([v]) => v !== plan.current).map(([version, w]) => ({ version, weight: scaled(w) })),
    });
  }
  return { services, sources };
}
