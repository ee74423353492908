import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { API_VERSION } from '../../crds/types.js';
import { parseRiofile } from '../../riofile/index.js';
import { RiofileError, RiofileErrorCode } from '../../riofile/errors.js';
import { render } from '../../render/index.js';
import { GitError, GitTooLargeError } from '../../git/index.js';
import { RiaError, errorMessage } from '../../errors.js';
import type { LocatedError } from '../../crds/types.js';
import { ConditionType, conditionMessage, getCondition, removeCondition, setCondition } from '../conditions.js';
import { Reason } from '../reasons.js';
import { loadRiofileText, RiofileMissingError } from './source.js';
import { RenderError } from '../../render/errors.js';
import { checkPolicy } from './policy.js';
import { ensureBuilds } from './builds.js';
import { applyEnvironmentObjects, type ApplyOnly } from './apply.js';
import { referencedSecrets, secretCopies } from './secrets.js';
import { inventoryKey, pruneEntry, toPrune } from './prune.js';
import { environmentOwner } from './ownership.js';
import { leftoverInventory } from './leftovers.js';
import { identityObjects } from './identity.js';
import { environmentReadiness } from './readiness.js';
import { shortCommit } from './status.js';
import { ensureFinalizer, finalizeEnvironment } from './finalize.js';
import { appRenderSettings, routingSettings } from './cluster-settings.js';
import { isProductionBranch } from '../../config/production.js';
import { gatewayInfo } from './gateway-info.js';
import { routesServing } from './route-serving.js';
import { locateWarnings } from './warning-lines.js';
import { driftCheckDue, driftedWorkloads, forgetWorkloads, namespaceRouteScope, watchedWorkloads } from './memory.js';
import { checkDrift } from './drift.js';
import { renderEnvironment } from './render-environment.js';
import { applyFrame, frameContext, frameHash } from './frame.js';
import { compareResourceVersions } from '../app-view.js';
import { StalledError, type LoadedApp, type LoadedEnvironment, type NamedStep, type Outcome, type ReconcileRun } from './outcome.js';
import { buildFailedMessage, logsHint } from './build-failure.js';
import { builderNamespace } from './cluster-settings.js';
import { APP_LABEL } from '../app/sync.js';
import type { BuildState, InventoryEntry } from '../../crds/types.js';
import { keptVersionObjects, planRollouts, recordVersionObjects, rolledBackWorkloads, rolloutBusy, rolloutOutcome } from './rollout.js';
import { workloadKey } from './apply.js';
import { refOf, type KubeObject } from '../../kube/objects.js';

const RETRY_MS = 5_000;

/**
 * The App this environment belongs to; without it nothing can be rendered. Given by the engine
 * from its view of the Apps when that copy is at least as new as any it wrote or saw (engine.ts,
 * usableAppCopy); read otherwise.
 */
export async function loadApp(run: ReconcileRun): Promise<Outcome | undefined> {
  const { ctx, env } = run;
  if (run.app?.metadata.name === env.spec.app) return undefined;
  const app = await ctx.objects.get<LoadedApp>({ apiVersion: API_VERSION, kind: 'App', namespace: env.metadata.namespace!, name: env.spec.app });
  if (!app) throw new StalledError(Reason.AppMissing, `App ${env.spec.app} does not exist`);
  run.app = app;
  return undefined;
}

