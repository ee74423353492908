import type { BuildState } from '../../crds/types.js';
import type { KubeObject } from '../../kube/objects.js';
import type { EngineContext } from '../context.js';
import { jobSecrets, prepareBuilderNamespace } from './builder-namespace.js';
import { builderNamespace } from './cluster-settings.js';

const SERVICE_LABEL = 'ria.dev/service';
const APP_LABEL = 'ria.dev/app';
const COMMIT_LABEL = 'ria.dev/commit';

interface JobStatus { conditions?: Array<{ type: string; status: string; message?: string; reason?: string }>; active?: number; startTime?: string; completionTime?: string }

/** The state of a build from its Job's conditions. */
export function buildPhase(status: JobStatus | undefined): { phase: BuildState['phase']; message?: string } {
  const failed = status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  if (failed) return { phase: 'Failed', message: failed.message ?? failed.reason ?? 'build failed' };
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
 * across engine restarts (the name is deterministic, so create is idempotent).
 */
export async function ensureBuilds(ctx: EngineContext, jobs: KubeObject[]): Promise<BuildState[]> {
  const states: BuildState[] = [];
  for (const job of jobs) {
    const ref = { apiVersion: 'batch/v1', kind: 'Job', namespace: job.metadata.namespace ?? ctx.namespace, name: job.metadata.name };
    let current: KubeObject | undefined = await ctx.objects.get<KubeObject>(ref);
    if (!current) {
      const missing = await prepareBuilderNamespace(ctx, ref.namespace, jobSecrets(job), ctx.settings().builder.egress, ctx.settings().builder.hostNetwork === true);
      if (missing.length) ctx.log.warn('build Secrets not found in Ria\'s namespace; the build may not start', { job: ref.name, secrets: missing });
      current = await ctx.objects.apply<KubeObject>({ ...job, metadata: { ...job.metadata, namespace: ref.namespace } });
      ctx.log.info('build started', { job: ref.name, service: job.metadata.labels?.[SERVICE_LABEL] });
    }
    const { phase, message } = buildPhase(current.status as JobStatus | undefined);
    states.push({
      service: job.metadata.labels?.[SERVICE_LABEL] ?? '', commit: job.metadata.labels?.[COMMIT_LABEL] ?? '',
      job: ref.name, image: destination(job), phase, ...(message ? { message } : {}),
    });
  }
  return states;
}

/**
 * Deletes build Jobs of this app whose commit no environment deploys any more ("newest commit
 * wins": a running build for a superseded commit is wasted work, a finished one is clutter).
 * Background propagation removes their pods.
 */
export async function deleteSupersededBuilds(ctx: EngineContext, app: string, liveCommits: ReadonlySet<string>): Promise<string[]> {
  const namespace = builderNamespace(ctx.namespace);
  const jobs = await ctx.objects.list('batch/v1', 'Job', { namespace, labelSelector: `${APP_LABEL}=${app},app.kubernetes.io/managed-by=ria` });
  const deleted: string[] = [];
  for (const job of jobs) {
    const commit = job.metadata.labels?.[COMMIT_LABEL];
    if (!commit || liveCommits.has(commit)) continue;
    await ctx.objects.delete({ apiVersion: 'batch/v1', kind: 'Job', namespace, name: job.metadata.name });
    deleted.push(job.metadata.name);
  }
  return deleted;
}
