import type { StepSettings } from './settings.js';
import { RolloutAction, RolloutPhase, type RetiredVersion, type RolloutVersion, type ServiceRolloutState } from './types.js';
import { versionName } from './version-name.js';

/** The new version's workload as last observed. */
export interface CanaryHealth {
  /** `ready`: all replicas available; `pending`: not yet (starting, or not applied yet); `failed`: crash-looping or stuck. */
  state: 'ready' | 'pending' | 'failed';
  /** Why not ready, e.g. `Deployment/web-v9f3c1: 0/2 available`. */
  message?: string;
  /** The rollback's reason when `failed` (default `Failing`; `ErrorRate` from the health gate). */
  reason?: string;
}

export interface PlanInput {
  /** The state as read from the Environment's status; undefined before the service's first deploy. */
  state: ServiceRolloutState | undefined;
  now: Date;
  /** The commit the environment deploys now. */
  commit: string;
  settings: StepSettings;
  /** Health of the current commit's version if it is the canary (ignored when the canary is created by this plan). */
  health: CanaryHealth;
  /** An operator action not yet acted on. */
  action?: RolloutAction;
}

export interface Plan {
  state: ServiceRolloutState;
  /** Version name -> percent of the service's traffic (retired versions: 0). */
  weights: Record<string, number>;
  /** The version of the current commit: the one rendered from the current Riofile. */
  current: string;
  /** The current version runs no pods: it was rolled back and its inspection time is over. */
  currentScaledToZero: boolean;
  /** When something is due (a step, a removal, a scale-down); absent: nothing until an event. */
  wakeAt?: Date;
  /** What changed, one line each, for the log. */
  transitions: string[];
}

/**
 * The step planner, pure: (state, time, commit, health of the new version, Riofile settings,
 * operator action) -> next state and weights. Called on every reconcile; it takes at most one
 * step per call and records when the next is due, so calling it again at the same time changes
 * nothing, and an engine that was down for three intervals resumes with the next step, not three.
 *
 * Rules: the first version of a service serves at once (nothing to roll from). A new commit makes
 * a new version (the canary) at weight 0; the first step waits until it is Ready, then each step
 * adds `increment` every `interval` while it stays Ready. If it stops being Ready once it has
 * traffic, or fails (crash loop, stuck rollout) at any time, traffic goes back to the stable
 * version at once (RolledBack) and the canary is kept, scaled to zero after `scaleDownMs`. At 100 %
 * the canary becomes the stable version and the old one drains (weight 0) for `drainMs` before it
 * is removed. A newer commit supersedes the canary (it drains, or goes at once if it had no
 * traffic); the stable version stays. `stageOnly` stops at weight 0 until promoted or resumed.
 */