/** Same commit, same app config, same settings as last time: nothing can have changed but drift. */
export async function checkUpToDate(run: ReconcileRun): Promise<Outcome | undefined> {
  const { ctx, env, memory, status, now, key } = run;
  const gateway = ctx.settings().gateway;
  // What the Gateway's controller serves is an input too: a gateway that comes or goes re-renders.
  if (gateway) run.gateway = await gatewayInfo(ctx.objects, gateway, now.getTime());
  const inputsHash = createHash('sha256').update(JSON.stringify([env.spec, run.app!.spec, ctx.settings(), run.gateway?.served, run.gateway?.supportedFeatures]))
    .digest('hex').slice(0, 16);
  // The frame this engine computes from them (frame.ts): another one than recorded (an engine
  // that computes it differently, or none recorded: the environment was last reconciled by an
  // older engine) is not up to date either, so the frame step runs on the first reconcile after an upgrade.
  run.frameHash = frameHash(frameContext(ctx.settings(), run.app!.spec, env, ctx.namespace), run.app!.spec);
  const settled = status.phase === 'Ready' || (status.phase === 'Failed' && getCondition(status.conditions, ConditionType.Stalled)?.status === 'True');
  const upToDate = status.inputsHash === inputsHash && status.observedGeneration === env.metadata.generation && settled && status.frameHash === run.frameHash
    && driftedWorkloads(memory, status.inventory).length === 0 && (!memory.lastApplied.has(key) || !driftCheckDue(memory, key, now.getTime(), ctx.driftIntervalMs))
    && !rolloutBusy(status, env.metadata.annotations);
  if (upToDate) {
    if (!memory.lastApplied.has(key)) memory.lastApplied.set(key, now.getTime());
    return { kind: 'noop' };
  }
  run.sameInputs = status.inputsHash === inputsHash && status.observedGeneration === env.metadata.generation;
  status.inputsHash = inputsHash;
  status.observedCommit = env.spec.commit;
  status.observedGeneration = env.metadata.generation;
  status.shortCommit = shortCommit(status.appliedCommit ?? env.spec.commit);
  return undefined;
}

export async function addFinalizer(run: ReconcileRun): Promise<Outcome | undefined> {
  await ensureFinalizer(run.ctx, run.env);
  return undefined;
}

/**
 * A rollout being waited for, nothing else: this process rendered, applied and pruned these very
 * inputs (same commit, app spec, settings: the render would come out the same), the last
 * reconcile ended waiting for the workloads to roll out, and nothing is due (no drift seen, no
 * drift check, no versioned rollout, no gateway routes, no Secret missing). Then only the
 * inventory's workloads are read: no fetch, no Riofile, no render. This is the reconcile a
 * Deployment's status events ask for after every first deploy (a cold start: one per
 * environment). Anything else goes the whole way (after a restart too: memory is empty).
 */
export async function checkRolloutOnly(run: ReconcileRun): Promise<Outcome | undefined> {
  const { ctx, env, memory, status, now, key } = run;
  const waitingForRollout = run.sameInputs && status.phase === 'Deploying' && status.appliedCommit === env.spec.commit && status.appliedHash !== undefined
    && getCondition(status.conditions, ConditionType.Ready)?.reason === Reason.Progressing;
  if (!waitingForRollout || status.rollout || rolloutBusy(status, env.metadata.annotations) || ctx.settings().gateway
    || getCondition(status.conditions, ConditionType.SecretsReady)?.status === 'False' || status.builds?.some((b) => b.phase !== 'Succeeded')
    || driftedWorkloads(memory, status.inventory).length > 0 || driftCheckDue(memory, key, now.getTime(), ctx.driftIntervalMs)) return undefined;
  const workloads = (status.inventory ?? []).filter((e) => e.kind === 'Deployment' || e.kind === 'DaemonSet')
    .map((e): KubeObject => ({ apiVersion: e.apiVersion, kind: e.kind, metadata: { name: e.name, ...(e.namespace ? { namespace: e.namespace } : {}) } }));
  // The Deployments as the watch delivered them (the event that woke this check is in them), when at Ria's generation.
  const readiness = await environmentReadiness(ctx, workloads, watchedWorkloads(memory, workloads.map((w) => workloadKey(refOf(w)))));
  if (readiness.ready) return { kind: 'ready' };
  return { kind: 'waiting', reason: Reason.Progressing, phase: 'Deploying', message: readiness.waiting.join('; '), requeueAfterMs: 30_000, ...stuckOf(readiness) };
}

/**
 * Source, Riofile, policy, render. A broken commit never takes down what runs: an unreachable
 * source waits, an invalid Riofile stalls with the located error.
 */
