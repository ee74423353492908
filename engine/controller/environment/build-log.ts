/**
 * Reads why a build failed from its pod: which container failed (the source fetch or Kaniko), and
 * the last lines it printed. Best effort: a pod already gone, or logs the API server cannot
 * reach, leave the Job's own message, never fail the reconcile.
 */
import type { EngineContext } from '../context.js';
import { BUILD_LOG_BYTES, BUILD_LOG_LINES, failedContainer, failureSummary, logTail, type PodLike } from './build-failure.js';

export interface BuildFailure {
  /** The container that failed (`fetch-source`, `kaniko`). */
  container?: string;
  /** One line: the step and the cause (`RUN npm ci: exit status 1`), or why the container did not run. */
  summary?: string;
  /** The last lines of its log, bounded and redacted. */
  tail: string[];
}

export async function readBuildFailure(ctx: EngineContext, namespace: string, job: string): Promise<BuildFailure> {
  try {
    const pods = await ctx.objects.list<PodLike>('v1', 'Pod', { namespace, labelSelector: `job-name=${job}` });
    const pod = pods.sort((a, b) => (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? ''))[0];
    if (!pod?.metadata?.name) return { tail: [] };
    const failed = failedContainer(pod);
    if (!failed) return { tail: [] };
    if (failed.exitCode === undefined || !ctx.podLog) {
      return { container: failed.name, ...(failed.reason ? { summary: `${failed.name}: ${failed.reason}` } : {}), tail: [] };
    }
    // A few more lines than kept: blank ones are dropped.
    const text = await ctx.podLog(namespace, pod.metadata.name, failed.name, { tailLines: BUILD_LOG_LINES * 2, limitBytes: BUILD_LOG_BYTES * 16 });
    const tail = logTail(text);
    const summary = failureSummary(tail) || `${failed.name} exited with code ${failed.exitCode}`;
    return { container: failed.name, summary, tail };
  } catch (err) {
    ctx.log.warn('could not read the failed build\'s log', { job, error: (err as Error).message });
    return { tail: [] };
  }
}
