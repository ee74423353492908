/**
 * What the API server did during a phase, from two scrapes of its /metrics (before and after):
 * requests by verb and resource (every client: the engine's, the control plane's, the bench's own
 * looks), the time it spent on them, the bytes it answered, and the watch events it sent by kind.
 * The audit log (figures.ts) says who wrote; this says what all the reads and watches cost, which
 * the audit policy leaves out (auditing every read would itself cost the API server).
 * Pure but for `scrapeApiServer`.
 */
import type { KubeRest } from '../../engine/kube/rest.js';

/** Sums of the counters read, keyed `metric\tlabel=value,...` (only the labels kept, below). */
export type ApiServerSample = Map<string, number>;

/** The metrics read, and the labels each is summed by (the rest, code, scope, component..., summed over). */
const KEPT: Record<string, readonly string[]> = {
  apiserver_request_total: ['verb', 'resource', 'subresource'],
  apiserver_request_duration_seconds_sum: ['verb', 'resource', 'subresource'],
  apiserver_response_sizes_sum: ['verb', 'resource', 'subresource'],
  // `resource` since Kubernetes 1.32 or so, `kind` before: whichever the server has.
  apiserver_watch_events_total: ['resource', 'kind'],
  apiserver_watch_events_sizes_sum: ['resource', 'kind'],
};

/** Pure: the kept counters of a Prometheus text exposition, summed by their kept labels. */
export function parseApiServerMetrics(text: string): ApiServerSample {
  const out: ApiServerSample = new Map();
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_')) continue;
    const brace = line.indexOf('{');
    const space = line.lastIndexOf(' ');
    const name = brace >= 0 ? line.slice(0, brace) : line.slice(0, line.indexOf(' '));
    const kept = KEPT[name];
    if (!kept) continue;
    const labels: Record<string, string> = {};
    if (brace >= 0) for (const m of line.slice(brace + 1, line.lastIndexOf('}')).matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!;
    const value = Number(line.slice(space + 1));
    if (!Number.isFinite(value)) continue;
    const key = `${name}\t${kept.map((l) => labels[l] ?? '').join(',')}`;
    out.set(key, (out.get(key) ?? 0) + value);
  }
  return out;
}

export interface RequestRow {
  /** `LIST environments`, `PATCH apps/status`, `WATCH deployments`. */
  what: string;
  requests: number;
  /** Seconds the API server spent answering them (latency summed, not CPU: a watch counts as it ends). */
  seconds: number;
  /** Bytes answered. */
  bytes: number;
}

export interface WatchRow { kind: string; events: number; bytes: number }

export interface ApiServerWork {
  requests: RequestRow[];
  watchEvents: WatchRow[];
}

/** Pure: what happened between two samples, largest first. */
export function apiServerWork(before: ApiServerSample, after: ApiServerSample): ApiServerWork {
  const delta = (metric: string, rest: string) => (after.get(`${metric}\t${rest}`) ?? 0) - (before.get(`${metric}\t${rest}`) ?? 0);
  const requests: RequestRow[] = [];
  const watchEvents: WatchRow[] = [];
  for (const key of after.keys()) {
    const [metric, rest] = key.split('\t') as [string, string];
    if (metric === 'apiserver_request_total') {
      const n = delta(metric, rest);
      if (n <= 0) continue;
      const [verb, resource, sub] = rest.split(',') as [string, string, string];
      requests.push({ what: `${verb} ${resource}${sub ? `/${sub}` : ''}`, requests: n,
        seconds: delta('apiserver_request_duration_seconds_sum', rest), bytes: delta('apiserver_response_sizes_sum', rest) });
    } else if (metric === 'apiserver_watch_events_total') {
      const n = delta(metric, rest);
      if (n > 0) watchEvents.push({ kind: rest.split(',').filter(Boolean).join(' ') || '?', events: n, bytes: delta('apiserver_watch_events_sizes_sum', rest) });
    }
  }
  requests.sort((a, b) => b.requests - a.requests || a.what.localeCompare(b.what));
  watchEvents.sort((a, b) => b.events - a.events || a.kind.localeCompare(b.kind));
  return { requests, watchEvents };
}

const isRead = (what: string) => /^(GET|LIST|WATCH) /.test(what);
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

/**
 * Pure: the API server's work as printed, three lines: reads (by verb and resource, with their
 * time and bytes), writes (count by verb and resource: the audit line says whose), watch events.
 * `top` rows each; the rest summed as `other`.
 */
export function formatApiServerWork(what: string, w: ApiServerWork, top = 10): string[] {
  const list = (rows: RequestRow[], detail: boolean) => {
    const shown = rows.slice(0, top).map((r) => `${r.what} ${Math.round(r.requests)}${detail ? ` (${r.seconds.toFixed(1)} s, ${mb(r.bytes)})` : ''}`);
    const others = rows.slice(top).reduce((n, r) => n + r.requests, 0);
    return [...shown, ...(others ? [`other ${Math.round(others)}`] : [])].join(', ');
  };
  const reads = w.requests.filter((r) => isRead(r.what));
  const writes = w.requests.filter((r) => !isRead(r.what));
  const sum = (rows: RequestRow[]) => Math.round(rows.reduce((n, r) => n + r.requests, 0));
  const events = w.watchEvents.reduce((n, r) => n + r.events, 0);
  const eventBytes = w.watchEvents.reduce((n, r) => n + r.bytes, 0);
  return [
    `${what}: API server reads ${sum(reads)} (all clients; time, bytes answered): ${list(reads, true)}`,
    `${what}: API server writes ${sum(writes)} (all clients): ${list(writes, false)}`,
    `${what}: watch events sent ${Math.round(events)} (${mb(eventBytes)}): ${w.watchEvents.slice(0, top).map((r) => `${r.kind} ${Math.round(r.events)} (${mb(r.bytes)})`).join(', ')}`,
  ];
}

/** The API server's /metrics now (the bench's admin identity may read it). */
export async function scrapeApiServer(rest: KubeRest): Promise<ApiServerSample> {
  return parseApiServerMetrics(await rest.call<string>({ verb: 'get', method: 'GET', path: '/metrics', text: true }));
}
