/**
 * Turns whatever isomorphic-git, node:http or the deadline threw into one of Ria's typed git
 * errors. Pure, so the mapping is unit-tested without a network.
 */
import { RiaError } from '../errors.js';
import {
  GitAuthError,
  GitError,
  GitRefNotFoundError,
  GitRepoNotFoundError,
  GitTooLargeError,
  GitUnreachableError,
  type GitOp,
} from './errors.js';
import { redactUrl, scrubSecrets } from './redact.js';
import { BodyTooLargeError } from './transport.js';
import { InflationTooLargeError, PackFormatError } from './pack-scan.js';

export interface ErrorContext {
  op: GitOp;
  /** The URL the call used; redacted here. */
  url: string;
  ref?: string;
  /** The commit the caller expected, when it said. */
  sha?: string;
  withCredentials: boolean;
  /** Secrets to scrub from any text taken from the cause. */
  secrets?: Array<string | undefined>;
}

/** Node network error codes that mean "try again later". */
const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection closed',
  ETIMEDOUT: 'timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENETDOWN: 'network down',
  UND_ERR_SOCKET: 'connection closed',
  ERR_STREAM_PREMATURE_CLOSE: 'connection closed',
};

export function toGitError(err: unknown, ctx: ErrorContext): RiaError {
  if (err instanceof RiaError) return err;
  const url = redactUrl(ctx.url);
  const { op } = ctx;
  if (err instanceof BodyTooLargeError) {
    return new GitTooLargeError(url, { op, ...err.limit, ...(ctx.ref !== undefined ? { ref: ctx.ref } : {}), ...(ctx.sha ? { sha: ctx.sha } : {}) });
  }
  if (err instanceof InflationTooLargeError) {
    return new GitTooLargeError(url, { op, what: err.what, maxBytes: err.maxBytes, detail: err.detail, ...(ctx.ref !== undefined ? { ref: ctx.ref } : {}), ...(ctx.sha ? { sha: ctx.sha } : {}) });
  }
  if (err instanceof PackFormatError) {
    // Not a pack isomorphic-git would read as the size check did: refused rather than indexed unchecked.
    return new GitError(`the pack from ${url} could not be read (${err.message}); not indexed`, { url, op, causeCode: 'PackFormatError' }, { cause: err });
  }
  const e = (err ?? {}) as { code?: unknown; name?: unknown; message?: unknown; data?: Record<string, unknown>; errors?: unknown[] };
  const code = typeof e.code === 'string' ? e.code : undefined;

  if (code === 'HttpError') {
    const status = Number(e.data?.statusCode);
    const statusMessage = typeof e.data?.statusMessage === 'string' ? e.data.statusMessage : '';
    if (status === 401 || status === 403) return new GitAuthError(url, { op, status, withCredentials: ctx.withCredentials });
    if (status === 404) return new GitRepoNotFoundError(url, { op, status });
    if (status >= 500 || status === 429 || status === 408) {
      return new GitUnreachableError(url, { op, status, reason: `HTTP ${status} ${statusMessage}`.trim() }, err);
    }
    return new GitError(`git request to ${url} failed: HTTP ${status} ${statusMessage}`.trim(), { url, op, status }, { cause: err });
  }
  if (code === 'NotFoundError' && ctx.ref !== undefined && op !== 'readFileAt') {
    return new GitRefNotFoundError(url, { op, ref: ctx.ref });
  }
  if (e.name === 'AbortError' || e.name === 'TimeoutError' || code === 'ABORT_ERR') {
    return new GitUnreachableError(url, { op, reason: 'timed out' }, err);
  }
  const network = networkReason(e);
  if (network) return new GitUnreachableError(url, { op, reason: network }, err);
  if (code === 'UrlParseError' || code === 'UnknownTransportError') {
    return new GitError(`not a git HTTP(S) URL: ${url}`, { url, op }, { cause: err });
  }

  const detail = scrubSecrets(typeof e.message === 'string' ? e.message : String(err), [...(ctx.secrets ?? []), ctx.url]);
  return new GitError(`git ${op} failed for ${url}: ${detail}`, { url, op, ...(code ? { causeCode: code } : {}) }, { cause: err });
}

/** "connection refused (ECONNREFUSED)" for a node network error, looking inside AggregateErrors. */
function networkReason(e: { code?: unknown; message?: unknown; errors?: unknown[] }): string | undefined {
  const candidates = [e, ...(Array.isArray(e.errors) ? (e.errors as Array<{ code?: unknown }>) : [])];
  for (const c of candidates) {
    const code = typeof c.code === 'string' ? c.code : undefined;
    if (code && NETWORK_CODES[code]) return `${NETWORK_CODES[code]} (${code})`;
  }
  if (typeof e.message === 'string' && /socket hang up/i.test(e.message)) return 'connection closed (socket hang up)';
  return undefined;
}