export function planRollout(input: PlanInput): Plan {
  const { now, commit, settings } = input;
  const t = iso(now);
  const transitions: string[] = [];
  const note = (line: string) => transitions.push(line);
  let s: ServiceRolloutState;

  if (!input.state || !input.state.stable) {
    const name = versionName(commit, input.state?.retired ?? []);
    s = { phase: RolloutPhase.Complete, stable: { name, commit }, weight: 0, step: 0, lastTransition: t, reason: 'FirstVersion', ...(input.state?.retired?.length ? { retired: input.state.retired } : {}) };
    note(`${name} serves: first version`);
  } else {
    s = structuredClone(input.state);
  }
  const stable = s.stable!;

  // Versions whose drain is over are dropped (and so pruned).
  if (s.retired) {
    for (const r of s.retired) if (Date.parse(r.removeAt) <= now.getTime()) note(`${r.name} removed (${r.reason.toLowerCase()})`);
    s.retired = s.retired.filter((r) => Date.parse(r.removeAt) > now.getTime());
  }

  // The commit decides which version is current.
  let fresh = false;
  if (stable.commit === commit) {
    if (s.canary) {
      retire(s, s.canary, 'Superseded', now, settings);
      note(`${s.canary.name} superseded: the environment is back at ${stable.name}`);
      toComplete(s, t, 'Superseded');
    }
  } else if (s.canary?.commit !== commit) {
    if (s.canary) {
      retire(s, s.canary, 'Superseded', now, settings);
      note(`${s.canary.name} superseded by a newer commit`);
    }
    // A commit that comes back while its version drains takes that version back (same objects).
    s.retired = s.retired?.filter((r) => r.commit !== commit);
    const name = versionName(commit, [stable, ...(s.retired ?? [])]);
    s.canary = { name, commit };
    s.phase = settings.stageOnly ? RolloutPhase.Staged : RolloutPhase.Progressing;
    s.weight = 0;
    s.step = 0;
    s.started = t;
    s.lastTransition = t;
    s.reason = settings.stageOnly ? 'Staged' : 'NewVersion';
    s.message = settings.stageOnly ? `${name} staged: its own URL, no share of the traffic until promoted` : `${name} starting; traffic moves once it is Ready`;
    clear(s, 'nextStepAt', 'scaleDownAt', 'scaledToZero', 'pausedByOperator', 'gate');
    fresh = true;
    note(s.message);
  }

  if (input.action) applyAction(s, input.action, now, settings, note);

  const canary = s.canary;
  const health = fresh ? { state: 'pending' as const } : input.health;
  if (canary && (s.phase === RolloutPhase.Progressing || s.phase === RolloutPhase.Paused)) {
    if (health.state === 'failed') {
      rollBack(s, health.reason ?? 'Failing', health.message ?? 'the new version is failing', now, settings, note);
    } else if (s.weight > 0 && health.state !== 'ready') {
      rollBack(s, 'NotReady', health.message ?? 'the new version stopped being Ready', now, settings, note);
    } else if (s.phase === RolloutPhase.Progressing && health.state === 'ready' && (s.nextStepAt === undefined || Date.parse(s.nextStepAt) <= now.getTime())) {
      step(s, now, settings, note);
    }
  }
  if (s.phase === RolloutPhase.RolledBack && !s.scaledToZero && s.scaleDownAt && Date.parse(s.scaleDownAt) <= now.getTime()) {
    s.scaledToZero = true;
    note(`${canary?.name} scaled to zero: its inspection time is over`);
  }

  if (s.retired && s.retired.length === 0) delete s.retired;
  const weights: Record<string, number> = {};
  weights[s.stable!.name] = s.canary ? 100 - s.weight : 100;
  if (s.canary) weights[s.canary.name] = s.weight;
  for (const r of s.retired ?? []) weights[r.name] ??= 0;
  const current = s.stable!.commit === commit ? s.stable!.name : s.canary!.name;
  const due = [
    s.phase === RolloutPhase.Progressing ? s.nextStepAt : undefined,
    s.phase === RolloutPhase.RolledBack && !s.scaledToZero ? s.scaleDownAt : undefined,
    ...(s.retired ?? []).map((r) => r.removeAt),
  ].filter((x): x is string => x !== undefined).map((x) => Date.parse(x));
  return {
    state: s, weights, current,
    currentScaledToZero: s.canary?.name === current && s.phase === RolloutPhase.RolledBack && s.scaledToZero === true,
    ...(due.length ? { wakeAt: new Date(Math.min(...due)) } : {}),
    transitions,
  };
}

/** The version already made for `commit`, if any (its workload's health is the planner's input). */
export function versionOf(state: ServiceRolloutState | undefined, commit: string): RolloutVersion | undefined {
  if (state?.stable?.commit === commit) return state.stable;
  if (state?.canary?.commit === commit) return state.canary;
  return undefined;
}

function applyAction(s: ServiceRolloutState, action: RolloutAction, now: Date, settings: StepSettings, note: (l: string) => void): void {
  const t = iso(now);
  const canary = s.canary;
  if (!canary) { note(`${action}: no rollout in progress, nothing to do`); return; }
  switch (action) {
    case RolloutAction.Pause:
      if (s.phase !== RolloutPhase.Progressing) { note(`pause: ${canary.name} is ${s.phase}, nothing to pause`); return; }
      s.phase = RolloutPhase.Paused;
      s.pausedByOperator = true;
      delete s.nextStepAt;
      transition(s, t, 'PausedByOperator', `${canary.name} paused at ${s.weight}% by an operator`);
      break;
    case RolloutAction.Resume:
      if (s.phase === RolloutPhase.Progressing) { note(`resume: ${canary.name} is not paused`); return; }
      if (s.phase === RolloutPhase.RolledBack) {
        s.weight = 0;
        s.step = 0;
        clear(s, 'scaleDownAt', 'scaledToZero');
      }
      s.phase = RolloutPhase.Progressing;
      delete s.pausedByOperator;
      // Due now: the next step is taken as soon as the version is Ready.
      s.nextStepAt = t;
      transition(s, t, 'Resumed', `${canary.name} resumed at ${s.weight}% by an operator`);
      break;
    case RolloutAction.Promote:
      // All traffic to a version with no pods would be an outage: it has to start again first.
      if (s.scaledToZero) { note(`promote: ${canary.name} runs no pods (scaled to zero after its rollback); resume it, then promote once it is Ready`); return; }
      transition(s, t, 'Promoted', `${canary.name} promoted to 100% by an operator`);
      s.weight = 100;
      promote(s, now, settings, 'Promoted');
      break;
    case RolloutAction.Abort:
      if (s.phase === RolloutPhase.RolledBack) { note(`abort: ${canary.name} is already rolled back`); return; }
      rollBack(s, 'Aborted', 'aborted by an operator', now, settings, note);
      return;
  }
  note(s.message ?? action);
}

