import type { Service } from '../riofile/model.js';
import type { RenderContext } from './context.js';
import { metadata, scope, warn } from './context.js';
import type { KubeObject } from './types.js';
import { workloadName } from './apps.js';

/** The pods metric a custom-metrics adapter must serve for concurrency-based scaling. */
export const IN_FLIGHT_METRIC = 'http_requests_in_flight';
export const DEFAULT_CPU_UTILIZATION = 80;

/**
 * `autoscale` -> autoscaling/v2 HorizontalPodAutoscaler on the service's Deployment.
 *
 * Rio scaled on `concurrency` (in-flight requests per pod) measured by its mesh. Kubernetes has no
 * such metric built in, so:
 * - when `cluster.customMetrics` is true (an adapter such as prometheus-adapter serves the pods
 *   metric `http_requests_in_flight`), the HPA targets an average of `concurrency` per pod;
 * - otherwise (the default) it targets CPU utilization (`cluster.cpuTargetUtilization`, default
 *   80%) of the pods' CPU requests, the only signal every cluster has. Concurrency 0 (Rio:
 *   unlimited) also falls back to CPU, since "0 in flight per pod" is not a target.
 * Kubernetes needs minReplicas >= 1 (0 is alpha), so 0 becomes 1 with a warning.
 */
export function renderHpa(ctx: RenderContext, key: string, service: Service): KubeObject | undefined {
  const a = service.autoscale;
  if (!a || service.global) return undefined;
  const path = `services.${key}.autoscale`;
  let min = a.minReplicas;
  if (min < 1) {
    warn(ctx, 'AutoscaleMinZero', path, 'scale to zero needs an alpha Kubernetes feature; minReplicas is 1');
    min = 1;
  }
  let max = a.maxReplicas;
  if (max < min) {
    warn(ctx, 'AutoscaleMaxBelowMin', path, `maxReplicas ${max} is below minReplicas ${min}; using ${min}`);
    max = min;
  }
  const useCustom = ctx.cluster.customMetrics === true && a.concurrency > 0;
  if (!useCustom && service.cpuMillis === undefined && ctx.cluster.defaultRequests?.cpu === undefined) {
    warn(ctx, 'AutoscaleNoCpuRequest', path, 'CPU-based autoscaling needs a CPU request: set cpus on the service (or default requests in the cluster settings)');
  }
  const metric = useCustom
    ? { type: 'Pods', pods: { metric: { name: IN_FLIGHT_METRIC }, target: { type: 'AverageValue', averageValue: String(a.concurrency) } } }
    : { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: ctx.cluster.cpuTargetUtilization ?? DEFAULT_CPU_UTILIZATION } } };
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: metadata(ctx, workloadName(key), scope(ctx, key, service)),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: workloadName(key) },
      minReplicas: min,
      maxReplicas: max,
      metrics: [metric],
    },
  };
}