export async function renderCommit(run: ReconcileRun): Promise<Outcome | undefined> {
  const { ctx, env, status } = run;
  const app = run.app!;
  try {
    const { text, file } = await loadRiofileText(ctx, app, env);
    const riofile = parseRiofile(text, { file, answers: app.spec.answers ?? {}, namespace: env.spec.namespace, revision: env.spec.commit });
    const violation = checkPolicy({
      riofile, source: text, file, app: app.metadata.name, spec: app.spec, namespace: env.spec.namespace, kind: env.spec.kind,
      environment: renderEnvironment(env), cluster: routingSettings(ctx.settings()),
    });
    if (violation) throw violation;
    // Versioned services: the planner decides this commit's version and the weights (rollout.ts).
    const rollouts = await planRollouts(run, riofile);
    run.rendered = render({
      riofile, environment: renderEnvironment(env), ...appRenderSettings(ctx.settings(), app.spec, ctx.namespace, run.gateway?.supportedFeatures, env.spec.kind === 'branch' && isProductionBranch(app.spec, env.spec.branch ?? env.spec.target)),
      ...(rollouts ? { rollouts } : {}),
    });
    recordVersionObjects(run);
    run.secretNames = referencedSecrets(riofile);
    // Warnings name the Riofile line as well as the path: that is where users look.
    status.warnings = locateWarnings(text, file, run.rendered.warnings);
  } catch (err) {
    // Too large for the limits of ria.yaml: the same next time; a person makes the commit smaller
    // or raises the limit (a new commit, or the settings, is a new input: reconciled again).
    if (err instanceof GitTooLargeError) throw new StalledError(err.code, err.message, { message: conditionMessage(err.message) });
    if (err instanceof GitError || (err instanceof RiaError && err.code === Reason.CloneSecretMissing)) {
      return { kind: 'waiting', reason: Reason.SourceUnavailable, message: err.message, requeueAfterMs: RETRY_MS };
    }
    if (err instanceof RiofileError) throw new StalledError(err.code === RiofileErrorCode.Policy ? Reason.PolicyDenied : Reason.RiofileInvalid, err.summary(1024), locate(err));
    const reason = stalledReason(err);
    if (reason) throw new StalledError(reason, errorMessage(err), { message: conditionMessage(errorMessage(err)) });
    throw err;
  }
  if (status.warnings?.length === 0) delete status.warnings;
  return undefined;
}

/**
 * Builds: one Job per (app, service, commit); the Job watch requeues us when one finishes. A build
 * this environment started for an earlier commit and still running is stopped first (superseded).
 * The registry may have the image already: then no Job (reused). A failed build stalls the
 * environment with its last log lines; what ran before keeps running.
 */
export async function runBuilds(run: ReconcileRun): Promise<Outcome | undefined> {
  const { ctx, status, env } = run;
  const recorded = status.builds ?? [];
  await stopSupersededBuilds(run, recorded);
  const previous = new Set(recorded.filter((b) => b.commit === env.spec.commit).map((b) => b.job));
  const builds = await ensureBuilds(ctx, run.rendered!.buildJobs, recorded, env.spec.kind === 'pr');
  if (builds.length) status.builds = builds; else delete status.builds;
  const builderNs = builderNamespace(ctx.namespace);
  for (const b of builds) {
    if (previous.has(b.job)) continue;
    if (b.reused) run.events.push({ type: 'Normal', reason: Reason.ImageReused, message: `${b.image} is in the registry already: ${b.service} at ${shortCommit(b.commit)} not built again` });
    else if (b.phase !== 'Succeeded' && b.phase !== 'Failed') {
      run.events.push({ type: 'Normal', reason: Reason.BuildStarted, message: `building ${b.service} at ${shortCommit(b.commit)} (Job ${builderNs}/${b.job})` });
    }
  }
  const failed = builds.find((b) => b.phase === 'Failed');
  if (failed) {
    throw new StalledError(Reason.BuildFailed, buildFailedMessage({
      service: failed.service, commit: failed.commit, job: failed.job, namespace: builderNs, why: failed.message ?? 'failed',
      tail: failed.logTail?.split('\n') ?? [], hint: logsHint(env.spec.app, env.spec.target),
    }));
  }
  const pending = builds.filter((b) => b.phase !== 'Succeeded');
  if (pending.length) {
    return { kind: 'waiting', reason: Reason.Building, phase: 'Building', requeueAfterMs: 60_000,
      message: `building ${pending.map((b) => b.service).join(', ')} at ${shortCommit(env.spec.commit)}` };
  }
  return undefined;
}

