import { formatApiServerWork, type ApiServerWork } from './apiserver-metrics.js';

/**
 * The figures of `bench/peers.ts`, pure: percentiles, CPU per minute, API writes counted from the
 * API server's audit log, and the printed comparison (ratios Ria / Flux, and each cold start as a
 * multiple of the cluster's floor).
 */

/** The p-th percentile (0..1) by nearest rank; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil(p * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** CPU seconds per minute from two readings of a process's utime+stime, in clock ticks. */
export function cpuSecondsPerMinute(ticksBefore: number, ticksAfter: number, ticksPerSecond: number, windowMs: number): number {
  if (windowMs <= 0) throw new RangeError('the window must be longer than 0 ms');
  return ((ticksAfter - ticksBefore) / ticksPerSecond) * (60_000 / windowMs);
}

/** utime + stime (clock ticks) from the text of /proc/<pid>/stat; with `children`, plus the exited children's it waited for (cutime + cstime). */
export function cpuTicksFromStat(stat: string, children = false): number {
  // The command name (field 2) is in parentheses and may hold spaces: count from its end.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15, cutime and cstime 16 and 17.
  return Number(rest[11]) + Number(rest[12]) + (children ? Number(rest[13]) + Number(rest[14]) : 0);
}

/** VmRSS in MiB from the text of /proc/<pid>/status. */
export function rssMiBFromStatus(status: string): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}

export interface AuditWrite {
  user: string;
  verb: string;
  /** `resource` or `resource/subresource`. */
  resource: string;
  at: number;
  /** A dry run (`?dryRun=All`): validated and answered, nothing stored. */
  dryRun: boolean;
  /** The client's User-Agent (kubectl's starts `kubectl/`). */
  userAgent: string;
}

const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

/** The writes in an audit log (JSON lines, ResponseComplete stage); other lines are skipped. */
export function parseAuditWrites(text: string): AuditWrite[] {
  const writes: AuditWrite[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let e: { stage?: string; verb?: string; requestURI?: string; userAgent?: string; user?: { username?: string }; objectRef?: { resource?: string; subresource?: string }; requestReceivedTimestamp?: string };
    try { e = JSON.parse(line); } catch { continue; }
    if (e.stage !== 'ResponseComplete' || !e.verb || !WRITE_VERBS.has(e.verb)) continue;
    const resource = e.objectRef?.resource ?? '?';
    writes.push({
      user: e.user?.username ?? '?', verb: e.verb,
      resource: e.objectRef?.subresource ? `${resource}/${e.objectRef.subresource}` : resource,
      at: Date.parse(e.requestReceivedTimestamp ?? ''),
      dryRun: /[?&]dryRun=All(&|$)/.test(e.requestURI ?? ''),
      userAgent: e.userAgent ?? '',
    });
  }
  return writes;
}

/**
 * Writes by the users `who` accepts in [from, to), scaled to one minute, with the count per
 * resource (over the whole window). Lease writes (leader election's renewals: a leader must
 * renew) are counted apart, so that engines with and without leader election compare like with
 * like. Dry runs store nothing: they are listed (`dry-run <resource>`) but not counted as writes.
 */
export function writesPerMinute(writes: readonly AuditWrite[], who: (user: string) => boolean, from: number, to: number): { perMinute: number; leasePerMinute: number; byResource: Record<string, number> } {
  const byResource: Record<string, number> = {};
  let n = 0;
  let leases = 0;
  for (const w of writes) {
    if (w.at < from || w.at >= to || !who(w.user)) continue;
    if (w.dryRun) { /* not a write */ } else if (w.resource === 'leases') leases++; else n++;
    const key = w.dryRun ? `dry-run ${w.resource}` : w.resource;
    byResource[key] = (byResource[key] ?? 0) + 1;
  }
  const scale = 60_000 / (to - from);
  return { perMinute: n * scale, leasePerMinute: leases * scale, byResource };
}

/**
 * The writes `who` accepts in [from, to) (a cold start), counted by verb and resource
 * (`patch deployments`, `create events`, `patch environments/status`), dry runs apart, Lease
 * renewals left out: what a cold start cost the API server beyond the objects themselves.
 */
export function writesDuring(writes: readonly AuditWrite[], who: (w: AuditWrite) => boolean, from: number, to: number): { total: number; byKind: Record<string, number> } {
  const byKind: Record<string, number> = {};
  let total = 0;
  for (const w of writes) {
    if (w.at < from || w.at >= to || !who(w) || w.resource === 'leases') continue;
    const key = `${w.dryRun ? 'dry-run ' : ''}${w.verb} ${w.resource}`;
    byKind[key] = (byKind[key] ?? 0) + 1;
    if (!w.dryRun) total++;
  }
  return { total, byKind };
}

/** A count by kind as printed, largest first: `patch deployments 167, create events 300`. */
export const formatCounts = (r: Record<string, number>): string => Object.entries(r).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k, v]) => `${k} ${v}`).join(', ');

/** What one engine measured. */
export interface EngineFigures {
  name: string;
  coldStartS: number;
  /** Push → objects applied, ms, with the fastest trigger the engine offers. */
  triggered: number[];
  triggerHow: string;
  /** Push → objects applied, ms, found by the engine's own polling. */
  polled: number[];
  rssMiB: number;
  /** RSS per process, when the engine is more than one. */
  rssParts?: Record<string, number>;
  cpuSecondsPerMinute: number;
  /** Writes per idle minute but the Lease's. */
  writesPerIdleMinute: number;
  /** Lease writes (leader election) per idle minute. */
  leaseWritesPerIdleMinute: number;
  /** How this engine ran leader election, as printed. */
  leaderElection: string;
  writesByResource: Record<string, number>;
  /** What the cold start cost: writes by the engine's identity, CPU seconds per process (engine, git server, control plane). */
  coldStart?: PhaseCost;
}

