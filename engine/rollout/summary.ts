import type { StepSettings } from './settings.js';
import { RolloutPhase, type ServiceRolloutState } from './types.js';

/**
 * One line per rollout for `kubectl get environments` and `ria ps`: `v9f3c1 30% → 40%` while it
 * steps, `v9f3c1 30% (paused)`, `v9f3c1 staged`, `v9f3c1 rolled back`, `v9f3c1 100%` once done.
 * Several versioned services: each prefixed with its name.
 */
export function rolloutSummary(services: Record<string, ServiceRolloutState>, settings: Record<string, Pick<StepSettings, 'increment' | 'intervalMs'>> = {}): string {
  const keys = Object.keys(services).sort();
  return keys.map((k) => (keys.length > 1 ? `${k} ` : '') + serviceSummary(services[k]!, settings[k])).join(', ');
}

export function serviceSummary(s: ServiceRolloutState, settings?: Pick<StepSettings, 'increment' | 'intervalMs'>): string {
  const c = s.canary;
  if (!c) return `${s.stable?.name ?? '?'} 100%`;
  switch (s.phase) {
    case RolloutPhase.Progressing: {
      if (!settings) return `${c.name} ${s.weight}%`;
      const next = settings.intervalMs === 0 ? 100 : Math.min(100, s.weight + settings.increment);
      return `${c.name} ${s.weight}% → ${next}%${s.weight === 0 && s.step === 0 ? ' (waiting for Ready)' : ''}`;
    }
    case RolloutPhase.Paused: return `${c.name} ${s.weight}% (paused)`;
    case RolloutPhase.Staged: return `${c.name} staged`;
    case RolloutPhase.RolledBack: return `${c.name} rolled back`;
    default: return `${c.name} ${s.weight}%`;
  }
}
