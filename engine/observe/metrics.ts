/**
 * Prometheus metrics through prom-client, the Node.js client every Prometheus user knows: the text
 * exposition (escaping, histogram buckets, `+Inf`), the process and heap metrics (RSS, heap
 * spaces, event-loop lag, GC, open handles) come from it rather than from Ria. A registry is an
 * object passed around, never prom-client's global one, so tests get a fresh one each.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';

export { Registry as MetricsRegistry, Counter, Gauge, Histogram } from 'prom-client';

/** The text exposition format 0.0.4 (what prom-client renders by default). */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/**
 * A registry with the process and Node.js runtime metrics (`process_resident_memory_bytes`,
 * `nodejs_heap_size_used_bytes`, `nodejs_external_memory_bytes`, `nodejs_eventloop_lag_seconds`...),
 * each read when scraped.
 */
export function createMetricsRegistry(options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  return registry;
}
