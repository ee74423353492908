/**
 * What every network call shares: credentials sent up front as a basic Authorization header
 * (one round trip, and the library never holds them), and a deadline that both aborts the
 * in-flight request and rejects the call, so a server that accepts and never answers cannot
 * stall a poll. Every call goes through withDeadline, so every call gets the redirect rule too.
 */
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import type { Credentials } from './redact.js';
import { sameOriginRedirects } from './redirects.js';

export const DEFAULT_TIMEOUT_MS = 30_000;

export function authHeaders(auth: Credentials | undefined): Record<string, string> {
  if (!auth) return {};
  const token = Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64');
  return { Authorization: `Basic ${token}` };
}

export class DeadlineError extends Error {
  override readonly name = 'TimeoutError';
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
  }
}

/**
 * Runs `fn` with an http client bound to an AbortSignal that fires after `ms`, and following
 * redirects only within the request's origin (redirects.ts). Resolves or rejects with whatever
 * `fn` does, or rejects with DeadlineError when time runs out first.
 */
export async function withDeadline<T>(
  http: HttpClient,
  ms: number,
  fn: (http: HttpClient) => Promise<T>,
  timers: { setTimeout: typeof setTimeout; clearTimeout: typeof clearTimeout } = globalThis,
): Promise<T> {
  const controller = new AbortController();
  const bound: HttpClient = sameOriginRedirects({
    request: async (req: GitHttpRequest): Promise<GitHttpResponse> => {
      const res = await http.request({ ...req, signal: controller.signal });
      return res.body ? { ...res, body: endedByAbort(res.body, controller.signal) } : res;
    },
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = timers.setTimeout(() => {
      const err = new DeadlineError(ms);
      controller.abort(err);
      reject(err);
    }, ms);
  });
  const work = fn(bound);
  work.catch(() => {}); // after a timeout the abandoned call may still reject; nobody listens
  try {
    return await Promise.race([work, deadline]);
  } finally {
    timers.clearTimeout(timer);
  }
}

/**
 * The response body, failing every read from the abort on. isomorphic-git's node client ends its
 * body only on the stream's 'end' or 'error': a compressed answer (Content-Encoding: gzip, which
 * any server may send) that is aborted emits neither, nor does a plain one whose error comes while
 * no read is waiting, so the fetch's next read waited forever. The call was answered at its
 * deadline all the same, but its work never ended, and it kept its fetch slot and its cache
 * directory for good. The stream is destroyed at the abort (its socket freed).
 */
export function endedByAbort(body: AsyncIterableIterator<Uint8Array>, signal: AbortSignal): AsyncIterableIterator<Uint8Array> {
  const it = body[Symbol.asyncIterator]();
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    try { void Promise.resolve(it.return?.()).catch(() => {}); } catch { /* already closed */ }
  };
  const aborted = new Promise<never>((_, reject) => {
    const abort = () => { reject(signal.reason); close(); };
    if (signal.aborted) abort(); else signal.addEventListener('abort', abort, { once: true });
  });
  aborted.catch(() => {}); // a body read to its end before the abort: nobody listens
  return {
    next: () => Promise.race([it.next(), aborted]),
    return: async (value?: unknown) => { close(); return { done: true, value } as IteratorResult<Uint8Array>; },
    [Symbol.asyncIterator]() { return this; },
  };
}
