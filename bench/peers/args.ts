import { resyncCronFor } from '../../engine/controller/resync.js';

/** The command line of `node dist/bench/peers.js`, and the control plane's limits it sets. Pure. */

export interface PeersArgs {
  apps: number;
  /** Pushes with each engine's fastest trigger. */
  pushes: number;
  /** Pushes found by the engines' own polling (each waits up to one interval). */
  polledPushes: number;
  /** Both engines poll every repository this often (Ria's pollInterval, the GitRepositories' interval). */
  pollSeconds: number;
  order: 'ria,flux' | 'flux,ria';
  /** Which engines run after the floor (`--engines ria`, or `--skip-flux`: no Flux, so no Flux build). */
  engines: Array<'ria' | 'flux'>;
  /** Only the floor and the cold starts: no pushes, no rest window (iterating on the cold start). */
  coldStartOnly: boolean;
  /** Longest a cold start (or the floor) may take. */
  timeoutS: number;
  /** Quiet time after the pushes before the idle window is measured. */
  settleS: number;
  /** The idle window: it should hold at least one drift check of each engine (both every `driftS`). */
  idleS: number;
  /** How often both engines compare what they applied with the cluster: Ria's --drift-interval, the Kustomizations' interval. */
  driftS: number;
  /** Client QPS of kube-controller-manager and kube-scheduler (burst: twice). */
  controlPlaneQps: number;
  keep: boolean;
  /** All phases on one cluster, each after the earlier phases' objects (left in place), as before 2026-12-03; by default each phase gets a fresh cluster. */
  oneCluster: boolean;
  /** Where Go CPU profiles of kube-apiserver and etcd go, one per phase (bench/peers/pprof.ts); none without it. */
  pprofDir?: string;
}

export const USAGE = `Usage: node dist/bench/peers.js [--apps N] [--pushes N] [--polled-pushes N] [--poll SECONDS]
                                [--order ria,flux|flux,ria] [--timeout-s S] [--settle-s S] [--idle-s S] [--drift-s S]
                                [--control-plane-qps Q] [--engines ria,flux|ria|flux] [--skip-flux] [--cold-start-only] [--keep]
                                [--one-cluster] [--pprof DIR]`;

export function parsePeersArgs(argv: string[]): PeersArgs {
  const a: PeersArgs = { apps: 100, pushes: 20, polledPushes: 20, pollSeconds: 10, order: 'ria,flux', timeoutS: 1800, settleS: 30, idleS: 300, driftS: 300, controlPlaneQps: 200, engines: ['ria', 'flux'], coldStartOnly: false, keep: false, oneCluster: false };
  const num = (flag: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < min) throw new Error(`${flag} needs an integer ≥ ${min}, not "${v ?? ''}"\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--apps': a.apps = num(flag, value(), 1); break;
      case '--pushes': a.pushes = num(flag, value(), 1); break;
      case '--polled-pushes': a.polledPushes = num(flag, value(), 0); break;
      case '--poll': a.pollSeconds = num(flag, value(), 1); break;
      case '--timeout-s': a.timeoutS = num(flag, value(), 1); break;
      case '--settle-s': a.settleS = num(flag, value(), 0); break;
      case '--idle-s': a.idleS = num(flag, value(), 10); break;
      case '--drift-s': {
        a.driftS = num(flag, value(), 1);
        try { resyncCronFor(a.driftS * 1000); } catch (err) { throw new Error(`--drift-s: ${(err as Error).message}\n${USAGE}`); }
        break;
      }
      case '--control-plane-qps': a.controlPlaneQps = num(flag, value(), 1); break;
      case '--keep': a.keep = true; break;
      case '--one-cluster': a.oneCluster = true; break;
      case '--pprof': {
        const v = value();
        if (!v || v.startsWith('--')) throw new Error(`--pprof needs a directory\n${USAGE}`);
        a.pprofDir = v;
        break;
      }
      case '--skip-flux': a.engines = ['ria']; break;
      case '--cold-start-only': a.coldStartOnly = true; break;
      case '--engines': {
        const v = value() ?? '';
        const names = v.split(',').map((x) => x.trim());
        if (!names.length || names.some((n) => n !== 'ria' && n !== 'flux') || new Set(names).size !== names.length) {
          throw new Error(`--engines is a list of ria and flux (ria,flux; ria; flux), not "${v}"\n${USAGE}`);
        }
        a.engines = names as Array<'ria' | 'flux'>;
        break;
      }
      case '--order': {
        const v = value();
        if (v !== 'ria,flux' && v !== 'flux,ria') throw new Error(`--order is ria,flux or flux,ria, not "${v ?? ''}"\n${USAGE}`);
        a.order = v;
        break;
      }
      default: throw new Error(`unknown option "${flag}"\n${USAGE}`);
    }
  }
  return a;
}

/**
 * Flags for the control plane's own clients. Their defaults (controller-manager 20 QPS, burst 30)
 * would make the controller-manager creating ReplicaSets and Pods what a cold start of 100 apps
 * measures, not the engines.
 */
export function clusterLimits(a: Pick<PeersArgs, 'controlPlaneQps'>): { controllerManager: string[]; scheduler: string[] } {
  const flags = [`--kube-api-qps=${a.controlPlaneQps}`, `--kube-api-burst=${a.controlPlaneQps * 2}`];
  return { controllerManager: flags, scheduler: flags };
}
