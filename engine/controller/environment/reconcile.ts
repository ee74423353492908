import { createHash } from 'node:crypto';
import type { App, Environment, EnvironmentStatus, InventoryEntry, LocatedError } from '../../crds/types.js';
import { API_VERSION } from '../../crds/types.js';
import { parseRiofile } from '../../riofile/index.js';
import { RiofileError } from '../../riofile/errors.js';
import { render } from '../../render/index.js';
import type { Environment as RenderEnvironment, RenderResult } from '../../render/types.js';
import { GitError } from '../../git/index.js';
import { RiaError, errorMessage } from '../../errors.js';
import type { KubeObject } from '../../kube/objects.js';
import { KubeApiError } from '../../kube/errors.js';
import type { EngineContext, ReconcileResult } from '../context.js';
import { ConditionType, conditionMessage, getCondition, removeCondition, setCondition } from '../conditions.js';
import { loadRiofileText } from './source.js';
import { checkPolicy } from './policy.js';
import { ensureBuilds } from './builds.js';
import { applyEnvironmentObjects, workloadKey } from './apply.js';
import { referencedSecrets, secretCopies } from './secrets.js';
import { toPrune } from './prune.js';
import { environmentReadiness } from './readiness.js';
import { writeStatus, shortCommit } from './status.js';
import { ensureFinalizer, finalizeEnvironment } from './finalize.js';
import { clusterSettings } from './cluster-settings.js';

/** What the engine remembers between reconciles. Only an optimisation: losing it costs one re-apply. */
export interface ReconcileMemory {
  /** Environment key -> when its objects were last applied or checked for drift. */
  lastApplied: Map<string, number>;
  /** Workload (`Kind/ns/name`) -> generation Ria's last apply produced. */
  applied: Map<string, number>;
  /**
   * Workload -> newest generation the watch saw (-1: deleted). Higher than `applied` means
   * someone else changed the spec (kubectl scale/edit): re-apply. Compared in the reconcile, not
   * in the watch handler, so the watch event of Ria's own apply (which may arrive before the
   * apply's response) is never mistaken for an edit.
   */
  observed: Map<string, number>;
}

/** Pure: workloads of the inventory changed or deleted by someone else since Ria applied them. */
export function driftedWorkloads(memory: Pick<ReconcileMemory, 'applied' | 'observed'>, inventory: readonly InventoryEntry[] | undefined): string[] {
  const drifted: string[] = [];
  for (const entry of inventory ?? []) {
    const key = workloadKey(entry);
    const applied = memory.applied.get(key);
    const observed = memory.observed.get(key);
    if (applied !== undefined && observed !== undefined && (observed === -1 || observed > applied)) drifted.push(key);
  }
  return drifted;
}

/** The key of an environment in ReconcileMemory. */
export function memoryKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export interface ReconcileOutcome {
  result: ReconcileResult;
  requeueAfterMs?: number;
  /** The Environment as this reconcile left it (status included), for reporting without a re-read. */
  env?: Environment;
  /** A failure already written to the status (the caller retries with backoff). */
  error?: Error;
}

const RETRY_MS = 5_000;

/**
 * One environment, one pass: source → Riofile → policy → render → builds → apply → prune →
 * status. Every failure keeps what runs (nothing is deleted unless a new render succeeded and
 * was applied) and lands in the Environment's status as a condition with a located error.
 */
export async function reconcileEnvironment(ctx: EngineContext, memory: ReconcileMemory, namespace: string, name: string): Promise<ReconcileOutcome> {
  const env = await ctx.objects.get<Environment & { metadata: { name: string } }>({ apiVersion: API_VERSION, kind: 'Environment', namespace, name });
  if (!env) return { result: 'noop' };
  // writeStatus keeps env.status current, so the object returned is what the cluster holds now.
  return { ...(await reconcileLoaded(ctx, memory, env, namespace, name)), env };
}

