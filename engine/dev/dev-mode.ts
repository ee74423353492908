/**
 * Which cluster `ria dev` (npm start) runs the examples on, and why, as a pure function of what
 * was asked and what this machine has: the real node behind its gateway when it can (Linux, root,
 * the host tools, every binary already cached: `npm start` never starts the hour-long node and
 * Traefik builds by itself), else kwok's simulated pods, saying what is missing.
 */
import type { RealNodeCapability } from './cluster/capability.js';

export type DevMode = 'full' | 'real';

export interface DevModeChoice {
  mode: DevMode;
  /** One line for the user: the mode and the reason. */
  why: string;
}

export interface DevModeInput {
  /** `--mode full|real`, when given. */
  asked?: DevMode;
  /** `--simulate`. */
  simulate: boolean;
  capability: RealNodeCapability;
  /** Binaries of the real node and its gateway not cached yet (missingRealBinaries()). */
  missing: string[];
}

const SIMULATED = 'simulated pods (kwok: nothing runs, the URLs do not answer)';
const REAL = 'a real node behind a gateway (pods run, the URLs answer)';

export function chooseDevMode(i: DevModeInput): DevModeChoice {
  if (i.simulate) return { mode: 'full', why: `${SIMULATED}: asked with --simulate` };
  if (i.asked === 'full') return { mode: 'full', why: `${SIMULATED}: asked with --mode full` };
  if (i.asked === 'real') return { mode: 'real', why: `${REAL}: asked with --mode real` };
  if (!i.capability.ok) return { mode: 'full', why: `${SIMULATED}: this machine cannot run a real node (${i.capability.reasons.join('; ')})` };
  if (i.missing.length > 0) {
    const names = i.missing.length > 4 ? `${i.missing.slice(0, 4).join(', ')} and ${i.missing.length - 4} more` : i.missing.join(', ');
    return {
      mode: 'full',
      why: `${SIMULATED}: the real node's binaries are not all built (${names} missing; test/cluster/build.sh --node --gateway builds them, see README "First run")`,
    };
  }
  return { mode: 'real', why: `${REAL}: Linux, root, node binaries and Traefik cached (--simulate for kwok)` };
}