/**
 * "Newest commit wins": builds this environment started for another commit and not finished are
 * deleted (Background propagation stops their pods), unless another environment of the app
 * deploys that commit (build Jobs are shared per app, service and commit).
 */
async function stopSupersededBuilds(run: ReconcileRun, recorded: readonly BuildState[]): Promise<void> {
  const { ctx, env } = run;
  const stale = recorded.filter((b) => b.commit !== env.spec.commit && (b.phase === 'Pending' || b.phase === 'Running'));
  if (!stale.length) return;
  const others = await ctx.objects.list<LoadedEnvironment>(API_VERSION, 'Environment', { namespace: ctx.namespace, labelSelector: `${APP_LABEL}=${env.spec.app}` });
  const inUse = new Set(others.filter((e) => e.metadata.name !== env.metadata.name && !e.metadata.deletionTimestamp).map((e) => e.spec.commit));
  const namespace = builderNamespace(ctx.namespace);
  for (const b of stale) {
    if (inUse.has(b.commit)) continue;
    if (!await ctx.objects.delete({ apiVersion: 'batch/v1', kind: 'Job', namespace, name: b.job }, 'Background')) continue;
    ctx.log.info('superseded build stopped', { environment: env.metadata.name, job: b.job, commit: b.commit });
    run.events.push({ type: 'Normal', reason: Reason.BuildSuperseded,
      message: `stopped the build of ${b.service} at ${shortCommit(b.commit)} (Job ${namespace}/${b.job}): ${shortCommit(env.spec.commit)} is newer` });
  }
}

/** Copies the Secrets the Riofile references from the app's `secretsFrom` namespace. */
export async function copySecrets(run: ReconcileRun): Promise<Outcome | undefined> {
  const rendered = run.rendered!;
  const labels = rendered.objects[0]?.metadata.labels ?? {};
  const secrets = await secretCopies(run.ctx, run.secretNames ?? [], run.app!.spec.secretsFrom, run.env.spec.namespace, labels);
  // The environment's identity (ServiceAccount, RoleBindings) right after its Namespace: written
  // by the engine, everything after it as the environment (identity.ts).
  const identity = identityObjects(environmentOwner(run.env), { permissions: Boolean(run.app!.spec.allow?.permissions) });
  run.objects = [...rendered.objects.slice(0, 1), ...identity, ...secrets.objects, ...rendered.objects.slice(1)];
  run.missingSecrets = secrets.missing;
  return undefined;
}

/**
 * Server-side apply, only when the desired state changed or for drift. A changed render applies
 * every object; the periodic drift check (same render, once per drift interval) compares each
 * object with the cluster and applies only those that differ (drift.ts): at rest, nothing is
 * written. A refusal keeps what ran before (nothing is pruned before an apply succeeded).
 */
