import type { InventoryEntry } from '../crds/types.js';

/**
 * The state of a progressive rollout, one per Riofile service with `template: true` or `rollout`.
 * It lives in the Environment's status (`status.rollout.services[<service>]`), never only in memory:
 * an engine that restarts reads it back and continues from the recorded step. Times are RFC 3339
 * strings (second precision, as everything else in the status) so the state round-trips through
 * the API server unchanged.
 */

/** What the canary (the newest version) is doing. */
export const RolloutPhase = {
  /** Traffic moves to the new version step by step. */
  Progressing: 'Progressing',
  /** Held at the current weight: `rollout.pause` (after the first step) or `ria rollout pause`. */
  Paused: 'Paused',
  /** `stageOnly`: the new version runs with its own URL and no share of the app's traffic. */
  Staged: 'Staged',
  /** Traffic went back to the stable version; the new version is kept for inspection. */
  RolledBack: 'RolledBack',
  /** One version serves everything; nothing is being rolled out. */
  Complete: 'Complete',
} as const;
export type RolloutPhase = typeof RolloutPhase[keyof typeof RolloutPhase];

/** A version of a service: one commit, its own Deployment, Service and URL. */
export interface RolloutVersion {
  /** `v` + the commit's first hex digits, e.g. `v9f3c1`: part of the object names and the version URL. */
  name: string;
  commit: string;
  /** The version's own URL (`https://<app>-<version>--<riaApp>--<env>.<domain>`). */
  url?: string;
  /**
   * The objects rendered for this version when its commit was the environment's commit. A version
   * of an older commit is not rendered again (its Riofile is not the current one): these objects
   * stay in the inventory untouched until the version is removed, then they are pruned.
   */
  objects?: InventoryEntry[];
}

/** A version on its way out: weight 0, removed (pruned) once `removeAt` has passed. */
export interface RetiredVersion extends RolloutVersion {
  removeAt: string;
  /** `Replaced` (the old stable after a completed rollout) or `Superseded` (a newer commit came). */
  reason: 'Replaced' | 'Superseded';
}

export interface ServiceRolloutState {
  phase: RolloutPhase;
  /** The version that serves while a new one rolls out; absent only before the first deploy. */
  stable?: RolloutVersion;
  /** The new version being rolled out (or staged, or rolled back). */
  canary?: RolloutVersion;
  /** The canary's share of the service's traffic, percent. */
  weight: number;
  /** Steps taken for this canary (0 until its first share of traffic). */
  step: number;
  /** When the canary was created. */
  started?: string;
  /** When the phase or the weight last changed. */
  lastTransition: string;
  /** When the next step is due (only while Progressing and stepping). */
  nextStepAt?: string;
  /** CamelCase reason of the last transition (`Stepped`, `NotReady`, `Aborted`...). */
  reason: string;
  message?: string;
  /** Paused by an operator (`ria rollout pause`), not by the Riofile's `rollout.pause`. */
  pausedByOperator?: boolean;
  /** A rolled-back canary is scaled to zero at this time (kept for inspection until then). */
  scaleDownAt?: string;
  /** The rolled-back canary runs no pods any more. */
  scaledToZero?: boolean;
  /** Versions draining before removal. */
  retired?: RetiredVersion[];
  /**
   * Health gate (ria.yaml `rollouts.healthGate`): the gateway's counters for the new version when
   * it got its first share of traffic; its error rate is measured from there (engine/rollout/gate.ts).
   */
  gate?: { requests: number; errors: number };
}

/** `status.rollout` of an Environment. */
export interface RolloutStatus {
  /** Riofile service key -> its rollout. */
  services: Record<string, ServiceRolloutState>;
  /** The last operator action acted on (the annotation's value): an action is applied once. */
  lastAction?: string;
  /** One line for `kubectl get environments` and `ria ps`, e.g. `v9f3c1 30% → 40%`. */
  summary?: string;
}

/** Operator decisions about a running rollout (`ria rollout ACTION ENV`). */
export const RolloutAction = { Pause: 'pause', Resume: 'resume', Promote: 'promote', Abort: 'abort' } as const;
export type RolloutAction = typeof RolloutAction[keyof typeof RolloutAction];
export const ROLLOUT_ACTIONS: readonly RolloutAction[] = Object.values(RolloutAction);

/** Annotation on the Environment that carries an operator action: `<action>/<unique suffix>`. */
export const ROLLOUT_ACTION_ANNOTATION = 'ria.dev/rollout-action';
