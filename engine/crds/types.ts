/** Ria's custom resources (group ria.dev, version v1alpha1): the only place engine state lives. */
export const GROUP = 'ria.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** Standard condition shape (metav1.Condition). */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  generation?: number;
  resourceVersion?: string;
  uid?: string;
  deletionTimestamp?: string;
  creationTimestamp?: string;
  /** An Environment's: its App (by uid: an App recreated under the same name is another owner). */
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }>;
  /** Who set which fields (server-side apply); read to know whether a field manager already owns its part. */
  managedFields?: Array<{ manager?: string; operation?: string; subresource?: string }>;
}

/** One app of the config repo (`apps/<name>.yaml`). The spec is the file, as validated. */
export interface AppSpec {
  repo: string;
  branches: string[];
  riofile: string;
  cloneSecret?: string;
  /** Secret in Ria's namespace (key `secret`): this repository's webhooks must be signed with it. */
  webhookSecret?: string;
  secretsFrom?: string;
  answers?: Record<string, string>;
  /** What the Riofile may ask for (engine/policy/allow.ts reads it with defaults). */
  allow?: {
    permissions?: boolean; globalPermissions?: boolean; clusterRoles?: string[]; clusterKinds?: string[];
    privileged?: boolean; capabilities?: string[]; hostNamespaces?: boolean; hostPath?: boolean; hostPorts?: boolean; runAsRoot?: boolean; routes?: boolean;
    externalServices?: boolean;
  };
  previews?: Record<string, unknown>;
  /** Branch whose GitHub deployment is the production one. */
  productionBranch?: string;
  /** Custom hostnames only the production environment may route (engine/policy/routes.ts). */
  domains?: string[];
}

export interface AppStatus {
  conditions?: Condition[];
  /** The config repo commit this App was last read from. */
  configCommit?: string;
  /** Refs seen at the last successful listing of the app repo (branch -> sha). */
  observedRefs?: Record<string, string>;
  environments?: number;
}

export interface App {
  apiVersion: typeof API_VERSION;
  kind: 'App';
  metadata: ObjectMeta;
  spec: AppSpec;
  status?: AppStatus;
}

export type EnvironmentKind = 'branch' | 'pr';
export type EnvironmentPhase = 'Pending' | 'Building' | 'Deploying' | 'Ready' | 'Failed';

export interface EnvironmentSpec {
  app: string;
  kind: EnvironmentKind;
  /** What `kubectl get environments` shows: the branch name, or `pr-<n>`. */
  target: string;
  branch?: string;
  pullRequest?: number;
  /** The commit to deploy (full SHA). The source poller writes it; reconcile deploys it. */
  commit: string;
  /** The namespace the environment's objects live in. */
  namespace: string;
  /**
   * Fork previews only: the head commit a maintainer's fork label vouched for (seen being added).
   * Kept in the cluster so a restart or failover neither forgets a vouch nor extends it to a newer
   * commit.
   */
  vouchedCommit?: string;
}

export interface InventoryEntry { apiVersion: string; kind: string; namespace?: string; name: string }

export interface BuildState {
  service: string;
  commit: string;
  job: string;
  image: string;
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  /** Failed: the step and cause (`RUN npm ci: exit status 1`), else the Job's reason. Reused: says so. */
  message?: string;
  /** The registry had `image` already: no Job ran for this commit (phase Succeeded). */
  reused?: boolean;
  /** Failed: the container that failed (`fetch-source`, `kaniko`). */
  failedContainer?: string;
  /** Failed: its last log lines (at most 20 lines / 4 KiB, secrets redacted). `ria logs --build` prints all. */
  logTail?: string;
}

export interface LocatedError {
  message: string;
  file?: string;
  line?: number;
  column?: number;
  path?: string;
}

export interface EnvironmentStatus {
  phase?: EnvironmentPhase;
  observedGeneration?: number;
  observedCommit?: string;
  appliedCommit?: string;
  shortCommit?: string;
  /** First URL, for the printer column. */
  url?: string;
  urls?: Record<string, string[]>;
  builds?: BuildState[];
  inventory?: InventoryEntry[];
  /** Hash of the inputs last reconciled (commit, app spec, settings): same inputs, nothing to do. */
  inputsHash?: string;
  /** Hash of what was last applied: a reconcile whose render hashes the same applies nothing. */
  appliedHash?: string;
  /**
   * Hash of the frame last made to hold at the API server (the Namespace's Pod Security labels,
   * route scope and host access, the identity's rights: controller/environment/frame.ts), from
   * the config alone: another one means the config changed what the environment may do.
   */
  frameHash?: string;
  lastAppliedTime?: string;
  lastError?: LocatedError;
  warnings?: string[];
  /** Progressive delivery of versioned services (template/rollout): versions, weights, step (engine/rollout). */
  rollout?: import('../rollout/types.js').RolloutStatus;
  conditions?: Condition[];
}

export interface Environment {
  apiVersion: typeof API_VERSION;
  kind: 'Environment';
  metadata: ObjectMeta;
  spec: EnvironmentSpec;
  status?: EnvironmentStatus;
}

export const ENVIRONMENT_FINALIZER = 'ria.dev/environment-cleanup';
