import type { Riofile } from '../riofile/model.js';
import type { ServiceVersions } from './versions.js';
import type { PodSecurity } from '../policy/pod-security.js';
import type { HostAccessEntry } from './host-access.js';

/** One environment of an app: a long-lived branch or a pull request preview. */
export type Environment =
  | { app: string; kind: 'branch'; branch: string; commit: string; namespace?: string }
  | { app: string; kind: 'pr'; pr: number; commit: string; namespace?: string };

/** Where and how images are built (Kaniko Jobs). Everything but `namespace` has a documented default. */
export interface BuilderSettings {
  /** Namespace the build Jobs run in; the registry and clone Secrets live there. Default `ria-builds`. */
  namespace?: string;
  /** Kaniko executor image. Default {@link DEFAULT_EXECUTOR_IMAGE}. */
  executorImage?: string;
  /** Image with `git` and `sh`, used to fetch the source at the exact commit. Default {@link DEFAULT_GIT_IMAGE}. */
  gitImage?: string;
  /** Kaniko layer cache repository (`--cache-repo`); no cache when absent. */
  cacheRepo?: string;
  /** A `kubernetes.io/dockerconfigjson` Secret in the builder namespace, mounted at /kaniko/.docker/config.json. */
  registrySecretName?: string;
  /** Registry path preview (pull request) images go to. Default `<registry>/previews`. */
  previewRegistry?: string;
  /** The push credential of preview builds (none when absent: never the main one). */
  previewRegistrySecretName?: string;
  /** The longest a build may run, in seconds (`activeDeadlineSeconds`); a Riofile can only lower it. Default 1800. */
  timeoutSeconds?: number;
  /** Requests and limits of the executor container. */
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  /** Seconds a finished Job is kept. Default 3600. */
  ttlSecondsAfterFinished?: number;
  /** Extra kaniko flags (e.g. `--insecure` for a local registry), appended in order. */
  extraArgs?: string[];
  /** Build pods on the node's network: for a one-node local cluster whose registry and git
   * server are on the node's loopback (ria dev's real node). */
  hostNetwork?: boolean;
}

/** Settings of the cluster the app is deployed to; later read from the config repo. */
export interface ClusterSettings {
  /** Wildcard DNS domain; each endpoint is one label under it (`<svc>--<app>--<env>.<domain>`, names.ts). */
  domain: string;
  /** Registry (and optional path) built images are pushed to, e.g. `registry.example.com/ria`. */
  registry: string;
  /** Gateway that HTTPRoutes attach to. When absent, Ingress objects are rendered instead. */
  gateway?: {
    namespace: string; name: string; sectionName?: string;
    /**
     * Gateway API features the gateway's controller declares (GatewayClass status.supportedFeatures,
     * e.g. `HTTPRouteRequestMirror`). When given, route parts of an extended feature it lacks are
     * left out with a warning instead of being rendered for a gateway that would not serve them.
     */
    supportedFeatures?: string[];
  };
  /** IngressClass of the Ingress fallback (absent: the cluster's default class). */
  ingressClass?: string;
  /**
   * ria.yaml `certificates`: the cert-manager issuer of the custom domains' Certificates, and the
   * only one an environment's Certificates and Ingresses may name (route-scope.ts).
   */
  certificateIssuer?: { kind: 'ClusterIssuer' | 'Issuer'; name: string };
  /** Builder Job settings. */
  builder?: BuilderSettings;
  /** Requests for containers that declare no cpu/memory, e.g. `{ cpu: '50m', memory: '64Mi' }`. */
  defaultRequests?: { cpu?: string; memory?: string };
  /**
   * A custom-metrics adapter serves the pods metric `http_requests_in_flight`: `autoscale.concurrency`
   * then targets it directly. Otherwise HPAs target CPU utilization (see hpa.ts).
   */
  customMetrics?: boolean;
  /** CPU utilization percent HPAs target when custom metrics are not available. Default 80. */
  cpuTargetUtilization?: number;
  /** Cluster DNS suffix for ExternalName targets. Default `cluster.local`. */
  clusterDomain?: string;
  /** URL scheme of the endpoints in `urls`. Default `https`. */
  urlScheme?: 'http' | 'https';
}

/** Where the app's source lives (build Jobs need it). */
export interface SourceSettings {
  /** Clone URL (https). */
  repoUrl: string;
  /** Secret in the builder namespace with `username` and `password` (token) keys for private repos. */
  cloneSecretName?: string;
}

export interface RenderInput {
  riofile: Riofile;
  environment: Environment;
  cluster: ClusterSettings;
  source?: SourceSettings;
  /**
   * Versioned services (`template: true` or `rollout`): the engine's rollout decision per Riofile
   * service key. Absent for a service: the version of this commit serves alone.
   */
  rollouts?: Record<string, ServiceVersions>;
  /**
   * Pod Security Admission levels written on the environment's Namespace (also over a Namespace
   * a manifest supplies). Absent: `baseline` enforced, `restricted` warned and audited.
   */
  podSecurity?: PodSecurity;
  /**
   * The node access the app's `allow` grants (`hostPorts`, `hostNamespaces`, `privileged`,
   * `hostPath`, `externalServices`, and each capability as `cap:NAME`), written on the environment's Namespace for the
   * API server's exposure policy (render/host-access.ts). Absent: none.
   */
  hostAccess?: HostAccessEntry[];
  /**
   * Custom domains this environment serves (apps/<app>.yaml `domains`, production environment
   * only) and, when the cluster runs cert-manager (ria.yaml `certificates`), the issuer of their
   * Certificate. Absent, or without issuer: no Certificate.
   */
  customDomains?: { hosts: string[]; issuer?: { kind: 'ClusterIssuer' | 'Issuer'; name: string } };
}

/** Any Kubernetes object as rendered: plain JSON, keys in a stable order. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

/** Something the Riofile asked for that the rendered objects cannot (fully) express. */
export interface RenderWarning {
  /** Stable identifier, e.g. `RouterFaultUnsupported`. */
  code: string;
  /** Where in the Riofile, e.g. `routers.foo.routes[0].fault`. */
  path: string;
  message: string;
}

export interface RenderResult {
  /** The environment's objects, Namespace first, in apply order. */
  objects: KubeObject[];
  /** Kaniko Jobs that build the images these objects use (in the builder namespace). */
  buildJobs: KubeObject[];
  warnings: RenderWarning[];
  /** Riofile service name (or router name) -> public URLs that reach it. */
  urls: Record<string, string[]>;
  /** Riofile service name -> image of its main container (`service/container` for sidecars). */
  images: Record<string, string>;
  /**
   * Versioned services: Riofile service key -> the version rendered for this commit, its own URL,
   * and the objects that make it (kept by the engine while the version lives on after later commits).
   */
  versions: Record<string, RenderedVersion>;
}

export interface RenderedVersion {
  version: string;
  /** The version's own URL (absent when it exposes no HTTP port). */
  url?: string;
  objects: { apiVersion: string; kind: string; namespace?: string; name: string }[];
}