async function reconcileLoaded(ctx: EngineContext, memory: ReconcileMemory, env: Environment & { metadata: { name: string } },
  namespace: string, name: string): Promise<ReconcileOutcome> {
  const key = memoryKey(namespace, name);
  if (env.metadata.deletionTimestamp) {
    const done = await finalizeEnvironment(ctx, env);
    memory.lastApplied.delete(key);
    if (done === 'done') {
      for (const entry of env.status?.inventory ?? []) { memory.applied.delete(workloadKey(entry)); memory.observed.delete(workloadKey(entry)); }
    }
    return done === 'done' ? { result: 'success' } : { result: 'requeue', requeueAfterMs: 1_000 };
  }
  const now = ctx.now();
  const status: EnvironmentStatus = structuredClone(env.status ?? {});
  const app = await ctx.objects.get<App & { metadata: { name: string } }>({ apiVersion: API_VERSION, kind: 'App', namespace, name: env.spec.app });
  if (!app) {
    await writeStatus(ctx, env, stalled(status, env, now, 'AppMissing', `App ${env.spec.app} does not exist`));
    return { result: 'stalled' };
  }
  // Same commit, same app config, same settings as last time: nothing can have changed but drift.
  const inputsHash = createHash('sha256').update(JSON.stringify([env.spec, app.spec, ctx.settings()])).digest('hex').slice(0, 16);
  const upToDate = status.inputsHash === inputsHash && status.observedGeneration === env.metadata.generation
    && (status.phase === 'Ready' || (status.phase === 'Failed' && isStalled(status)))
    && driftedWorkloads(memory, status.inventory).length === 0 && now.getTime() - (memory.lastApplied.get(key) ?? now.getTime()) < ctx.driftIntervalMs;
  if (upToDate) {
    if (!memory.lastApplied.has(key)) memory.lastApplied.set(key, now.getTime());
    return { result: 'noop' };
  }
  await ensureFinalizer(ctx, env);
  status.inputsHash = inputsHash;

  const commit = env.spec.commit;
  status.observedCommit = commit;
  status.observedGeneration = env.metadata.generation;
  status.shortCommit = shortCommit(status.appliedCommit ?? commit);

  // Source and Riofile: a broken commit never takes down what runs.
  let result: RenderResult;
  let secretNames: string[];
  try {
    const { text, file } = await loadRiofileText(ctx, app, env);
    const riofile = parseRiofile(text, { file, answers: app.spec.answers ?? {}, namespace: env.spec.namespace, revision: commit });
    const violation = checkPolicy(riofile, app.spec, app.metadata.name, file, text);
    if (violation) throw violation;
    result = render({
      riofile, environment: renderEnvironment(env), cluster: clusterSettings(ctx.settings(), ctx.namespace),
      source: { repoUrl: app.spec.repo, ...(app.spec.cloneSecret ? { cloneSecretName: app.spec.cloneSecret } : {}) },
    });
    secretNames = referencedSecrets(riofile);
  } catch (err) {
    if (err instanceof GitError || (err instanceof RiaError && err.code === 'CloneSecretMissing')) {
      status.conditions = setCondition(status.conditions, { type: ConditionType.Reconciling, status: 'True', reason: 'SourceUnavailable', message: conditionMessage(err.message) }, now);
      await writeStatus(ctx, env, status);
      return { result: 'requeue', requeueAfterMs: RETRY_MS };
    }
    if (err instanceof RiaError) {
      const reason = err instanceof RiofileError ? 'RiofileInvalid' : err.code;
      await writeStatus(ctx, env, stalled(status, env, now, reason, err instanceof RiofileError ? err.summary(1024) : err.message, locate(err)));
      return { result: 'stalled' };
    }
    throw err;
  }
  status.warnings = result.warnings.map((w) => `${w.path}: ${w.message}`);
  if (status.warnings.length === 0) delete status.warnings;

  // Builds: one Job per (app, service, commit); the Job watch requeues us when one finishes.
  const builds = await ensureBuilds(ctx, result.buildJobs);
  if (builds.length) status.builds = builds; else delete status.builds;
  const failedBuild = builds.find((b) => b.phase === 'Failed');
  if (failedBuild) {
    await writeStatus(ctx, env, stalled(status, env, now, 'BuildFailed', `build of ${failedBuild.service} failed (Job ${ctx.namespace}/${failedBuild.job}): ${failedBuild.message ?? ''}`));
    return { result: 'stalled' };
  }
  if (builds.some((b) => b.phase !== 'Succeeded')) {
    status.phase = 'Building';
    status.conditions = setCondition(status.conditions, { type: ConditionType.Reconciling, status: 'True', reason: 'Building',
      message: `building ${builds.filter((b) => b.phase !== 'Succeeded').map((b) => b.service).join(', ')} at ${shortCommit(commit)}` }, now);
    await writeStatus(ctx, env, status);
    return { result: 'requeue', requeueAfterMs: 60_000 };
  }

  // Apply (only when the desired state changed, or for drift), then prune.
  const labels = result.objects[0]?.metadata.labels ?? {};
  const secrets = await secretCopies(ctx, secretNames, app.spec.secretsFrom, env.spec.namespace, labels);
  const objects = [...result.objects.slice(0, 1), ...secrets.objects, ...result.objects.slice(1)];
  const hash = createHash('sha256').update(JSON.stringify(objects)).digest('hex').slice(0, 16);
  const drifted = driftedWorkloads(memory, status.inventory);
  if (drifted.length) ctx.log.info('owned objects changed by someone else; re-applying', { environment: name, objects: drifted });
  const mustApply = hash !== status.appliedHash || drifted.length > 0 || now.getTime() - (memory.lastApplied.get(key) ?? 0) >= ctx.driftIntervalMs;
  let live: Map<string, KubeObject> | undefined;
  if (mustApply) {
    let applied: Awaited<ReturnType<typeof applyEnvironmentObjects>>;
    try {
      applied = await applyEnvironmentObjects(ctx, objects, status.inventory);
    } catch (err) {
      if (!(err instanceof KubeApiError)) throw err;
      // The API server refused an object (invalid, over quota, a full Service IP range...). What
      // ran before keeps running (nothing is pruned) and the reason is where users look.
      await writeStatus(ctx, env, applyFailed(status, env, now, err));
      return { result: 'failed', error: err };
    }
    ctx.log.debug('applied', { environment: name, objects: applied.inventory.length, conflicts: applied.conflicts });
    for (const [workload, generation] of applied.generations) {
      memory.applied.set(workload, generation);
      // Older than what Ria just produced: a stale event, not an edit.
      if ((memory.observed.get(workload) ?? 0) < generation) memory.observed.delete(workload);
    }
    live = applied.live;
    for (const entry of toPrune(status.inventory, applied.inventory)) {
      if (entry.kind === 'Namespace' && entry.name === env.spec.namespace) continue;
      memory.applied.delete(workloadKey(entry));
      memory.observed.delete(workloadKey(entry));
      await ctx.objects.delete(entry);
      ctx.log.info('pruned', { environment: name, object: `${entry.kind}/${entry.namespace ?? ''}/${entry.name}` });
    }
    memory.lastApplied.set(key, now.getTime());
    if (hash !== status.appliedHash) status.lastAppliedTime = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    status.inventory = applied.inventory;
    status.appliedHash = hash;
    status.appliedCommit = commit;
    status.shortCommit = shortCommit(commit);
    if (applied.conflicts.length) {
      status.conditions = setCondition(status.conditions, { type: 'FieldsTakenOver', status: 'True', reason: 'ConflictForced', message: conditionMessage(applied.conflicts.join('; ')) }, now);
    }
  }
  status.urls = result.urls;
  const firstUrl = Object.values(result.urls).flat()[0];
  if (firstUrl) status.url = firstUrl; else delete status.url;
  delete status.lastError;
  status.conditions = setCondition(status.conditions, { type: ConditionType.Stalled, status: 'False', reason: 'Applied', message: '' }, now);
  if (secrets.missing.length) {
    status.conditions = setCondition(status.conditions, { type: 'SecretsReady', status: 'False', reason: 'SecretMissing',
      message: `Secrets ${secrets.missing.join(', ')} not found in namespace ${app.spec.secretsFrom ?? '(no secretsFrom set for this app)'}` }, now);
  } else status.conditions = removeCondition(status.conditions, 'SecretsReady');

  // Right after an apply, its responses say it all (a changed workload is not ready yet): no reads.
  const readiness = await environmentReadiness(ctx, objects, live);
  if (readiness.ready) {
    status.phase = 'Ready';
    status.conditions = setCondition(status.conditions, { type: ConditionType.Ready, status: 'True', reason: 'Deployed', message: `deployed ${shortCommit(commit)}` }, now);
    status.conditions = setCondition(status.conditions, { type: ConditionType.Reconciling, status: 'False', reason: 'Deployed', message: '' }, now);
  } else {
    status.phase = 'Deploying';
    status.conditions = setCondition(status.conditions, { type: ConditionType.Ready, status: 'False', reason: 'Progressing', message: conditionMessage(readiness.waiting.join('; ')) }, now);
    status.conditions = setCondition(status.conditions, { type: ConditionType.Reconciling, status: 'True', reason: 'Progressing', message: conditionMessage(readiness.waiting.join('; ')) }, now);
  }
  const wrote = await writeStatus(ctx, env, status);
  return readiness.ready ? { result: mustApply || wrote ? 'success' : 'noop' } : { result: 'requeue', requeueAfterMs: 30_000 };
}