export interface PhaseCost {
  writes: { total: number; byKind: Record<string, number> };
  cpuSeconds: Record<string, number>;
  /** Requests the git server answered, by kind (git-server.ts requestKind). */
  gitRequests?: Record<string, number>;
  /** What the API server did meanwhile (all clients), from its /metrics. */
  apiServer?: ApiServerWork;
}

/** A phase's cost as printed: its writes (per app too), the CPU seconds of each process, the git server's requests and the API server's work. */
export function formatPhaseCost(what: string, apps: number, c: PhaseCost): string[] {
  const cpu = Object.entries(c.cpuSeconds).sort((a, b) => b[1] - a[1]);
  const total = cpu.reduce((n, [, v]) => n + v, 0);
  const git = Object.values(c.gitRequests ?? {}).reduce((n, v) => n + v, 0);
  return [
    `${what}: ${c.writes.total} writes (${(c.writes.total / apps).toFixed(1)} per app): ${formatCounts(c.writes.byKind)}`,
    `${what}: CPU ${total.toFixed(1)} s: ${cpu.map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`,
    ...(git ? [`${what}: git server requests ${git} (${(git / apps).toFixed(1)} per app): ${formatCounts(c.gitRequests!)}`] : []),
    ...(c.apiServer ? formatApiServerWork(what, c.apiServer) : []),
  ];
}

export interface Comparison {
  apps: number;
  deployments: number;
  objects: number;
  floorS: number;
  pollSeconds: number;
  idleS: number;
  /** Both engines' drift interval (Ria's --drift-interval, the Kustomizations' interval). */
  driftS: number;
  ria: EngineFigures;
  flux: EngineFigures;
  /** Lines describing the machine, versions and cluster limits, printed first. */
  setting: string[];
}

const ms = (x: number) => (Number.isNaN(x) ? 'n/a' : `${Math.round(x)} ms`);
const s1 = (x: number) => `${x.toFixed(1)} s`;
const times = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : 'n/a');
const byRes = (r: Record<string, number>) => Object.entries(r).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');

/** The comparison as printed: one line per figure, Ria's value, Flux's, and the ratio Ria / Flux. */
export function formatComparison(c: Comparison): string[] {
  const { ria, flux } = c;
  const p = (f: EngineFigures, list: 'triggered' | 'polled', q: number) => percentile(f[list], q);
  const ratio = (a: number, b: number) => times(a / b);
  const lines = [...c.setting, ''];
  lines.push(`N = ${c.apps} apps (${c.deployments} Deployments, ${c.objects} objects); Ria / Flux < 1 means Ria is ahead`);
  lines.push(`cold start, all N Ready: Ria ${s1(ria.coldStartS)}, Flux ${s1(flux.coldStartS)}: Ria/Flux ${ratio(ria.coldStartS, flux.coldStartS)}; ` +
    `floor (one bulk server-side apply, waited for) ${s1(c.floorS)}: Ria ${ratio(ria.coldStartS, c.floorS)}, Flux ${ratio(flux.coldStartS, c.floorS)} the floor`);
  for (const [list, what] of [['triggered', `fastest trigger (Ria: ${ria.triggerHow}; Flux: ${flux.triggerHow})`], ['polled', `found by polling (${c.pollSeconds} s interval, both)`]] as const) {
    lines.push(`push → objects applied, ${what}, ${ria[list].length}/${flux[list].length} pushes: ` +
      `p50 Ria ${ms(p(ria, list, 0.5))}, Flux ${ms(p(flux, list, 0.5))}: ${ratio(p(ria, list, 0.5), p(flux, list, 0.5))}; ` +
      `p90 Ria ${ms(p(ria, list, 0.9))}, Flux ${ms(p(flux, list, 0.9))}: ${ratio(p(ria, list, 0.9), p(flux, list, 0.9))}`);
  }
  const parts = (f: EngineFigures) => (f.rssParts ? ` (${Object.entries(f.rssParts).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(' + ')})` : '');
  lines.push(`at rest, measured over ${c.idleS} s after the pushes (and a settling pause):`);
  lines.push(`RSS at rest: Ria ${ria.rssMiB.toFixed(0)} MiB, Flux ${flux.rssMiB.toFixed(0)} MiB${parts(flux)}: ${ratio(ria.rssMiB, flux.rssMiB)}`);
  lines.push(`CPU at rest: Ria ${ria.cpuSecondsPerMinute.toFixed(2)} s/min, Flux ${flux.cpuSecondsPerMinute.toFixed(2)} s/min: ${ratio(ria.cpuSecondsPerMinute, flux.cpuSecondsPerMinute)}`);
  const writes = (f: EngineFigures) => {
    const { leases: _l, ...rest } = f.writesByResource;
    return `${f.writesPerIdleMinute.toFixed(0)}${Object.keys(rest).length ? ` (${byRes(rest)})` : ''}`;
  };
  lines.push(`API server writes per idle minute but the Lease's (audit log, by each engine's identity; both compare with the cluster every ${c.driftS} s): ` +
    `Ria ${writes(ria)}, Flux ${writes(flux)}`);
  lines.push(`Lease writes per idle minute (leader election; a leader must renew): Ria ${ria.leaseWritesPerIdleMinute.toFixed(0)} (${ria.leaderElection}), ` +
    `Flux ${flux.leaseWritesPerIdleMinute.toFixed(0)} (${flux.leaderElection})`);
  return lines;
}
