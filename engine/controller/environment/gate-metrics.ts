import { redactRepoUrl, redactText } from '../../observe/redact.js';
import { parseServiceCounts, type GateSettings, type RequestCounts } from '../../rollout/gate.js';

/** A scrape that takes longer is abandoned: the gate then judges nothing this reconcile. */
const SCRAPE_TIMEOUT_MS = 3_000;
/** Prometheus text larger than this is not the gateway's endpoint (Traefik's is tens of KB). */
const MAX_BYTES = 8 << 20;

export type FetchText = (url: string, timeoutMs: number) => Promise<string>;

/** GET the metrics URL as text (global fetch), failing on a non-2xx answer, a timeout or an oversized body. */
export const fetchText: FetchText = async (url, timeoutMs) => {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'text/plain' } });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const text = await res.text();
  if (text.length > MAX_BYTES) throw new Error(`answer over ${MAX_BYTES} bytes`);
  return text;
};

/**
 * The gateway's per-Service request counters, or an error message when they cannot be read. The
 * message names the URL (credentials in it masked) but never the answer's body.
 */
export async function scrapeGatewayCounts(gate: Pick<GateSettings, 'metricsUrl'>, fetch: FetchText = fetchText): Promise<Map<string, RequestCounts> | { error: string }> {
  try {
    return parseServiceCounts(await fetch(gate.metricsUrl, SCRAPE_TIMEOUT_MS));
  } catch (err) {
    const why = err instanceof Error ? (err.name === 'TimeoutError' ? `no answer within ${SCRAPE_TIMEOUT_MS} ms` : err.message) : String(err);
    return { error: `health gate: gateway metrics at ${redactRepoUrl(gate.metricsUrl)} unreadable (${redactText(why)}); the new version is judged by its readiness alone` };
  }
}
