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
   * The most one git response from an app repository may hold (ria.yaml git.maxFetchSize,
   * git.maxRefsSize), and how far a fetched pack's objects may inflate (git.maxObjectSize,
   * git.maxInflatedSize).
   */
  git: { maxPackBytes: number; maxRefsBytes: number; maxObjectBytes: number; maxInflatedBytes: number };
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

const MiB = 2 ** 20;
/**
 * The most a fetch's pack may hold (ria.yaml git.maxFetchSize). isomorphic-git holds a whole pack
 * in memory, several copies of it while it collects and indexes it, outside the V8 heap (so
 * --max-old-space-size does not bound it): a fetch's peak RSS was measured at 36 MiB above the
 * engine's for a 3 MiB pack, 74 MiB for 8.3 MiB, 105 MiB for 12 MiB, 290 MiB for 48 MiB (about
 * 15 MiB + 6.5 x the pack; engine/controller/README.md). Four fetches run at once (the git
 * client's limiter), beside the engine's own peak of about 170 MiB at 1,000 apps (bench/README.md),
 * in a container of 512 MiB (install/runtime.ts): 170 + 4 x 74 = 466 MiB fits, 12 MiB would
 * not (590). A depth-1 pack is the compressed tree of one commit: most app repositories' are well
 * under 8 MiB. Who raises it raises the engine's memory limit with it (about 26 MiB per MiB).
 */
export const DEFAULT_MAX_FETCH_BYTES = 8 * MiB;
/**
 * The most a ref listing may hold (ria.yaml git.maxRefsSize): about 200,000 refs (a ref is about
 * 70 bytes). It is parsed into the heap, once per repository at a time; GitHub keeps two refs per
 * pull request (refs/pull/N/head and merge), so a repository with 100,000 pull requests is near it.
 */
export const DEFAULT_MAX_REFS_BYTES = 16 * MiB;
/**
 * How far one object of a fetched pack may inflate (ria.yaml git.maxObjectSize): a file, a tree,
 * or what a delta builds. isomorphic-git inflates each object whole, into several copies of it at
 * once while it indexes the pack (the inflater's pieces, their join, the header-wrapped copy it
 * hashes); a pack's size says nothing of this (zlib inflates up to ~1,000 times: a pack of
 * 128 KiB holding 128 MiB of one byte peaked at 389 MiB above the engine's and took 5 s to index,
 * measured 2026-12-03). As large as the largest pack (maxFetchSize): a file that is its own pack fits.
 */
export const DEFAULT_MAX_OBJECT_BYTES = 8 * MiB;
/**
 * How far all objects of a fetched pack may inflate together (ria.yaml git.maxInflatedSize),
 * each object also charged 512 bytes (isomorphic-git's index entry for it). It bounds what
 * isomorphic-git keeps of the resolved objects while it indexes (its delta-base cache keeps every
 * object up to 8 MiB, 32 MiB in all; deep delta chains keep more) and the CPU of indexing. The
 * worst pack within both defaults (two objects of 8 MiB of one byte each) peaked at 56-62 MiB
 * above the engine's (a random 8 MiB pack: 51-59 MiB), so four at once still fit the 512 MiB
 * container (170 + 4 x 62 = 418 MiB); 24 MiB allowed three such objects, 89 MiB each (measured
 * 2026-12-03). Twice the pack: source text packs three to five times smaller, so an app
 * repository whose snapshot holds more than 16 MiB of text needs it raised, with the memory.
 * It holds the commit's whole snapshot on every fetch (a depth-1 fetch brings the whole tree; no
 * thin pack is asked for), so a commit gets the same answer on an empty cache as after a fetch of
 * the commit before it. Above 32 MiB (or maxObjectSize above 8 MiB) isomorphic-git's cache may
 * drop a delta's base while it indexes, and the base chain is inflated again for that delta: the
 * scan charges that too (pack-scan.ts), so such a pack costs up to about twice what it resolves to.
 */
export const DEFAULT_MAX_INFLATED_BYTES = 16 * MiB;

export interface LoadedApp {
  name: string;
  file: string;
  spec: AppSpec;
}

export type { AppSpec };
