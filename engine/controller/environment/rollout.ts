import type { Riofile } from '../../riofile/model.js';
import { API_VERSION, type Environment, type InventoryEntry } from '../../crds/types.js';
import { workloadKey } from './apply.js';
import { workloadReady } from './readiness.js';
import { versionServiceName, workloadName } from '../../render/apps.js';
import { labelValue, LabelKeys } from '../../render/index.js';
import type { ServiceVersions } from '../../render/versions.js';
import type { KubeObject } from '../../kube/objects.js';
import {
  isVersioned, judgeGate, planRollout, rolloutSummary, sameTraefikBackend, serviceCounts, stepSettings, traefikNeighbours, versionOf,
  ROLLOUT_ACTION_ANNOTATION, ROLLOUT_ACTIONS, RolloutPhase,
  type CanaryHealth, type Plan, type RequestCounts, type RolloutAction, type RolloutStatus, type ServiceRolloutState, type StepSettings,
} from '../../rollout/index.js';
import type { Service } from '../../riofile/model.js';
import { scrapeGatewayCounts } from './gate-metrics.js';
import type { Outcome, ReconcileRun } from './outcome.js';
import { Reason } from '../reasons.js';

/** Restarts of a container of the new version that count as a crash loop (rollback). */
const CRASH_RESTARTS = 3;
/** How often the health gate reads the gateway's counters while a new version has traffic. */
const GATE_PERIOD_MS = 5_000;

/** A new version the health gate watches: it has a share of the traffic and may still be rolled back. */
const judged = (s: ServiceRolloutState) => s.canary !== undefined && s.weight > 0 && (s.phase === RolloutPhase.Progressing || s.phase === RolloutPhase.Paused);

/**
 * The rollout part of a reconcile, between parsing the Riofile and rendering it: reads the state
 * from the status, the operator action from the annotation and the health of each new version
 * from the cluster, runs the pure planner, and leaves the new state in the status (written once
 * with the rest) and the weights for the render. Returns undefined when no service is versioned.
 */
export async function planRollouts(run: ReconcileRun, riofile: Riofile): Promise<Record<string, ServiceVersions> | undefined> {
  const { env, status, now } = run;
  const previous = status.rollout;
  const versioned = Object.entries(riofile.services).filter(([, s]) => isVersioned(s));
  if (versioned.length === 0) {
    if (previous) delete status.rollout;
    return undefined;
  }
  const annotation = env.metadata.annotations?.[ROLLOUT_ACTION_ANNOTATION];
  const action = annotation !== undefined && annotation !== previous?.lastAction ? parseAction(annotation) : undefined;
  if (annotation !== undefined && annotation !== previous?.lastAction && !action) {
    run.ctx.log.warn('unknown rollout action ignored', { environment: env.metadata.name, annotation, expected: ROLLOUT_ACTIONS.join('|') });
  }
  const next: RolloutStatus = { services: {}, ...(annotation !== undefined ? { lastAction: annotation } : {}) };
  const out: Record<string, ServiceVersions> = {};
  const settings: Record<string, StepSettings> = {};
  run.rolloutPlans = {};
  let counts: Promise<Map<string, RequestCounts> | undefined> | undefined;
  for (const [key, service] of versioned) {
    const state = previous?.services[key];
    settings[key] = stepSettings(service, run.ctx.settings().rollouts);
    const existing = versionOf(state, env.spec.commit);
    const isCanary = existing !== undefined && state?.canary?.name === existing.name;
    let health: CanaryHealth = isCanary ? await canaryHealth(run, `${key}-${existing.name}`) : { state: 'pending' };
    const gated = isCanary ? await gateHealth(run, service, state, health, () => (counts ??= scrape(run))) : undefined;
    if (gated) health = gated.health;
    const plan = planRollout({ state, now, commit: env.spec.commit, settings: settings[key]!, health, ...(action ? { action } : {}) });
    // The gate's baseline stays with its version (a new version starts from its own counters).
    if (gated?.baseline && plan.state.canary?.name === existing?.name) plan.state.gate = gated.baseline;
    for (const line of plan.transitions) {
      run.ctx.log.info('rollout', { environment: env.metadata.name, service: key, transition: line });
      run.events.push({ type: plan.state.phase === RolloutPhase.RolledBack ? 'Warning' : 'Normal', reason: Reason.Rollout, message: `${key}: ${line}` });
    }
    next.services[key] = plan.state;
    run.rolloutPlans[key] = plan;
    out[key] = { current: plan.current, weights: plan.weights, ...(plan.currentScaledToZero ? { scaledToZero: true } : {}) };
  }
  next.summary = rolloutSummary(next.services, settings);
  status.rollout = next;
  const wake = rolloutWake(run.rolloutPlans);
  if (wake) run.wakeAfterMs = Math.max(1_000, wake.getTime() - now.getTime());
  // The gate is judged every GATE_PERIOD_MS while a new version has traffic, not only at its steps.
  if (run.ctx.settings().rollouts?.healthGate && Object.values(next.services).some(judged)) run.wakeAfterMs = Math.min(run.wakeAfterMs ?? GATE_PERIOD_MS, GATE_PERIOD_MS);
  return out;
}

