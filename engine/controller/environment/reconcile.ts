import { API_VERSION } from '../../crds/types.js';
import { RiaError, errorMessage } from '../../errors.js';
import { KubeApiError } from '../../kube/errors.js';
import type { EngineContext, ReconcileResult } from '../context.js';
import { Reason } from '../reasons.js';
import { memoryKey, type ReconcileMemory } from './memory.js';
import { StalledError, type LoadedApp, type LoadedEnvironment, type NamedStep, type Outcome, type ReconcileRun, type RecordedEvent } from './outcome.js';
import { deleteSteps, deploySteps } from './steps.js';
import { holdDeferredFrame } from './frame.js';
import { summarize } from './summarize.js';
import { writeStatus, shortCommit } from './status.js';
import { mayHoldBack, startingStatus, FIRST_DEPLOY_GRACE_MS } from './pending-status.js';

export { driftedWorkloads, memoryKey, type ReconcileMemory } from './memory.js';
export { renderEnvironment } from './render-environment.js';

export interface ReconcileOutcome {
  result: ReconcileResult;
  requeueAfterMs?: number;
  /** The Environment as this reconcile left it (status included), for reporting without a re-read. */
  env?: LoadedEnvironment;
  /** A failure already written to the status (the caller retries with backoff). */
  error?: Error;
}

/**
 * One environment, one pass (Flux's shape): load, then the steps in order (app → up to date? →
 * finalizer → frame → source/Riofile/policy/render → builds → secrets → apply → prune → readiness; or the
 * finalizer alone when deleting), each returning an Outcome or going on; a throw of any step is
 * an Outcome too. Then, in a `finally`, on every path: summarize the status, write it once (only
 * if it changed), send the Events, tell the hooks (GitHub). Every failure keeps what runs:
 * nothing is deleted unless a new render succeeded and was applied.
 */
export async function reconcileEnvironment(ctx: EngineContext, memory: ReconcileMemory, namespace: string, name: string,
  steps?: { deploy?: readonly NamedStep[]; delete?: readonly NamedStep[] }, known?: LoadedEnvironment,
  appOf?: (env: LoadedEnvironment) => LoadedApp | undefined): Promise<ReconcileOutcome> {
  // `known`: the engine's copy when it is the very version this process last saw (no read); else read.
  const env = known ?? await ctx.objects.get<LoadedEnvironment>({ apiVersion: API_VERSION, kind: 'Environment', namespace, name });
  if (!env) return { result: 'noop' };
  const key = memoryKey(namespace, name);
  // A first deploy's status held back (pending-status.ts) is where its next reconcile starts.
  const start = startingStatus(memory, key, env);
  // `appOf`: the engine's copy of the App when it is at least as new as any it wrote or saw (the app step reads it otherwise).
  const app = appOf?.(env);
  const run: ReconcileRun = {
    ctx, memory, env, key, now: ctx.now(),
    status: start.status, events: [], ...(app ? { app } : {}), ...(appOf ? { appNow: () => appOf(env) } : {}),
  };
  const deleting = Boolean(env.metadata.deletionTimestamp);
  let outcome: Outcome = { kind: 'failed', reason: Reason.ReconcileError, message: 'reconcile interrupted', error: new Error('reconcile interrupted') };
  let done: ReconcileOutcome | undefined;
  try {
    outcome = await runSteps(run, deleting ? steps?.delete ?? deleteSteps : steps?.deploy ?? deploySteps);
    // A run with no inventory recorded that did not apply the Namespace: its frame holds now (review10 F4).
    if (!deleting) outcome = await holdDeferredFrame(run, outcome);
  } finally {
    done = await finish(run, outcome, deleting, start.pending?.since);
  }
  return done;
}

/** Runs the steps until one returns an Outcome; a throw becomes one (never escapes). */
export async function runSteps(run: ReconcileRun, steps: readonly NamedStep[]): Promise<Outcome> {
  for (const step of steps) {
    try {
      const outcome = await step.run(run);
      if (outcome) return outcome;
    } catch (err) {
      return outcomeOfError(err, step, run);
    }
  }
  return { kind: 'ready' };
}

/** Pure: a step's throw as an Outcome. StalledError: a person must act; anything else: backoff. */
export function outcomeOfError(err: unknown, step: NamedStep, run?: Pick<ReconcileRun, 'ctx' | 'env'>): Outcome {
  if (err instanceof StalledError) return { kind: 'stalled', reason: err.reason, message: err.message, ...(err.lastError ? { lastError: err.lastError } : {}) };
  const error = err instanceof Error ? err : new Error(String(err));
  let reason: string = step.failReason;
  // The API server refused an object (invalid, over quota, a full Service IP range...): 4xx
  // means the objects need a change (the user's to fix), anything else is the cluster's trouble.
  if (step.name === 'apply' && err instanceof KubeApiError) reason = err.status >= 400 && err.status < 500 && err.status !== 429 ? Reason.ApplyRefused : Reason.ApplyFailed;
  if (run && !(err instanceof RiaError)) {
    // Not an error Ria raises on purpose: a bug or a library's failure. Logged with the stack.
    run.ctx.log.error('reconcile step failed unexpectedly', { environment: run.env.metadata.name, step: step.name, error: error.stack ?? error.message });
  }
  // Ria's own errors say where they come from ("apply Service/ns/web: ..."); others get the step's name.
  const message = err instanceof RiaError ? error.message : `${step.name}: ${errorMessage(error)}`;
  return { kind: 'failed', reason, message, error };
}