/**
 * An apply the API server refused: Failed with the server's message, not Stalled (it is retried
 * with backoff). 4xx means the objects need a change (ApplyRefused: the user's to fix), anything
 * else is the cluster's trouble (ApplyFailed).
 */
function applyFailed(status: EnvironmentStatus, env: Environment, now: Date, err: KubeApiError): EnvironmentStatus {
  const reason = err.status >= 400 && err.status < 500 && err.status !== 429 ? 'ApplyRefused' : 'ApplyFailed';
  const message = conditionMessage(`${err.message}; retrying with backoff, the objects of the last good commit keep running`);
  const next: EnvironmentStatus = { ...status, phase: 'Failed', observedCommit: env.spec.commit, observedGeneration: env.metadata.generation ?? 0, lastError: { message } };
  next.conditions = setCondition(next.conditions, { type: ConditionType.Ready, status: 'False', reason, message }, now);
  next.conditions = setCondition(next.conditions, { type: ConditionType.Reconciling, status: 'True', reason, message }, now);
  next.conditions = setCondition(next.conditions, { type: ConditionType.Stalled, status: 'False', reason, message: '' }, now);
  return next;
}

function isStalled(status: EnvironmentStatus): boolean {
  return getCondition(status.conditions, ConditionType.Stalled)?.status === 'True';
}

