import type { App, Environment, EnvironmentPhase, EnvironmentStatus, LocatedError } from '../../crds/types.js';
import { RiaError } from '../../errors.js';
import type { EngineContext } from '../context.js';
import type { EventType } from '../events.js';
import type { Reason } from '../reasons.js';
import type { ReconcileMemory } from './memory.js';

export type LoadedEnvironment = Environment & { metadata: { name: string } };
export type LoadedApp = App & { metadata: { name: string } };

/**
 * How a reconcile ended (Flux's typed results); the type decides what happens next:
 * - `noop`: inputs unchanged, nothing to do; nothing is written.
 * - `ready`: deployed and rolled out.
 * - `waiting`: moving on its own (a build, a rollout, an unreachable source): requeued after `requeueAfterMs`.
 * - `stalled`: a person must act (bad Riofile, failed build): not retried until an input changes.
 * - `failed`: anything else (API errors, a bug): retried with backoff.
 * - `removed`: the finalizer is done; the Environment is gone, nothing left to write.
 */
export type Outcome =
  | { kind: 'noop' }
  | { kind: 'ready' }
  | { kind: 'waiting'; reason: Reason; message: string; requeueAfterMs: number; phase?: EnvironmentPhase; stuck?: string[] }
  | { kind: 'stalled'; reason: string; message: string; lastError?: LocatedError }
  | { kind: 'failed'; reason: string; message: string; error: Error }
  | { kind: 'removed' };

/** Thrown by a step when a person must act; any other throw is a `failed` outcome. */
export class StalledError extends RiaError {
  constructor(readonly reason: string, message: string, readonly lastError?: LocatedError) {
    super(reason, message);
  }
}

/**
 * `progress`: said only if nothing says more at the end of the reconcile: not when it ends
 * waiting (a rollout: its `Deployed` comes when it is done) nor when it records `Deployed`.
 */
export interface RecordedEvent { type: EventType; reason: Reason; message: string; progress?: boolean }

/**
 * The state of one reconcile, shared by its steps. Steps read inputs from it and leave what
 * they produced (the render, the apply's result) and the status fields they own; the verdict
 * (phase, Ready/Stalled/Reconciling) is summarized from the Outcome, and the status written
 * once, on the way out, whatever happened.
 */
export interface ReconcileRun {
  readonly ctx: EngineContext;
  readonly memory: ReconcileMemory;
  readonly env: LoadedEnvironment;
  /** The key of this environment in ReconcileMemory. */
  readonly key: string;
  readonly now: Date;
  /** The status this reconcile leaves; written once in reconcile's `finally`. */
  status: EnvironmentStatus;
  /** Events for `kubectl describe`, sent after the status write. */
  events: RecordedEvent[];
  app?: LoadedApp;
  /**
   * The engine's newest copy of the App now, when it keeps one it trusts (engine.ts,
   * usableAppCopy): asked again just before the apply, so a run that started with an older App
   * does not apply what the config has since withdrawn.
   */
  appNow?: () => LoadedApp | undefined;
  /** Set by the up-to-date step: the hash of the frame the config gives now (frame.ts). */
  frameHash?: string;
  /**
   * Set by the frame step when no inventory is recorded (review10 F4): the frame is not held yet
   * and its hash not recorded. The apply records it once it wrote the Namespace; a run that ends
   * before that holds it on the namespace, if there is one (frame.ts, holdDeferredFrame).
   */
  frameDeferred?: boolean;
  /** Set by the render step. */
  rendered?: import('../../render/types.js').RenderResult;
  secretNames?: string[];
  /** Set by the secrets step: rendered objects plus copied Secrets, in apply order. */
  objects?: import('../../kube/objects.js').KubeObject[];
  missingSecrets?: string[];
  /** Set by the apply step. */
  applied?: import('./apply.js').ApplyOutcome;
  /** Hash of what the apply step applied; recorded in the status once pruning succeeded. */
  appliedHash?: string;
  /** Whether this reconcile applied (a changed render, drift, or the drift interval). */
  mustApply?: boolean;
  /** Set by the rollout planning (in the render step): the plan of each versioned service. */
  rolloutPlans?: Record<string, import('../../rollout/plan.js').Plan>;
  /** Something is due then (a rollout step, a drain, a scale-down): requeue at the latest after this, whatever the outcome. */
  wakeAfterMs?: number;
  /** Set by the up-to-date step: the inputs (commit, app spec, settings, gateway) and generation are those the status last recorded. */
  sameInputs?: boolean;
  /** Set by the up-to-date step when ria.yaml names a Gateway: whether a controller serves it, and what it declares. */
  gateway?: import('./gateway-info.js').GatewayInfo;
}

/** One step of the reconcile; all share this signature. `undefined` = go on to the next step. */
export type Step = (run: ReconcileRun) => Promise<Outcome | undefined>;

export interface NamedStep {
  name: string;
  run: Step;
  /** The reason written when the step throws something that is not a StalledError. */
  failReason: Reason;
}