/** The one way out: status, Events and hooks, on every path. */
async function finish(run: ReconcileRun, outcome: Outcome, deleting: boolean, heldSince?: number): Promise<ReconcileOutcome> {
  const { ctx, env, memory, key } = run;
  if (outcome.kind === 'noop') return { result: 'noop', env };
  if (outcome.kind === 'removed') {
    // Nothing left to write a status on; the Event stays listable (`kubectl get events`) for its TTL.
    await ctx.events.record(env, 'Normal', Reason.Removed, `removed namespace ${env.spec.namespace} and the environment's cluster-scoped objects`);
    return { result: 'success', env };
  }
  const previousPhase = env.status?.phase;
  const previousCommit = env.status?.observedCommit;
  let wrote = false;
  let heldUntil: number | undefined;
  try {
    const next = summarize(run.status, outcome, env, run.now);
    const since = heldSince ?? run.now.getTime();
    if (mayHoldBack(env, outcome, next, deleting, since, run.now.getTime())) {
      // A first deploy waiting for its rollout: held back a few seconds, written if still waiting then.
      (memory.pending ??= new Map()).set(key, { uid: env.metadata.uid!, status: next, since });
      heldUntil = since + FIRST_DEPLOY_GRACE_MS;
    } else {
      memory.pending?.delete(key);
      wrote = await writeStatus(ctx, env, next);
    }
  } finally {
    // Deployed: Ready for the first time, again after a failure, or at another commit (one whose
    // render changed nothing is a deployed revision too).
    const newlyReady = wrote && (previousPhase !== 'Ready' || previousCommit !== env.spec.commit);
    for (const e of eventsOf(run, outcome, newlyReady, wrote)) await ctx.events.record(env, e.type, e.reason, e.message);
  }
  const result = resultOf(outcome, wrote || Boolean(run.mustApply));
  // A torn-down environment is reported once, by environmentRemoved (from the watch's delete).
  // A held-back status is reported as it would have been written (GitHub: in progress).
  if (result !== 'noop' && !deleting) ctx.hooks.environmentChanged?.(heldUntil !== undefined ? { ...env, status: memory.pending!.get(key)!.status } : env, run.app);
  return {
    result, env,
    ...(outcome.kind === 'waiting' || run.wakeAfterMs !== undefined
      ? { requeueAfterMs: Math.min(outcome.kind === 'waiting' ? outcome.requeueAfterMs : Infinity, run.wakeAfterMs ?? Infinity,
        heldUntil !== undefined ? Math.max(0, heldUntil - run.now.getTime()) : Infinity) } : {}),
    ...(outcome.kind === 'failed' ? { error: outcome.error } : {}),
  };
}

/**
 * Pure: the Events a reconcile records (after its status write). Outcomes and failures, not
 * routine progress, as Flux records them: a deploy that goes through is one `Deployed` (the
 * commit and how many objects), when it is Ready (each deployed commit once); the steps on the way (the apply, a rollout
 * being waited for) are in the status, not Events (a first deploy recorded three: DeployStarted,
 * Applied, Deployed, a third of a cold start's writes beyond the objects). `Applied` is recorded
 * alone when a changed render went through and the reconcile ends neither waiting nor Deployed
 * (a settings change that leaves the environment Ready; an apply followed by a failure). Every
 * `stalled` or `failed` outcome is a Warning with its reason, and so is a rollout that got stuck
 * (a workload past its progress deadline, `ProgressDeadlineExceeded`), once as the status says
 * it (`wrote`: a stuck rollout waited on records nothing more). `becameReady`: the status was
 * written Ready and was not before, or not at this commit.
 */
export function eventsOf(run: Pick<ReconcileRun, 'events' | 'env' | 'status'>, outcome: Outcome, becameReady: boolean, wrote = false): RecordedEvent[] {
  const deployed = outcome.kind === 'ready' && becameReady;
  const events = run.events.filter((e) => !e.progress || (outcome.kind !== 'waiting' && !deployed));
  if (outcome.kind === 'stalled' || outcome.kind === 'failed') events.push({ type: 'Warning', reason: outcome.reason as Reason, message: outcome.message });
  if (outcome.kind === 'waiting' && outcome.stuck && wrote) {
    events.push({ type: 'Warning', reason: Reason.ProgressDeadlineExceeded, message: `rollout of ${shortCommit(run.env.spec.commit)} stuck: ${outcome.stuck.join('; ')}` });
  }
  if (deployed) {
    const objects = run.env.status?.inventory?.length ?? run.status.inventory?.length ?? 0;
    events.push({ type: 'Normal', reason: Reason.Deployed, message: `deployed ${shortCommit(run.env.spec.commit)} (${objects} objects)` });
  }
  return events;
}

function resultOf(outcome: Outcome, changed: boolean): ReconcileResult {
  switch (outcome.kind) {
    case 'ready': return changed ? 'success' : 'noop';
    case 'waiting': return 'requeue';
    case 'stalled': return 'stalled';
    case 'failed': return 'failed';
    default: return 'noop';
  }
}
