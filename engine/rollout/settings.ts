import type { Service } from '../riofile/model.js';

/** How one service's rollout steps, resolved from its Riofile fields (pure). */
export interface StepSettings {
  /** Percent of traffic added per step, 1-100. */
  increment: number;
  /** Time between steps. */
  intervalMs: number;
  /** Hold after the first step until resumed (`rollout.pause`). */
  pause: boolean;
  /** New versions get no traffic until promoted (`stageOnly`, or `build.stageOnly`). */
  stageOnly: boolean;
  /** How long a replaced or superseded version keeps running with weight 0 before removal. */
  drainMs: number;
  /** How long a rolled-back version keeps its pods (for inspection) before it is scaled to zero. */
  scaleDownMs: number;
}

/** Steps when the Riofile names neither `increment` nor `interval`: ten steps over `rolloutDuration`. */
const DEFAULT_STEPS = 10;
export const DEFAULT_DRAIN_MS = 30_000;
export const DEFAULT_SCALE_DOWN_MS = 10 * 60_000;

/** A service whose new commits become new versions rolled out step by step (Rio's `template: true`). */
export function isVersioned(service: Service): boolean {
  return service.template || service.rollout !== undefined;
}

/**
 * Rio's knobs -> steps. `increment` and `interval` win when both are set; one of them alone is
 * completed from `rolloutDuration` (default 60 s) so the whole shift takes that long; neither:
 * ten steps over `rolloutDuration`. `rolloutDuration: 0` with neither set switches at once.
 */
export function stepSettings(service: Service, overrides: Partial<Pick<StepSettings, 'drainMs' | 'scaleDownMs'>> = {}): StepSettings {
  const durationS = Math.max(0, service.rolloutDurationSeconds);
  const r = service.rollout;
  let increment: number;
  let intervalS: number;
  if (r?.increment !== undefined && r.intervalSeconds !== undefined) {
    increment = r.increment;
    intervalS = r.intervalSeconds;
  } else if (r?.increment !== undefined) {
    increment = r.increment;
    intervalS = durationS / Math.ceil(100 / clampIncrement(increment));
  } else if (r?.intervalSeconds !== undefined) {
    intervalS = r.intervalSeconds;
    increment = intervalS > 0 ? Math.ceil(100 / Math.max(1, Math.floor(durationS / intervalS))) : 100;
  } else if (durationS === 0) {
    increment = 100;
    intervalS = 0;
  } else {
    increment = 100 / DEFAULT_STEPS;
    intervalS = durationS / DEFAULT_STEPS;
  }
  return {
    increment: clampIncrement(increment),
    intervalMs: Math.max(0, Math.round(intervalS * 1000)),
    pause: r?.pause ?? false,
    stageOnly: service.stageOnly || service.build?.stageOnly === true,
    drainMs: overrides.drainMs ?? DEFAULT_DRAIN_MS,
    scaleDownMs: overrides.scaleDownMs ?? DEFAULT_SCALE_DOWN_MS,
  };
}

function clampIncrement(n: number): number {
  return Math.min(100, Math.max(1, Math.round(n)));
}