export async function applyObjects(run: ReconcileRun): Promise<Outcome | undefined> {
  const { ctx, memory, status, now, key, env } = run;
  const appChanged = appChangedSince(run);
  if (appChanged) return appChanged;
  const objects = run.objects!;
  const hash = createHash('sha256').update(JSON.stringify(objects)).digest('hex').slice(0, 16);
  const drifted = driftedWorkloads(memory, status.inventory);
  if (drifted.length) ctx.log.info('owned objects changed by someone else; re-applying', { environment: env.metadata.name, objects: drifted });
  const changed = hash !== status.appliedHash || drifted.length > 0;
  if (!changed && !driftCheckDue(memory, key, now.getTime(), ctx.driftIntervalMs)) return undefined;
  let only: ApplyOnly | undefined;
  if (!changed) {
    only = await checkDrift(ctx, memory, objects);
    if (only.drifted.size) ctx.log.info('objects differ from the cluster; re-applying them', { environment: env.metadata.name, objects: [...only.drifted] });
  }
  run.mustApply = !only || only.drifted.size > 0;
  // A changed route scope (ria.yaml, an upgrade) reaches the Namespace before the routes it judges.
  const scope = namespaceRouteScope(objects, env.spec.namespace);
  const namespaceFirst = memory.routeScope?.get(key) !== scope;
  const applied = await applyEnvironmentObjects(ctx, environmentOwner(env), objects, status.inventory, only, namespaceFirst);
  memory.routeScope?.set(key, scope);
  run.applied = applied;
  // No inventory was recorded (frame.ts, review10 F4): the frame holds once this apply wrote the Namespace with it.
  if (run.frameDeferred && applied.fields.has(workloadKey({ apiVersion: 'v1', kind: 'Namespace', name: env.spec.namespace }))) status.frameHash = run.frameHash;
  for (const [object, fingerprint] of applied.fields) memory.fields.set(object, fingerprint);
  ctx.log.debug('applied', { environment: env.metadata.name, objects: applied.inventory.length, conflicts: applied.conflicts });
  for (const [workload, generation] of applied.generations) {
    memory.applied.set(workload, generation);
    // Older than what Ria just produced: a stale event, not an edit.
    if ((memory.observed.get(workload) ?? 0) < generation) memory.observed.delete(workload);
  }
  if (hash !== status.appliedHash) {
    status.lastAppliedTime = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    // Progress: `Deployed` says it when the rollout is done (reconcile.ts, finish).
    run.events.push({ type: 'Normal', reason: Reason.Applied, message: `applied ${applied.inventory.length} objects at ${shortCommit(env.spec.commit)}`, progress: true });
  }
  // Recorded by the prune step once it succeeded: until then the same render is applied (and pruned) again.
  run.appliedHash = hash;
  if (applied.conflicts.length) {
    status.conditions = setCondition(status.conditions, { type: ConditionType.FieldsTakenOver, status: 'True', reason: Reason.ConflictForced, message: conditionMessage(applied.conflicts.join('; ')) }, now);
  }
  return undefined;
}

/**
 * The App's spec changed while this run fetched, built or rendered (review9 F8): what it would
 * apply was judged by an `allow` that may be withdrawn now. The run ends before writing anything,
 * waiting, and the environment is reconciled again at once with the new App (which the config
 * sync queued too). Asked of the engine's view, no read; a newer App whose spec is the same (a
 * status write) changes nothing this run used, and an older one is not news.
 */
export function appChangedSince(run: Pick<ReconcileRun, 'app' | 'appNow'>): Outcome | undefined {
  const latest = run.appNow?.();
  if (!latest || !run.app || isDeepStrictEqual(latest.spec, run.app.spec)) return undefined;
  // An older copy than the run's (the run read its App before the view had one) is no change.
  if (compareResourceVersions(latest.metadata.resourceVersion, run.app.metadata.resourceVersion) === -1) return undefined;
  return { kind: 'waiting', reason: Reason.AppChanged, message: `App ${run.app.metadata.name} changed while this reconcile ran; reconciling again with it`, requeueAfterMs: 0 };
}

/**
 * Versions of earlier commits still live (stable, draining) are not rendered now: their objects
 * join the new inventory as they are, so the prune below leaves them until their version goes.
 */
export async function keepVersions(run: ReconcileRun): Promise<Outcome | undefined> {
  const kept = keptVersionObjects(run);
  // Not applied any more, so not put back either: a hand-made change to them is no drift to chase.
  forgetWorkloads(run.memory, kept);
  if (!run.applied) return undefined;
  const have = new Set(run.applied.inventory.map(workloadKey));
  for (const entry of kept) if (!have.has(workloadKey(entry))) run.applied.inventory.push(entry);
  return undefined;
}

/**
 * Deletes what the previous inventory had and this apply does not. The new inventory is
 * recorded as each object goes, so a prune that fails half-way is finished by the next try.
 */