/**
 * The health gate (ria.yaml `rollouts.healthGate`) on the new version: its error rate at the
 * gateway since it got traffic. A version that is Ready but fails the gate while it has a share
 * is `failed` with reason ErrorRate (the planner rolls it back). Undefined when no gate is set.
 */
async function gateHealth(run: ReconcileRun, service: Service, state: ServiceRolloutState, health: CanaryHealth,
  counts: () => Promise<Map<string, RequestCounts> | undefined>): Promise<{ health: CanaryHealth; baseline?: RequestCounts } | undefined> {
  const gate = run.ctx.settings().rollouts?.healthGate;
  const canary = state.canary!;
  if (!gate) return undefined;
  const all = await counts();
  if (!all) return { health };
  const backend = { namespace: run.env.spec.namespace, service: versionServiceName(service.app, canary.name) };
  const shared = await sharedBackend(run, backend);
  if (shared) {
    run.ctx.log.warn('rollout health gate', { environment: run.env.metadata.name,
      error: `health gate: Service ${backend.namespace}/${backend.service} has the same name at the gateway as ${shared} (Traefik joins namespace and Service with "-"), so its counters are not its own; the new version is judged by its readiness alone` });
    return { health };
  }
  const verdict = judgeGate(state.gate, serviceCounts(all, backend.namespace, backend.service), state.weight, canary.name, gate);
  const fails = health.state === 'ready' && verdict.failing !== undefined && judged(state);
  return { health: fails ? { state: 'failed', reason: 'ErrorRate', message: verdict.failing } : health, baseline: verdict.baseline };
}

/**
 * Another environment's Service whose gateway counters are the same as `backend`'s (see
 * traefikNeighbours), as `namespace/name`, or undefined. Without this check, an app repository
 * writer could pick a branch and Service name that share the counters of another app's new
 * version, and fail it (5xx answers: rolled back) or hide its errors (2xx answers: promoted).
 */
async function sharedBackend(run: ReconcileRun, backend: { namespace: string; service: string }): Promise<string | undefined> {
  const envs = await run.ctx.objects.list<Environment>(API_VERSION, 'Environment', { namespace: run.ctx.namespace });
  for (const namespace of traefikNeighbours(backend.namespace, [...new Set(envs.map((e) => e.spec.namespace))])) {
    const services = await run.ctx.objects.list<{ metadata: { name: string } }>('v1', 'Service', { namespace });
    const same = services.find((s) => sameTraefikBackend(backend, { namespace, service: s.metadata.name }));
    if (same) return `${namespace}/${same.metadata.name}`;
  }
  return undefined;
}

/** One scrape of the gateway's metrics per reconcile; a failure is logged and judges nothing. */
async function scrape(run: ReconcileRun): Promise<Map<string, RequestCounts> | undefined> {
  const result = await scrapeGatewayCounts(run.ctx.settings().rollouts!.healthGate!);
  if (!(result instanceof Map)) {
    run.ctx.log.warn('rollout health gate', { environment: run.env.metadata.name, error: result.error });
    return undefined;
  }
  return result;
}

/**
 * What the rollout says about the environment once its workloads are Ready: a rolled-back
 * version stalls it (a person decides: push a fix, or `ria rollout resume`), a rollout in
 * progress keeps it Deploying until the next step, a paused one waits for an operator.
 */
export function rolloutOutcome(run: ReconcileRun): Outcome | undefined {
  const r = run.status.rollout;
  if (!r) return undefined;
  const states = Object.values(r.services);
  const rolledBack = states.find((s) => s.phase === RolloutPhase.RolledBack);
  if (rolledBack) return { kind: 'stalled', reason: Reason.RolledBack, message: rolledBack.message ?? `${rolledBack.canary?.name} rolled back` };
  const wakeMs = run.wakeAfterMs;
  if (states.some((s) => s.phase === RolloutPhase.Progressing)) {
    return { kind: 'waiting', reason: Reason.RollingOut, phase: 'Deploying', message: `rolling out ${r.summary ?? ''}`, requeueAfterMs: wakeMs ?? 30_000 };
  }
  const paused = states.find((s) => s.phase === RolloutPhase.Paused);
  if (paused) return { kind: 'waiting', reason: Reason.RolloutPaused, phase: 'Deploying', message: paused.message ?? `rollout paused: ${r.summary ?? ''}`, requeueAfterMs: wakeMs ?? 300_000 };
  return undefined;
}

/**
 * After the render: the objects of each current version are recorded in its state, so they are
 * kept (not pruned, not re-rendered) once a later commit comes.
 */
export function recordVersionObjects(run: ReconcileRun): void {
  const rollout = run.status.rollout;
  const versions = run.rendered?.versions;
  if (!rollout || !versions) return;
  for (const [key, rendered] of Object.entries(versions)) {
    const s = rollout.services[key];
    if (!s) continue;
    for (const v of [s.stable, s.canary]) {
      if (v?.name !== rendered.version || v.commit !== run.env.spec.commit) continue;
      v.objects = rendered.objects.map((o) => ({ ...o }));
      if (rendered.url) v.url = rendered.url; else delete v.url;
    }
  }
}

