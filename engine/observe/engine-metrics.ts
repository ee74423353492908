/**
 * The metrics Ria exposes on /metrics, declared in one place so names, labels and help text are
 * reviewed together. Callers record through the functions below rather than the raw metrics:
 * that is where repository URLs are redacted (a token in a clone URL must never become a label)
 * and where label values are limited to known sets (unbounded labels explode Prometheus).
 * Values that are state, not events (queue depth, environments by phase), are read from the
 * engine when Prometheus scrapes, never copied on a timer.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { createMetricsRegistry } from './metrics.js';
import { redactRepoUrl } from './redact.js';
import type { EnvironmentPhase } from '../crds/types.js';
import { RetryReason } from '../kube/retry.js';

export const ReconcileResult = {
  Success: 'success', Noop: 'noop', Failed: 'failed', Stalled: 'stalled', Requeue: 'requeue',
} as const;
export type ReconcileResult = (typeof ReconcileResult)[keyof typeof ReconcileResult];

export const BuildResult = { Succeeded: 'succeeded', Failed: 'failed' } as const;
export type BuildResult = (typeof BuildResult)[keyof typeof BuildResult];

export const ENVIRONMENT_PHASES: readonly EnvironmentPhase[] = ['Pending', 'Building', 'Deploying', 'Ready', 'Failed'];

/** Reconciles take from milliseconds (no-op) to minutes (a build): buckets span both. */
const RECONCILE_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const POLL_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const BUILD_BUCKETS = [5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600];

/** What the engine is, read at scrape time. The engine may not exist yet (a standby replica): then zeros. */
export interface EngineState {
  queueDepth(): number;
  /** Environments by phase from the engine's informer cache (an Environment without a phase yet is Pending). */
  environmentPhases(): Partial<Record<EnvironmentPhase, number>>;
}

export interface EngineMetrics {
  registry: Registry;
  recordReconcile(result: ReconcileResult, seconds: number): void;
  recordPoll(repoUrl: string, seconds: number): void;
  recordPollError(repoUrl: string): void;
  /** A build Job finished: `seconds` from its start to its completion (or failure). */
  recordBuild(app: string, service: string, result: BuildResult, seconds: number): void;
  recordWebhookDelivery(event: string, result: string): void;
  /** A request to the API server is sent again (a 429, or a 5xx with Retry-After: engine/kube/retry.ts). */
  recordKubeRetry(reason: RetryReason): void;
}

export interface EngineMetricsOptions {
  registry?: Registry;
  state?: EngineState;
}

export function createEngineMetrics(options: EngineMetricsOptions = {}): EngineMetrics {
  const registry = options.registry ?? createMetricsRegistry();
  const registers = [registry];
  const state = options.state;
  const reconcileTotal = new Counter({
    name: 'ria_reconcile_total', help: 'Environment reconciles by result.', labelNames: ['result'] as const, registers,
  });
  const reconcileDuration = new Histogram({
    name: 'ria_reconcile_duration_seconds', help: 'Time spent in one environment reconcile.', buckets: RECONCILE_BUCKETS, registers,
  });
  const pollDuration = new Histogram({
    name: 'ria_poll_duration_seconds', help: 'Time to list the refs of a repository (URL redacted).', labelNames: ['repo'] as const, buckets: POLL_BUCKETS, registers,
  });
  const pollErrors = new Counter({
    name: 'ria_poll_errors_total', help: 'Failed repository polls (URL redacted).', labelNames: ['repo'] as const, registers,
  });
  const buildDuration = new Histogram({
    name: 'ria_build_duration_seconds', help: 'Image build time per app service, from the build Job\'s start to its completion or failure.',
    labelNames: ['app', 'service', 'result'] as const, buckets: BUILD_BUCKETS, registers,
  });
  new Gauge({
    name: 'ria_queue_depth', help: 'Reconcile requests waiting in the work queue.', registers,
    collect() { this.set(state?.queueDepth() ?? 0); },
  });
  new Gauge({
    name: 'ria_environments', help: 'Environments by phase (the engine\'s watch of Environment objects).', labelNames: ['phase'] as const, registers,
    collect() {
      const counts = state?.environmentPhases() ?? {};
      // Every phase is set (missing ones to 0), so a phase that empties does not keep its last value.
      for (const phase of ENVIRONMENT_PHASES) this.set({ phase }, counts[phase] ?? 0);
    },
  });
  const webhookDeliveries = new Counter({
    name: 'ria_webhook_deliveries_total', help: 'GitHub webhook deliveries by event and result.', labelNames: ['event', 'result'] as const, registers,
  });
  const kubeRetries = new Counter({
    name: 'ria_kube_retries_total', help: 'Requests to the API server sent again after a 429 or a 5xx with Retry-After, by reason.',
    labelNames: ['reason'] as const, registers,
  });

  // Every result is present from the start, so rate() and alerts see zeros, not gaps.
  for (const result of Object.values(ReconcileResult)) reconcileTotal.inc({ result }, 0);
  for (const reason of Object.values(RetryReason)) kubeRetries.inc({ reason }, 0);

  return {
    registry,
    recordReconcile(result, seconds) {
      reconcileTotal.inc({ result });
      reconcileDuration.observe(seconds);
    },
    recordPoll: (repoUrl, seconds) => pollDuration.observe({ repo: redactRepoUrl(repoUrl) }, seconds),
    recordPollError: (repoUrl) => pollErrors.inc({ repo: redactRepoUrl(repoUrl) }),
    recordBuild: (app, service, result, seconds) => buildDuration.observe({ app, service, result }, seconds),
    recordWebhookDelivery: (event, result) => webhookDeliveries.inc({ event, result }),
    recordKubeRetry: (reason) => kubeRetries.inc({ reason }),
  };
}

/** Environments counted by phase; one without a phase yet counts as Pending. */
export function countPhases(environments: Iterable<{ status?: { phase?: EnvironmentPhase } }>): Partial<Record<EnvironmentPhase, number>> {
  const counts: Partial<Record<EnvironmentPhase, number>> = {};
  for (const env of environments) {
    const phase = env.status?.phase ?? 'Pending';
    counts[phase] = (counts[phase] ?? 0) + 1;
  }
  return counts;
}