/** A person must act (bad Riofile, failed build): Failed + Stalled, the running objects untouched. */
function stalled(status: EnvironmentStatus, env: Environment, now: Date, reason: string, message: string, lastError?: LocatedError): EnvironmentStatus {
  const next: EnvironmentStatus = { ...status, phase: 'Failed', observedCommit: env.spec.commit, observedGeneration: env.metadata.generation ?? 0 };
  next.lastError = lastError ?? { message: conditionMessage(message) };
  next.conditions = setCondition(next.conditions, { type: ConditionType.Ready, status: 'False', reason, message: conditionMessage(message) }, now);
  next.conditions = setCondition(next.conditions, { type: ConditionType.Stalled, status: 'True', reason, message: conditionMessage(message) }, now);
  next.conditions = setCondition(next.conditions, { type: ConditionType.Reconciling, status: 'False', reason, message: '' }, now);
  return next;
}

function locate(err: RiaError): LocatedError {
  if (err instanceof RiofileError) {
    const first = err.issues[0]!;
    return { message: conditionMessage(err.format()), file: first.file, line: first.line, column: first.column, path: first.path };
  }
  return { message: conditionMessage(errorMessage(err)) };
}

export function renderEnvironment(env: Environment): RenderEnvironment {
  const { app, commit, namespace } = env.spec;
  return env.spec.kind === 'pr'
    ? { app, kind: 'pr', pr: env.spec.pullRequest ?? 0, commit, namespace }
    : { app, kind: 'branch', branch: env.spec.branch ?? env.spec.target, commit, namespace };
}
