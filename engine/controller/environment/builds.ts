import type { BuildState } from '../../crds/types.js';
import type { KubeObject } from '../../kube/objects.js';
import type { EngineContext } from '../context.js';
import { jobSecrets, prepareBuilderNamespace } from './builder-namespace.js';
import { builderNamespace } from './cluster-settings.js';
import { imageInRegistry } from './image-reuse.js';
import { readBuildFailure } from './build-log.js';
import { Reason } from '../reasons.js';

const SERVICE_LABEL = 'ria.dev/service';
const APP_LABEL = 'ria.dev/app';
const COMMIT_LABEL = 'ria.dev/commit';

interface JobStatus { conditions?: Array<{ type: string; status: string; message?: string; reason?: string }>; active?: number; startTime?: string; completionTime?: string }

/** The state of a build from its Job's conditions. */
export function buildPhase(status: JobStatus | undefined): { phase: BuildState['phase']; message?: string; reason?: string } {
  const failed = status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  if (failed) return { phase: 'Failed', message: failed.message ?? failed.reason ?? 'build failed', ...(failed.reason ? { reason: failed.reason } : {}) };
  if (status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')) return { phase: 'Succeeded' };
  return { phase: status?.active ? 'Running' : 'Pending' };
}

function destination(job: KubeObject): string {
  const containers = ((job.spec as { template?: { spec?: { containers?: Array<{ args?: string[] }> } } })?.template?.spec?.containers) ?? [];
  for (const c of containers) {
    for (const a of c.args ?? []) if (a.startsWith('--destination=')) return a.slice('--destination='.length);
  }
  return '';
}

/**
 * Makes sure a build Job exists for each (app, service, commit) and reports their states. A Job
 * that already exists is reused, whatever its state: one build per commit and service, also
 * across engine restarts (the name is deterministic, so create is idempotent). Before a Job is
 * created, the registry is asked whether the image is there already (image-reuse.ts): then no
 * Job. A failed build's state carries the failed container's last log lines (build-log.ts).
 * `previous`: the builds this environment recorded last time (a reuse or a log read is not
 * repeated for the same Job).
 */
export async function ensureBuilds(ctx: EngineContext, jobs: KubeObject[], previous: readonly BuildState[] = [], preview = false): Promise<BuildState[]> {
  const states: BuildState[] = [];
  for (const job of jobs) {
    const ref = { apiVersion: 'batch/v1', kind: 'Job', namespace: job.metadata.namespace ?? ctx.namespace, name: job.metadata.name };
    const base = {
      service: job.metadata.labels?.[SERVICE_LABEL] ?? '', commit: job.metadata.labels?.[COMMIT_LABEL] ?? '',
      job: ref.name, image: destination(job),
    };
    const before = previous.find((b) => b.job === ref.name && b.commit === base.commit);
    let current: KubeObject | undefined = await ctx.objects.get<KubeObject>(ref);
    if (!current) {
      // Decided before for this very Job: reused, or built and since cleaned up (ttl): not asked again.
      if (before?.reused || before?.phase === 'Succeeded') { states.push(before); continue; }
      if (await imageInRegistry(ctx, base.image, preview)) {
        ctx.log.info('image already in the registry; build skipped', { job: ref.name, image: base.image });
        states.push({ ...base, phase: 'Succeeded', reused: true, message: 'image already in the registry; build skipped' });
        continue;
      }
      const missing = await prepareBuilderNamespace(ctx, ref.namespace, jobSecrets(job), ctx.settings().builder.egress, ctx.settings().builder.hostNetwork === true);
      if (missing.length) ctx.log.warn('build Secrets not found in Ria\'s namespace; the build may not start', { job: ref.name, secrets: missing });
      current = await ctx.objects.apply<KubeObject>({ ...job, metadata: { ...job.metadata, namespace: ref.namespace } });
      ctx.log.info('build started', { job: ref.name, service: base.service });
    }
    const { phase, message, reason } = buildPhase(current.status as JobStatus | undefined);
    if (phase !== 'Failed') { states.push({ ...base, phase, ...(message ? { message } : {}) }); continue; }
    if (before?.phase === 'Failed' && (before.logTail !== undefined || before.failedContainer !== undefined)) { states.push(before); continue; }
    const failure = await readBuildFailure(ctx, ref.namespace, ref.name);
    states.push({
      ...base, phase, message: failedBecause(failure.summary, message, reason),
      ...(failure.container ? { failedContainer: failure.container } : {}),
      ...(failure.tail.length ? { logTail: failure.tail.join('\n') } : {}),
    });
  }
  return states;
}

/**
 * Pure: why a build failed, in one line. The failed step says it best (`RUN npm ci: exit status
 * 1`); a build stopped by its deadline says that first (what ran last is no cause).
 */
export function failedBecause(summary: string | undefined, jobMessage: string | undefined, jobReason: string | undefined): string {
  if (jobReason === 'DeadlineExceeded') return `timed out: ${jobMessage ?? 'the build ran longer than builder.timeout'}${summary ? ` (last: ${summary})` : ''}`;
  return summary ?? jobMessage ?? 'build failed';
}

/**
 * Deletes build Jobs of this app whose commit no environment deploys any more ("newest commit
 * wins": a running build for a superseded commit is wasted work, a finished one is clutter).
 * Background propagation removes their pods. A build stopped while it ran is logged and, with
 * `app` given, said in an Event on the App (the environment's own step says it on the
 * Environment when it gets there first).
 */
export async function deleteSupersededBuilds(ctx: EngineContext, app: string, liveCommits: ReadonlySet<string>,
  target?: import('../events.js').EventTarget): Promise<string[]> {
  const namespace = builderNamespace(ctx.namespace);
  const jobs = await ctx.objects.list('batch/v1', 'Job', { namespace, labelSelector: `${APP_LABEL}=${app},app.kubernetes.io/managed-by=ria` });
  const deleted: string[] = [];
  for (const job of jobs) {
    const commit = job.metadata.labels?.[COMMIT_LABEL];
    if (!commit || liveCommits.has(commit)) continue;
    if (!await ctx.objects.delete({ apiVersion: 'batch/v1', kind: 'Job', namespace, name: job.metadata.name })) continue;
    deleted.push(job.metadata.name);
    const { phase } = buildPhase(job.status as JobStatus | undefined);
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    const service = job.metadata.labels?.[SERVICE_LABEL] ?? '';
    ctx.log.info('superseded build stopped', { app, job: job.metadata.name, commit });
    if (target) {
      await ctx.events.record(target, 'Normal', Reason.BuildSuperseded,
        `stopped the build of ${service} at ${commit.slice(0, 7)} (Job ${namespace}/${job.metadata.name}): no environment of ${app} deploys that commit any more`);
    }
  }
  return deleted;
}
