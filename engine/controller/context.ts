import type { GitClient, Credentials } from '../git/index.js';
import type { SharedListings } from './app/shared-listings.js';
import type { KubeObjects } from '../kube/objects.js';
import type { Settings } from '../config/types.js';
import type { EventRecorder } from './events.js';
import type { EnvironmentIdentities } from './environment/identity.js';

/** The logging shape the controller needs; engine/observe provides the real one. */
export interface Log {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
}

export const silentLog: Log = { info() {}, warn() {}, error() {}, debug() {} };

/** Hooks for metrics and (GitHub) reporting; all optional so tests pass only what they check. */
export interface EngineHooks {
  reconciled?(result: ReconcileResult, seconds: number): void;
  polled?(repo: string, seconds: number, error?: unknown): void;
  buildFinished?(app: string, service: string, seconds: number, ok: boolean): void;
  /** Called after an Environment's status changed (commit statuses and deployments hang here). */
  environmentChanged?(env: import('../crds/types.js').Environment, app: import('../crds/types.js').App | undefined): void;
  /** Called once an Environment is gone (finalizer done: its namespace is deleted). GitHub deployments go inactive here. */
  environmentRemoved?(env: import('../crds/types.js').Environment, app: import('../crds/types.js').App | undefined): void;
}

export type ReconcileResult = 'success' | 'noop' | 'failed' | 'stalled' | 'requeue';

/** Everything a reconcile needs, passed in: clients, settings, time. Nothing is global. */
export interface EngineContext {
  /** The engine's own identity: its state, and the frame of each environment. */
  objects: KubeObjects;
  /** Environments' objects are written as the environment (impersonation; see environment/identity.ts). */
  identities: EnvironmentIdentities;
  git: GitClient;
  /** Where fetched repositories are cached (not state: losing it costs a refetch). */
  gitCacheDir: string;
  /** Ria's own namespace: App and Environment objects, clone Secrets, build Jobs. */
  namespace: string;
  settings(): Settings;
  log: Log;
  hooks: EngineHooks;
  /** Kubernetes Events for `kubectl describe` (best effort, aggregated). */
  events: EventRecorder;
  now(): Date;
  /** How old an apply may get before it is repeated to put back changes made by hand. */
  driftIntervalMs: number;
  /** Credentials of an app repository from its clone Secret (undefined for public repos). */
  credentials(secretName: string | undefined): Promise<Credentials | undefined>;
  /** Branch listings of app repositories, shared by the apps of one repository within a poll. */
  listings: SharedListings;
  /** What a container printed (pods/log): the last lines of a failed build. Absent: the Job's message alone. */
  podLog?: import('../kube/pod-logs.js').PodLogReader;
  /**
   * Whether the registry has this image already (a manifest HEAD): true / false, undefined when it
   * cannot tell. Absent: never asked, every commit is built.
   */
  imageExists?: (ref: import('../registry/image-ref.js').ImageRef, options: import('../registry/manifest-check.js').ManifestCheckOptions) => Promise<boolean | undefined>;
}