function step(s: ServiceRolloutState, now: Date, settings: StepSettings, note: (l: string) => void): void {
  const t = iso(now);
  const canary = s.canary!;
  const target = settings.intervalMs === 0 ? 100 : Math.min(100, s.weight + settings.increment);
  s.weight = target;
  s.step += 1;
  if (target >= 100) {
    transition(s, t, 'RolledOut', `${canary.name} serves 100% after ${s.step} step${s.step === 1 ? '' : 's'}`);
    note(s.message!);
    promote(s, now, settings, 'RolledOut');
    return;
  }
  if (settings.pause && s.step === 1) {
    s.phase = RolloutPhase.Paused;
    delete s.nextStepAt;
    transition(s, t, 'PausedByRiofile', `${canary.name} at ${target}%, paused (rollout.pause) until resumed`);
  } else {
    s.nextStepAt = iso(new Date(now.getTime() + settings.intervalMs), 'ceil');
    transition(s, t, 'Stepped', `${canary.name} at ${target}% (step ${s.step}), next step at ${s.nextStepAt}`);
  }
  note(s.message!);
}

/** The canary becomes the stable version; the old stable drains. */
function promote(s: ServiceRolloutState, now: Date, settings: StepSettings, reason: string): void {
  const old = s.stable;
  if (old) retire(s, old, 'Replaced', now, settings);
  s.stable = s.canary!;
  delete s.canary;
  toComplete(s, iso(now), reason);
}

function toComplete(s: ServiceRolloutState, t: string, reason: string): void {
  delete s.canary;
  s.phase = RolloutPhase.Complete;
  s.weight = 0;
  s.step = 0;
  s.lastTransition = t;
  s.reason = reason;
  s.message = `${s.stable!.name} serves 100%`;
  clear(s, 'started', 'nextStepAt', 'scaleDownAt', 'scaledToZero', 'pausedByOperator', 'gate');
}

function rollBack(s: ServiceRolloutState, reason: string, why: string, now: Date, settings: StepSettings, note: (l: string) => void): void {
  const t = iso(now);
  const canary = s.canary!;
  const message = `${canary.name} rolled back at step ${s.step} (${s.weight}%): ${why}; ${s.stable!.name} serves 100%`;
  s.phase = RolloutPhase.RolledBack;
  s.weight = 0;
  delete s.nextStepAt;
  delete s.pausedByOperator;
  s.scaleDownAt = iso(new Date(now.getTime() + settings.scaleDownMs), 'ceil');
  s.scaledToZero = false;
  transition(s, t, reason, message);
  note(message);
}

/** A version leaves: it drains with weight 0 when it had traffic, or goes at once when it had none. */
function retire(s: ServiceRolloutState, v: RolloutVersion, reason: RetiredVersion['reason'], now: Date, settings: StepSettings): void {
  const hadTraffic = reason === 'Replaced' || s.weight > 0;
  if (!hadTraffic || settings.drainMs === 0) return;
  const retired = (s.retired ?? []).filter((r) => r.name !== v.name);
  retired.push({ ...v, removeAt: iso(new Date(now.getTime() + settings.drainMs), 'ceil'), reason });
  s.retired = retired;
}

function transition(s: ServiceRolloutState, t: string, reason: string, message: string): void {
  s.lastTransition = t;
  s.reason = reason;
  s.message = message;
}

function clear(s: ServiceRolloutState, ...keys: Array<keyof ServiceRolloutState>): void {
  for (const k of keys) delete s[k];
}

/** RFC 3339 at second precision, like every time in the status; `ceil` for due times (never early). */
export function iso(d: Date, round: 'floor' | 'ceil' = 'floor'): string {
  const ms = round === 'ceil' ? Math.ceil(d.getTime() / 1000) * 1000 : Math.floor(d.getTime() / 1000) * 1000;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
