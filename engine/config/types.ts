import type { AppSpec } from '../crds/types.js';
import type { PodSecurity } from '../policy/pod-security.js';
import type { GateSettings } from '../rollout/gate.js';

/** One destination build pods may reach: an address range and, optionally, its ports. */
export interface BuilderEgress { cidr: string; ports?: number[] }

/** ria.yaml after validation, with defaults applied. */
export interface Settings {
  domain?: string;
  registry?: string;
  /** `served`: whether a controller serves the Gateway (Ready waits for route conditions); unset: the GatewayClass's Accepted decides. */
  gateway?: { namespace: string; name: string; sectionName?: string; served?: boolean };
  ingressClass?: string;
  /** cert-manager: Certificates for apps' custom domains, from this issuer (absent: none rendered). */
  certificates?: { issuer: string; kind: 'ClusterIssuer' | 'Issuer' };
  customMetrics: boolean;
  builder: {
    image: string;
    gitImage: string;
    cacheRepo?: string;
    pushSecret?: string;
    /** Preview (pull request) builds: their own registry path and push credential. */
    previews?: { registry?: string; pushSecret?: string };
    /** Where build pods may connect besides DNS (a NetworkPolicy); absent: no egress policy. */
    egress?: BuilderEgress[];
    timeoutSeconds: number;
    resources?: Record<string, unknown>;
    hostNetwork?: boolean;
    extraArgs?: string[];
    /** false: always build, even when the registry has the commit's image (default: reuse it). */
    reuseImages?: false;
    /** Where the engine reaches `registry` when its name means another host from the engine's network. */
    registryEndpoint?: string;
  };
  pollIntervalMs: number;
  /**
   * Versioned services: drain time of a replaced version, inspection time of a rolled-back one
   * (defaults in engine/rollout/settings.ts), and the optional health gate on the gateway's metrics.
   */
  rollouts?: { drainMs?: number; scaleDownMs?: number; healthGate?: GateSettings };
  /** Pod Security Admission levels of environment namespaces (default baseline enforced, restricted warned). */
  podSecurity: PodSecurity;
  defaultResources?: Record<string, string>;
  github?: Record<string, unknown>;
}

/** Kaniko upstream is archived (2025); Chainguard maintains the fork and publishes the same executor. */
export const DEFAULT_BUILDER_IMAGE = 'cgr.dev/chainguard/kaniko:latest';
export const DEFAULT_GIT_IMAGE = 'alpine/git:2.47.2';
export const DEFAULT_POLL_INTERVAL_MS = 15_000;

export interface LoadedApp {
  name: string;
  file: string;
  spec: AppSpec;
}

export type { AppSpec };
