import type { KubernetesObject } from '@kubernetes/client-node';
import { buildPhase } from './environment/builds.js';

export interface FinishedBuild { app: string; service: string; seconds: number; ok: boolean }

interface JobLike extends KubernetesObject {
  status?: {
    startTime?: string; completionTime?: string; active?: number;
    conditions?: Array<{ type: string; status: string; lastTransitionTime?: string; message?: string; reason?: string }>;
  };
}

/**
 * Build durations from the build Job watch: a Job seen running (or pending) and then finished is
 * reported once, timed from its `startTime` to its `completionTime` (or to when it was marked
 * Failed). A Job first seen already finished (the engine started after it ended) is not reported:
 * its end was not seen, and a restart must not count every old build again. The set holds only
 * the builds in flight.
 */
export class BuildTimings {
  private readonly inFlight = new Set<string>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Feed every watch event of a build Job; returns the build when this event is its end. */
  observe(job: JobLike, event: 'add' | 'update' | 'delete'): FinishedBuild | undefined {
    const uid = job.metadata?.uid ?? `${job.metadata?.namespace}/${job.metadata?.name}`;
    if (event === 'delete') { this.inFlight.delete(uid); return undefined; }
    const { phase } = buildPhase(job.status);
    if (phase !== 'Succeeded' && phase !== 'Failed') { this.inFlight.add(uid); return undefined; }
    if (!this.inFlight.delete(uid)) return undefined;
    const ok = phase === 'Succeeded';
    const end = ok ? job.status?.completionTime : job.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True')?.lastTransitionTime;
    const start = job.status?.startTime;
    const seconds = start ? Math.max(0, (time(end) ?? this.now().getTime()) - time(start)!) / 1000 : 0;
    const labels = job.metadata?.labels ?? {};
    return { app: labels['ria.dev/app'] ?? '', service: labels['ria.dev/service'] ?? '', seconds, ok };
  }

  /** Builds being watched until they end (tests). */
  get size(): number { return this.inFlight.size; }
}

function time(t: string | undefined): number | undefined {
  if (t === undefined) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}
