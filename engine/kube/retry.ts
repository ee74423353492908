/**
 * When KubeRest sends a request again, after how long, and when it stops: client-go's rule
 * (`rest.Request`: `checkWait`, `retryAfterSeconds`, at most 10 retries), made stricter for 5xx.
 *
 * - **429 Too Many Requests, any request**: the API server refused it before doing anything
 *   (API Priority and Fairness, max-in-flight, "storage is (re)initializing" just after a CRD
 *   becomes Established or is updated, "the apiserver is shutting down"), so sending it again,
 *   a POST included, cannot do anything twice.
 * - **5xx, only requests safe to repeat**: a GET (get, list, a watch's or a log's start) and a
 *   server-side apply (it states the wanted fields, so a second one after a first that did go
 *   through changes nothing). Not a create, update, merge patch or delete: a 5xx on a write
 *   leaves unknown whether it happened, and sending it again turns the server's error into a
 *   misleading one (409 AlreadyExists, 409 Conflict on the resourceVersion, 404 on the delete).
 *   client-go repeats those too; Ria's callers retry a failed write themselves, after reading
 *   again (the reconcile's backoff, the informers' relist).
 * - **Only when the answer says when** (`Retry-After: <seconds>`), as client-go: the API server
 *   sets it on every answer it expects to pass soon (the 429s above, a 500 ServerTimeout), and
 *   not on the ones that will not (a 500 from a failing admission webhook, a 429 from the
 *   eviction API's disruption budget), which a retry would only delay.
 *
 * The wait is the server's Retry-After capped at {@link RetryPolicy.maxWaitMs} (10 s), at most
 * {@link RetryPolicy.maxRetries} (10) retries and {@link RetryPolicy.totalWaitMs} (30 s) of waiting
 * per request; then the last answer is the error, saying how long it was retried.
 */

/** Why a request was sent again (the `reason` label of `ria_kube_retries_total`). */
export const RetryReason = { TooManyRequests: 'too_many_requests', ServerError: 'server_error' } as const;
export type RetryReason = (typeof RetryReason)[keyof typeof RetryReason];

export interface RetryPolicy {
  maxRetries: number;
  /** The longest single wait: a larger Retry-After is cut to this. */
  maxWaitMs: number;
  /** The most time one request spends waiting to be sent again. */
  totalWaitMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 10, maxWaitMs: 10_000, totalWaitMs: 30_000 };

/** Waits `ms`; resolves early (and quietly) when `signal` aborts. Passed in: tests wait for nothing. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) => new Promise<void>((resolve) => {
  if (signal?.aborted) { resolve(); return; }
  const done = () => { clearTimeout(timer); signal?.removeEventListener('abort', done); resolve(); };
  const timer = setTimeout(done, ms);
  signal?.addEventListener('abort', done, { once: true });
});

/** A retry about to happen (for metrics and logs). */
export interface RetryNote { reason: RetryReason; verb: string; status: number; waitMs: number; attempt: number }

/** What a request and its answer so far say about sending it again. */
export interface RetryState {
  /** Retries already made. */
  retries: number;
  /** Time already spent waiting, in ms. */
  waitedMs: number;
}

/** The request may be sent again after a 5xx (see the module comment). */
export function safeToRepeat(req: { method: string; verb: string }): boolean {
  return req.method === 'GET' || req.verb === 'apply';
}

/** Retry-After in seconds (client-go reads only the integer form), as ms; undefined when absent or not a number. */
export function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Number(value) * 1000;
}

/**
 * How long to wait before sending the request again, or undefined: do not, the answer is final.
 * `state` counts what this request already spent.
 */
export function nextRetry(answer: { status: number; retryAfter: string | string[] | undefined }, req: { method: string; verb: string },
  state: RetryState, policy: RetryPolicy = DEFAULT_RETRY_POLICY): { waitMs: number; reason: RetryReason } | undefined {
  const reason = answer.status === 429 ? RetryReason.TooManyRequests
    : answer.status >= 500 && answer.status < 600 && safeToRepeat(req) ? RetryReason.ServerError : undefined;
  if (!reason) return undefined;
  const after = retryAfterMs(answer.retryAfter);
  if (after === undefined || state.retries >= policy.maxRetries) return undefined;
  const waitMs = Math.min(after, policy.maxWaitMs);
  if (state.waitedMs + waitMs > policy.totalWaitMs) return undefined;
  return { waitMs, reason };
}

/** The words added to the final error of a request that was retried. */
export function retriedNote(state: RetryState): string {
  return state.retries ? ` (sent ${state.retries + 1} times over ${(state.waitedMs / 1000).toFixed(1)} s: the API server's Retry-After each time)` : '';
}
