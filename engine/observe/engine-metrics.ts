/**
 * The metrics Ria exposes on /metrics, declared in one place so names, labels and help text are
 * reviewed together. Callers record through the functions below rather than the raw metrics:
 * that is where repository URLs are redacted (a token in a clone URL must never become a label)
 * and where label values are limited to known sets (unbounded labels explode Prometheus).
 */
import { MetricsRegistry } from './metrics.js';
import { redactRepoUrl } from './redact.js';
import type { EnvironmentPhase } from '../crds/types.js';

export const ReconcileResult = {
  Success: 'success', Noop: 'noop', Failed: 'failed', Stalled: 'stalled', Requeue: 'requeue',
} as const;
export type ReconcileResult = (typeof ReconcileResult)[keyof typeof ReconcileResult];

export const ENVIRONMENT_PHASES: readonly EnvironmentPhase[] = ['Pending', 'Building', 'Deploying', 'Ready', 'Failed'];

/** Reconciles take from milliseconds (no-op) to minutes (a build): buckets span both. */
const RECONCILE_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const POLL_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const BUILD_BUCKETS = [5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600];

export interface EngineMetrics {
  registry: MetricsRegistry;
  recordReconcile(result: ReconcileResult, seconds: number): void;
  recordPoll(repoUrl: string, seconds: number): void;
  recordPollError(repoUrl: string): void;
  recordBuild(app: string, service: string, seconds: number): void;
  setQueueDepth(depth: number): void;
  /** Sets every phase (missing ones to 0) so a phase that empties does not keep its last value. */
  setEnvironmentPhases(counts: Partial<Record<EnvironmentPhase, number>>): void;
  recordWebhookDelivery(event: string, result: string): void;
}

export function createEngineMetrics(registry: MetricsRegistry = new MetricsRegistry()): EngineMetrics {
  const reconcileTotal = registry.counter({
    name: 'ria_reconcile_total', help: 'Environment reconciles by result.', labelNames: ['result'],
  });
  const reconcileDuration = registry.histogram({
    name: 'ria_reconcile_duration_seconds', help: 'Time spent in one environment reconcile.', buckets: RECONCILE_BUCKETS,
  });
  const pollDuration = registry.histogram({
    name: 'ria_poll_duration_seconds', help: 'Time to list the refs of a repository (URL redacted).', labelNames: ['repo'], buckets: POLL_BUCKETS,
  });
  const pollErrors = registry.counter({
    name: 'ria_poll_errors_total', help: 'Failed repository polls (URL redacted).', labelNames: ['repo'],
  });
  const buildDuration = registry.histogram({
    name: 'ria_build_duration_seconds', help: 'Image build time per app service.', labelNames: ['app', 'service'], buckets: BUILD_BUCKETS,
  });
  const queueDepth = registry.gauge({ name: 'ria_queue_depth', help: 'Reconcile requests waiting in the work queue.' });
  const environments = registry.gauge({ name: 'ria_environments', help: 'Environments by phase.', labelNames: ['phase'] });
  const webhookDeliveries = registry.counter({
    name: 'ria_webhook_deliveries_total', help: 'GitHub webhook deliveries by event and result.', labelNames: ['event', 'result'],
  });

  // Every result and phase is present from the start, so rate() and alerts see zeros, not gaps.
  for (const result of Object.values(ReconcileResult)) reconcileTotal.inc({ result }, 0);
  for (const phase of ENVIRONMENT_PHASES) environments.set(0, { phase });

  return {
    registry,
    recordReconcile(result, seconds) {
      reconcileTotal.inc({ result });
      reconcileDuration.observe(seconds);
    },
    recordPoll: (repoUrl, seconds) => pollDuration.observe(seconds, { repo: redactRepoUrl(repoUrl) }),
    recordPollError: (repoUrl) => pollErrors.inc({ repo: redactRepoUrl(repoUrl) }),
    recordBuild: (app, service, seconds) => buildDuration.observe(seconds, { app, service }),
    setQueueDepth: (depth) => queueDepth.set(depth),
    setEnvironmentPhases(counts) {
      for (const phase of ENVIRONMENT_PHASES) environments.set(counts[phase] ?? 0, { phase });
    },
    recordWebhookDelivery: (event, result) => webhookDeliveries.inc({ event, result }),
  };
}
