import { GitErrorCode } from '../git/errors.js';

/**
 * Every reason Ria writes in a condition or an Event, named once. Users search for these
 * (`kubectl get environments -o yaml`, `kubectl describe`), so they are part of the interface:
 * each is listed in engine/controller/README.md with what it means and what to do.
 */
export const Reason = {
  // Environment: settled
  Deployed: 'Deployed',
  Applied: 'Applied',
  // Environment: moving on its own (requeued)
  Progressing: 'Progressing',
  Building: 'Building',
  SourceUnavailable: 'SourceUnavailable',
  Deleting: 'Deleting',
  /** A new version takes traffic step by step (engine/rollout). */
  RollingOut: 'RollingOut',
  /** The rollout holds: `rollout.pause` after the first step, or `ria rollout pause`. */
  RolloutPaused: 'RolloutPaused',
  /** The App's spec changed while this reconcile ran: it ends before applying, and the environment is reconciled again with the new one. */
  AppChanged: 'AppChanged',
  // Environment: a person must act (Stalled)
  AppMissing: 'AppMissing',
  RiofileInvalid: 'RiofileInvalid',
  RiofileMissing: 'RiofileMissing',
  /** The Riofile asks for what the app's `allow:` does not grant (engine/policy, SECURITY.md). */
  PolicyDenied: 'PolicyDenied',
  RenderFailed: 'RenderFailed',
  CloneSecretInvalid: 'CloneSecretInvalid',
  BuildFailed: 'BuildFailed',
  /** The commit's pack, or the repository's ref listing, is larger than ria.yaml's git limits. */
  GitPackTooLarge: GitErrorCode.PackTooLarge,
  GitRefsTooLarge: GitErrorCode.RefsTooLarge,
  /** The new version stopped being Ready or failed during its rollout (or was aborted): the stable version serves. */
  RolledBack: 'RolledBack',
  // Environment: retried with backoff
  /** Writing the frame (the Namespace's security keys) or deleting the rights the config withdrew failed (frame.ts). */
  FrameFailed: 'FrameFailed',
  ApplyRefused: 'ApplyRefused',
  ApplyFailed: 'ApplyFailed',
  BuildStartFailed: 'BuildStartFailed',
  SecretCopyFailed: 'SecretCopyFailed',
  PruneFailed: 'PruneFailed',
  FinalizeFailed: 'FinalizeFailed',
  ReconcileError: 'ReconcileError',
  // Environment: the gateway refused a route (retried with backoff)
  RouteRejected: 'RouteRejected',
  // Environment: side conditions
  SecretMissing: 'SecretMissing',
  /** RoutesServed: every HTTPRoute Accepted with its references resolved by the Gateway's controller. */
  RoutesAccepted: 'Accepted',
  /** RoutesServed: the gateway has not written conditions for the current routes yet. */
  RoutesPending: 'Pending',
  /** RoutesServed=Unknown: no controller serves the Gateway (or ria.yaml says gateway.served: false). */
  NoGatewayController: 'NoGatewayController',
  ConflictForced: 'ConflictForced',
  // App
  Ready: 'Ready',
  Listed: 'Listed',
  SourceError: 'SourceError',
  // App SourceReady=False: the git error's code
  GitAuthFailed: GitErrorCode.Auth,
  GitUnreachable: GitErrorCode.Unreachable,
  GitRefNotFound: GitErrorCode.RefNotFound,
  GitRepoNotFound: GitErrorCode.RepoNotFound,
  GitCommitNotFetched: GitErrorCode.CommitNotFetched,
  GitError: GitErrorCode.Generic,
  CloneSecretMissing: 'CloneSecretMissing',
  Valid: 'Valid',
  ConfigInvalid: 'ConfigInvalid',
  SettingsInvalid: 'SettingsInvalid',
  // App and the config status: the config repository
  ConfigSynced: 'Synced',
  ConfigFetchFailed: 'ConfigFetchFailed',
  // Events only
  BuildStarted: 'BuildStarted',
  /** A workload is past its progress deadline (the Deployment's Progressing=False): the rollout is stuck. */
  ProgressDeadlineExceeded: 'ProgressDeadlineExceeded',
  /** The registry had the commit's image already: deployed without a build. */
  ImageReused: 'ImageReused',
  /** A newer commit came while a build ran: the old build's Job was deleted. */
  BuildSuperseded: 'BuildSuperseded',
  Pruned: 'Pruned',
  /** Environment Pruned=False (and a Warning): an object to prune was applied at a version, and its kind is served at no version of its group now: kept in the inventory, not deleted. */
  PruneKindNotServed: 'PruneKindNotServed',
  /** A rollout step, pause, rollback, promotion or removal of a version. */
  Rollout: 'Rollout',
  Removed: 'Removed',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

const known = new Set<string>(Object.values(Reason));

/** The reason of a failed listing of an app repository: the git error's code, else SourceError. */
export function sourceReason(err: unknown): Reason {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && known.has(code) ? code as Reason : Reason.SourceError;
}