/**
 * The objects of live versions of earlier commits: in the previous inventory, not rendered now.
 * They join the new inventory without being applied, so pruning leaves them until their version goes.
 */
export function keptVersionObjects(run: ReconcileRun): InventoryEntry[] {
  const rollout = run.status.rollout;
  if (!rollout) return [];
  const previous = new Set((run.status.inventory ?? []).map((e) => workloadKey(e)));
  const kept: InventoryEntry[] = [];
  for (const s of Object.values(rollout.services)) {
    for (const v of [s.stable, s.canary, ...(s.retired ?? [])]) {
      if (!v || v.commit === run.env.spec.commit) continue;
      for (const o of v.objects ?? []) if (previous.has(workloadKey(o))) kept.push(o);
    }
  }
  return kept;
}

/** Workloads whose readiness does not decide the environment's: rolled-back new versions. */
export function rolledBackWorkloads(run: ReconcileRun): Set<string> {
  const out = new Set<string>();
  for (const [key, s] of Object.entries(run.status.rollout?.services ?? {})) {
    if (s.phase === RolloutPhase.RolledBack && s.canary) out.add(workloadKey({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: run.env.spec.namespace, name: workloadName(`${key}-${s.canary.name}`) }));
  }
  return out;
}

/** True while a rollout has something due (a step, a drain, a scale-down) or an operator action waits. */
export function rolloutBusy(status: { rollout?: RolloutStatus }, annotations: Record<string, string> | undefined): boolean {
  const r = status.rollout;
  const annotation = annotations?.[ROLLOUT_ACTION_ANNOTATION];
  if (annotation !== undefined && annotation !== r?.lastAction) return true;
  return Object.values(r?.services ?? {}).some(busy);
}

function busy(s: ServiceRolloutState): boolean {
  return s.phase === RolloutPhase.Progressing || (s.retired?.length ?? 0) > 0 || (s.phase === RolloutPhase.RolledBack && !s.scaledToZero);
}

/** The earliest time a plan of this reconcile is due again. */
export function rolloutWake(plans: Record<string, Plan> | undefined): Date | undefined {
  const times = Object.values(plans ?? {}).flatMap((p) => (p.wakeAt ? [p.wakeAt.getTime()] : []));
  return times.length ? new Date(Math.min(...times)) : undefined;
}

/** `pause/2026-12-02T06:30:00Z` (what `ria rollout` writes) or a bare `pause`. */
export function parseAction(value: string): RolloutAction | undefined {
  const action = value.split('/')[0]!.trim().toLowerCase();
  return (ROLLOUT_ACTIONS as readonly string[]).includes(action) ? action as RolloutAction : undefined;
}

/**
 * Health of a new version: its Deployment rolled out (ready), not yet (pending), or failing: a
 * rollout stuck past its progress deadline, or a container restarting over and over (crash loop).
 */
export async function canaryHealth(run: Pick<ReconcileRun, 'ctx' | 'env'>, versionKey: string): Promise<CanaryHealth> {
  const { ctx, env } = run;
  const name = workloadName(versionKey);
  const deployment = await ctx.objects.get<KubeObject>({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: env.spec.namespace, name });
  if (!deployment) return { state: 'pending', message: `Deployment/${name}: not created yet` };
  const conditions = ((deployment.status ?? {}) as { conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> }).conditions ?? [];
  const stuck = conditions.find((c) => c.type === 'Progressing' && c.status === 'False');
  if (stuck) return { state: 'failed', message: `Deployment/${name}: ${stuck.message ?? stuck.reason ?? 'rollout stuck'}` };
  // As the environment: the engine itself may not list pods (install/rbac.ts).
  const pods = await ctx.identities.clientFor({ kind: 'Pod', namespace: env.spec.namespace, name: '' })
    .list<KubeObject>('v1', 'Pod', { namespace: env.spec.namespace, labelSelector: `${LabelKeys.service}=${labelValue(versionKey)}` });
  for (const pod of pods) {
    const statuses = ((pod.status ?? {}) as { containerStatuses?: Array<{ name: string; restartCount?: number; state?: { waiting?: { reason?: string } } }> }).containerStatuses ?? [];
    for (const c of statuses) {
      if (c.state?.waiting?.reason === 'CrashLoopBackOff' || (c.restartCount ?? 0) >= CRASH_RESTARTS) {
        return { state: 'failed', message: `Pod ${pod.metadata.name}: container ${c.name} ${c.state?.waiting?.reason === 'CrashLoopBackOff' ? 'in CrashLoopBackOff' : 'restarting'} (${c.restartCount ?? 0} restarts)` };
      }
    }
  }
  const ready = workloadReady(deployment);
  return ready.ready ? { state: 'ready' } : { state: 'pending', message: ready.message };
}