export async function pruneObjects(run: ReconcileRun): Promise<Outcome | undefined> {
  const { ctx, memory, status, env, now, key } = run;
  if (!run.applied) return undefined;
  const owner = environmentOwner(env);
  // No inventory recorded, and an earlier apply of this environment made its namespace (an engine
  // stopped before its first status write): what that apply made is found in the namespace.
  let previous = status.inventory;
  if (!previous && run.applied.namespaceApplied) {
    previous = await leftoverInventory(ctx, owner);
    ctx.log.info('no inventory recorded: the environment\'s objects found in its namespace are its previous inventory', { environment: env.metadata.name, objects: previous.length });
  }
  const pruned: string[] = [];
  const remaining = [...(previous ?? [])];
  // Entries whose kind the API server serves at no version now: neither read nor deleted, kept.
  const unserved: Array<{ entry: InventoryEntry; why: string }> = [];
  try {
    for (const entry of toPrune(previous, run.applied.inventory)) {
      if (entry.kind === 'Namespace' && entry.name === env.spec.namespace) continue;
      forgetWorkloads(memory, [entry]);
      // Only the environment's own objects are deleted (ownership.ts); others leave the inventory untouched.
      const done = await pruneEntry(ctx, owner, entry);
      if (done.result === 'unserved') {
        unserved.push({ entry, why: done.why });
        ctx.log.warn('not pruned: its kind is not served', { environment: env.metadata.name, object: inventoryKey(entry), why: done.why });
        continue;
      }
      remaining.splice(remaining.indexOf(entry), 1);
      const object = `${entry.kind}/${entry.namespace ?? ''}/${entry.name}`;
      if (done.result === 'skipped') {
        ctx.log.warn('not pruned: not the environment\'s object', { environment: env.metadata.name, object, why: done.why });
        continue;
      }
      pruned.push(`${entry.kind}/${entry.name}`);
      ctx.log.info('pruned', { environment: env.metadata.name, object });
    }
  } catch (err) {
    // Keep what is not pruned yet in the inventory (with the new objects), so the next try prunes it.
    // By identity, not version: an object the new inventory has at another version is not kept twice.
    const applied = new Set(run.applied.inventory.map(inventoryKey));
    status.inventory = [...run.applied.inventory, ...remaining.filter((e) => !applied.has(inventoryKey(e)))];
    throw err;
  } finally {
    if (pruned.length) run.events.push({ type: 'Normal', reason: Reason.Pruned, message: conditionMessage(`pruned ${pruned.join(', ')}`) });
  }
  memory.lastApplied.set(key, now.getTime());
  status.inventory = [...run.applied.inventory, ...unserved.map((u) => u.entry)];
  if (unserved.length) {
    const message = conditionMessage(unserved.map((u) => `${inventoryKey(u.entry)}: ${u.why}`).join('; '));
    const before = getCondition(status.conditions, ConditionType.Pruned)?.message;
    status.conditions = setCondition(status.conditions, { type: ConditionType.Pruned, status: 'False', reason: Reason.PruneKindNotServed, message }, now);
    if (before !== message) run.events.push({ type: 'Warning', reason: Reason.PruneKindNotServed, message });
  } else status.conditions = removeCondition(status.conditions, ConditionType.Pruned);
  status.appliedHash = run.appliedHash;
  status.appliedCommit = env.spec.commit;
  status.shortCommit = shortCommit(env.spec.commit);
  return undefined;
}

/** URLs, Secrets that were not found, whether the workloads rolled out and the gateway serves the routes. */
export async function checkReadiness(run: ReconcileRun): Promise<Outcome | undefined> {
  const { ctx, status, now } = run;
  const rendered = run.rendered!;
  status.urls = rendered.urls;
  const firstUrl = Object.values(rendered.urls).flat()[0];
  if (firstUrl) status.url = firstUrl; else delete status.url;
  delete status.lastError;
  status.conditions = setCondition(status.conditions, { type: ConditionType.Stalled, status: 'False', reason: Reason.Applied, message: '' }, now);
  if (run.missingSecrets?.length) {
    status.conditions = setCondition(status.conditions, { type: ConditionType.SecretsReady, status: 'False', reason: Reason.SecretMissing,
      message: `Secrets ${run.missingSecrets.join(', ')} not found in namespace ${run.app!.spec.secretsFrom ?? '(no secretsFrom set for this app)'}` }, now);
  } else status.conditions = removeCondition(status.conditions, ConditionType.SecretsReady);
  // Right after an apply, its responses say it all (a changed workload is not ready yet): no reads.
  // A rolled-back new version is kept for inspection; it does not decide whether the environment is Ready.
  const ignored = rolledBackWorkloads(run);
  const objects = ignored.size ? run.objects!.filter((o) => !ignored.has(workloadKey(refOf(o)))) : run.objects!;
  const readiness = await environmentReadiness(ctx, objects, run.applied?.live);
  // Ready means served: with a gateway controller, each route must be accepted by it too.
  const gateway = ctx.settings().gateway;
  const routes = gateway && run.gateway ? await routesServing(ctx, run.objects!, gateway, run.gateway, run.applied?.live) : undefined;
  if (routes) status.conditions = setCondition(status.conditions, routes.condition, now);
  else status.conditions = removeCondition(status.conditions, ConditionType.RoutesServed);
  if (routes?.rejected) {
    // The gateway refused a route: the app may run, its URL does not answer. Retried with
    // backoff (a gateway change or the next commit can fix it); what ran before keeps running.
    return { kind: 'failed', reason: Reason.RouteRejected, message: routes.rejected, error: new Error(routes.rejected) };
  }
  const waiting = [...readiness.waiting, ...(routes?.waiting ?? [])];
  if (waiting.length === 0) return rolloutOutcome(run) ?? { kind: 'ready' };
  // Workload events requeue at once (the Deployment watch); route conditions are not watched,
  // and a gateway writes them well within a second: look again soon.
  return { kind: 'waiting', reason: Reason.Progressing, phase: 'Deploying', message: waiting.join('; '), requeueAfterMs: readiness.ready ? 1_000 : 30_000, ...stuckOf(readiness) };
}

