/**
 * The optional health gate (ria.yaml `rollouts.healthGate`): the new version's error rate as the
 * gateway counts it. Traefik exports, on its Prometheus endpoint, `traefik_service_requests_total`
 * per backend Service and status code; its Gateway provider names a backend
 * `<namespace>-<service>-http-<port>@kubernetesgateway`. Pure: text in, counts and a verdict out.
 * The scrape itself is at the edge (controller/environment/gate-metrics.ts).
 */

/** Requests the gateway sent to a backend, and how many it answered with a 5xx. */
export interface RequestCounts {
  requests: number;
  errors: number;
}

export interface GateSettings {
  /** The gateway's Prometheus endpoint, e.g. `http://traefik-metrics.ria-system:9100/metrics`. */
  metricsUrl: string;
  /** Percent of the new version's requests answered 5xx above which it is rolled back (default 5). */
  maxErrorPercent: number;
  /** Requests the new version must have answered since it got traffic before the gate judges (default 20). */
  minRequests: number;
}

export const DEFAULT_MAX_ERROR_PERCENT = 5;
export const DEFAULT_MIN_REQUESTS = 20;

const METRIC = 'traefik_service_requests_total';
/** `name{labels} value [timestamp]`; label values are quoted with `\\`, `\"` and `\n` escapes. */
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?\s*$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Prometheus text exposition -> per Traefik service (the `service` label): requests and 5xx answers. */
export function parseServiceCounts(text: string): Map<string, RequestCounts> {
  const out = new Map<string, RequestCounts>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(METRIC)) continue;
    const m = SAMPLE.exec(line);
    if (!m || m[1] !== METRIC) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    const value = Number(m[3]);
    if (labels.service === undefined || !Number.isFinite(value)) continue;
    const c = out.get(labels.service) ?? { requests: 0, errors: 0 };
    c.requests += value;
    if (/^5\d\d$/.test(labels.code ?? '')) c.errors += value;
    out.set(labels.service, c);
  }
  return out;
}

/**
 * The counts of one Kubernetes Service (every port of it) under the name Traefik's Gateway provider
 * gives its backend: `<namespace>-<service>-http-<port>` normalized (every run of characters other
 * than letters and digits becomes one `-`, so namespace `shop--main` reads `shop-main`), then
 * `@kubernetesgateway`.
 */
export function serviceCounts(all: Map<string, RequestCounts>, namespace: string, service: string): RequestCounts {
  const name = new RegExp(`^${escape(traefikNormalize(`${namespace}-${service}-http`))}-\\d+@kubernetesgateway$`);
  const sum = { requests: 0, errors: 0 };
  for (const [key, c] of all) {
    if (!name.test(key)) continue;
    sum.requests += c.requests;
    sum.errors += c.errors;
  }
  return sum;
}

/**
 * Traefik's names are not one-to-one: `<namespace>-<service>` is normalized, so Service `web-v1`
 * of namespace `a--b` and Service `v1` of `a--b-web` (or `web-v1` of `a-b--c` and of `a--b-c`)
 * share one backend name, and one counter. Namespaces whose Services could share a name with a
 * Service of `namespace`: the same normalized name, or one that extends the other by `-`.
 */
export function traefikNeighbours(namespace: string, others: readonly string[]): string[] {
  const n = traefikNormalize(namespace);
  return others.filter((o) => {
    if (o === namespace) return false;
    const m = traefikNormalize(o);
    return m === n || m.startsWith(`${n}-`) || n.startsWith(`${m}-`);
  });
}

/** Whether two Services (of two namespaces) have the same backend name at Traefik's Gateway provider. */
export function sameTraefikBackend(a: { namespace: string; service: string }, b: { namespace: string; service: string }): boolean {
  return traefikNormalize(`${a.namespace}-${a.service}-http`) === traefikNormalize(`${b.namespace}-${b.service}-http`);
}

export interface GateVerdict {
  /** The counters the error rate is measured from (kept in the rollout state). */
  baseline: RequestCounts;
  /** Set when the new version fails the gate: why, with the figures. */
  failing?: string;
}

/**
 * Judges the new version. Before it has traffic (weight 0) the baseline follows the counters, so
 * what it answered on its own URL before its first step does not count; from its first step on,
 * the requests since the baseline are judged once there are `minRequests` of them. Counters lower
 * than the baseline mean the gateway restarted (they start again at 0).
 */
export function judgeGate(baseline: RequestCounts | undefined, now: RequestCounts, weight: number, version: string, g: Pick<GateSettings, 'maxErrorPercent' | 'minRequests'>): GateVerdict {
  if (weight <= 0 || !baseline) return { baseline: { ...now } };
  const base = now.requests < baseline.requests || now.errors < baseline.errors ? { requests: 0, errors: 0 } : baseline;
  const requests = now.requests - base.requests;
  const errors = now.errors - base.errors;
  if (requests < Math.max(1, g.minRequests)) return { baseline: base };
  const percent = (100 * errors) / requests;
  if (percent <= g.maxErrorPercent) return { baseline: base };
  return {
    baseline: base,
    failing: `error rate ${round(percent)}% (${errors} of ${requests} requests answered 5xx at the gateway since ${version} got traffic), over the health gate's ${g.maxErrorPercent}%`,
  };
}

function round(n: number): string {
  return n >= 10 ? String(Math.round(n)) : n.toFixed(1).replace(/\.0$/, '');
}

/** Traefik's provider.Normalize: fields of letters and digits joined by `-`. */
export function traefikNormalize(name: string): string {
  return name.split(/[^\p{L}\p{N}]+/u).filter(Boolean).join('-');
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
