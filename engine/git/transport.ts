/**
 * What every network call shares: credentials sent up front as a basic Authorization header
 * (one round trip, and the library never holds them), and a deadline that both aborts the
 * in-flight request and rejects the call, so a server that accepts and never answers cannot
 * stall a poll. Every call goes through withDeadline, so every call gets the redirect rule and
 * the size limits too.
 */
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import type { Credentials } from './redact.js';
import { sameOriginRedirects } from './redirects.js';
import { UploadPackScan, type InflationLimit } from './pack-scan.js';

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

/** What one response body may hold at most: a ref listing (advertisement) or a pack. */
export interface BodyLimit {
  what: 'refs' | 'pack';
  maxBytes: number;
  /** A pack's: how far its objects may inflate, checked as it streams (pack-scan.ts). */
  inflation?: InflationLimit;
}

/** A response body went past its BodyLimit: the call fails with it, its request aborted. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  constructor(readonly limit: BodyLimit) {
    super(`the ${limit.what === 'pack' ? 'pack' : 'ref listing'} is larger than ${limit.maxBytes} bytes`);
  }
}

/** The most one git response may hold, by what it is (ria.yaml's git.maxFetchSize and git.maxRefsSize). */
export interface GitLimits {
  maxPackBytes: number;
  maxRefsBytes: number;
  /** How far one object of a pack may inflate (git.maxObjectSize); none means unbounded. */
  maxObjectBytes?: number;
  /** How far all of a pack's objects may inflate together (git.maxInflatedSize); none means unbounded. */
  maxInflatedBytes?: number;
}

/**
 * The limit of each request of a call: in a fetch the POST's answer is the pack and the GET's the
 * ref advertisement; in a listing every answer is refs (protocol v2's ls-refs is a POST). None
 * (no limits, or an infinite one) counts nothing.
 */
export function limitsFor(limits: GitLimits | undefined, call: 'fetch' | 'listing'): ((req: GitHttpRequest) => BodyLimit | undefined) | undefined {
  if (!limits) return undefined;
  return (req) => {
    const pack = call === 'fetch' && (req.method ?? 'GET').toUpperCase() === 'POST';
    const maxBytes = pack ? limits.maxPackBytes : limits.maxRefsBytes;
    const inflation = pack ? inflationLimit(limits) : undefined;
    if (!Number.isFinite(maxBytes) && !inflation) return undefined;
    return { what: pack ? 'pack' : 'refs', maxBytes, ...(inflation ? { inflation } : {}) };
  };
}

function inflationLimit(limits: GitLimits): InflationLimit | undefined {
  const maxObjectBytes = limits.maxObjectBytes ?? Infinity;
  const maxTotalBytes = limits.maxInflatedBytes ?? Infinity;
  return Number.isFinite(maxObjectBytes) || Number.isFinite(maxTotalBytes) ? { maxObjectBytes, maxTotalBytes } : undefined;
}

/**
 * Runs `fn` with an http client bound to an AbortSignal that fires after `ms`, and following
 * redirects only within the request's origin (redirects.ts). Resolves or rejects with whatever
 * `fn` does, or rejects with DeadlineError when time runs out first, or with BodyTooLargeError as
 * soon as a response body goes past the limit `limitFor` gives its request (each body counted on
 * its own, as it is read): isomorphic-git collects a whole pack or listing in memory before it
 * looks at it, so without a limit a server decided how much memory the engine used.
 */
export async function withDeadline<T>(
  http: HttpClient,
  ms: number,
  fn: (http: HttpClient) => Promise<T>,
  timers: { setTimeout: typeof setTimeout; clearTimeout: typeof clearTimeout } = globalThis,
  limitFor?: (req: GitHttpRequest) => BodyLimit | undefined,
): Promise<T> {
  const controller = new AbortController();
  let fail!: (err: Error) => void;
  const failed = new Promise<never>((_, reject) => {
    fail = (err) => { controller.abort(err); reject(err); };
  });
  const bound: HttpClient = sameOriginRedirects({
    request: async (req: GitHttpRequest): Promise<GitHttpResponse> => {
      const res = await http.request({ ...req, signal: controller.signal });
      const limit = limitFor?.(req);
      return res.body ? { ...res, body: endedByAbort(res.body, controller.signal, limit && { limit, exceeded: fail }) } : res;
    },
  });
  const timer = timers.setTimeout(() => fail(new DeadlineError(ms)), ms);
  const work = fn(bound);
  work.catch(() => {}); // after a timeout the abandoned call may still reject; nobody listens
  try {
    return await Promise.race([work, failed]);
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
 *
 * With a `cap`, the bytes read are counted (after any Content-Encoding is undone: what is held in
 * memory): the read that goes past the limit fails with BodyTooLargeError, and `exceeded` is told
 * (withDeadline aborts the request with it, so the reads after fail too). With an inflation limit,
 * each chunk of a pack is also read by an UploadPackScan before it is handed on: a pack that would
 * inflate past it fails the read the same way (InflationTooLargeError, PackFormatError).
 */
export function endedByAbort(
  body: AsyncIterableIterator<Uint8Array>,
  signal: AbortSignal,
  cap?: { limit: BodyLimit; exceeded: (err: Error) => void },
): AsyncIterableIterator<Uint8Array> {
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
  let read = 0;
  const scan = cap?.limit.inflation ? new UploadPackScan(cap.limit.inflation) : undefined;
  const refuse = (err: Error) => {
    cap!.exceeded(err);
    close();
    throw err;
  };
  return {
    next: async () => {
      const result = await Promise.race([it.next(), aborted]);
      if (cap && !result.done && result.value) {
        read += result.value.byteLength;
        if (read > cap.limit.maxBytes) refuse(new BodyTooLargeError(cap.limit));
        if (scan) {
          try { scan.push(result.value); } catch (err) { refuse(err as Error); }
        }
      }
      return result;
    },
    return: async (value?: unknown) => { close(); return { done: true, value } as IteratorResult<Uint8Array>; },
    [Symbol.asyncIterator]() { return this; },
  };
}