/** The workloads past their progress deadline, for the Warning Event (reconcile.ts, eventsOf). */
function stuckOf(readiness: { stuck: string[] }): { stuck?: string[] } {
  return readiness.stuck.length ? { stuck: readiness.stuck } : {};
}

/** Deletion: the finalizer removes the namespace and cluster-scoped objects, then lets go. */
export async function finalize(run: ReconcileRun): Promise<Outcome | undefined> {
  const { ctx, env, memory, key } = run;
  // run.status: the stored status, or a first deploy's held back (its inventory is what was applied).
  const done = await finalizeEnvironment(ctx, { ...env, status: run.status });
  memory.lastApplied.delete(key);
  if (done === 'waiting') {
    return { kind: 'waiting', reason: Reason.Deleting, message: `waiting for namespace ${env.spec.namespace} to be deleted`, requeueAfterMs: 1_000 };
  }
  forgetWorkloads(memory, run.status.inventory);
  memory.routeScope?.delete(key);
  memory.pending?.delete(key);
  return { kind: 'removed' };
}

/** The steps of a reconcile, in order, with the reason a throw of each is reported under. */
export const deploySteps: readonly NamedStep[] = [
  { name: 'app', run: loadApp, failReason: Reason.ReconcileError },
  { name: 'up-to-date', run: checkUpToDate, failReason: Reason.ReconcileError },
  { name: 'finalizer', run: addFinalizer, failReason: Reason.ReconcileError },
  { name: 'frame', run: applyFrame, failReason: Reason.FrameFailed },
  { name: 'rollout-wait', run: checkRolloutOnly, failReason: Reason.ReconcileError },
  { name: 'render', run: renderCommit, failReason: Reason.ReconcileError },
  { name: 'builds', run: runBuilds, failReason: Reason.BuildStartFailed },
  { name: 'secrets', run: copySecrets, failReason: Reason.SecretCopyFailed },
  { name: 'apply', run: applyObjects, failReason: Reason.ApplyFailed },
  { name: 'versions', run: keepVersions, failReason: Reason.ReconcileError },
  { name: 'prune', run: pruneObjects, failReason: Reason.PruneFailed },
  { name: 'readiness', run: checkReadiness, failReason: Reason.ReconcileError },
];

export const deleteSteps: readonly NamedStep[] = [
  { name: 'finalize', run: finalize, failReason: Reason.FinalizeFailed },
];

/** Errors of the commit or the app's config that retrying cannot fix (anything else is retried with backoff). */
function stalledReason(err: unknown): Reason | undefined {
  if (err instanceof RenderError) return Reason.RenderFailed;
  if (err instanceof RiofileMissingError) return Reason.RiofileMissing;
  if (err instanceof RiaError && err.code === Reason.CloneSecretInvalid) return Reason.CloneSecretInvalid;
  return undefined;
}

function locate(err: RiofileError): LocatedError {
  const first = err.issues[0]!;
  return { message: conditionMessage(err.format()), file: first.file, line: first.line, column: first.column, path: first.path };
}
