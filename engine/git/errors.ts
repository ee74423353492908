/**
 * Typed git failures. `retryable` tells the engine whether to back off and retry (the server is
 * unreachable) or to stop and surface the error until a person acts (bad credentials, missing
 * ref). Messages name the URL redacted (the constructors redact it again, so a raw URL passed
 * by mistake cannot leak credentials).
 */
import { RiaError } from '../errors.js';
import { redactUrl } from './redact.js';

export const GitErrorCode = {
  Auth: 'GitAuthFailed',
  Unreachable: 'GitUnreachable',
  RefNotFound: 'GitRefNotFound',
  RepoNotFound: 'GitRepoNotFound',
  CommitNotFetched: 'GitCommitNotFetched',
  RedirectRefused: 'GitRedirectRefused',
  FetchStillEnding: 'GitFetchStillEnding',
  PackTooLarge: 'GitPackTooLarge',
  RefsTooLarge: 'GitRefsTooLarge',
  Generic: 'GitError',
} as const;
export type GitErrorCode = (typeof GitErrorCode)[keyof typeof GitErrorCode];

/** Which call failed; stored in `data.op`. */
export type GitOp = 'listRemoteRefs' | 'fetchCommit' | 'readFileAt';

export class GitError extends RiaError {
  readonly retryable: boolean;

  constructor(
    message: string,
    data: Record<string, unknown>,
    { code = GitErrorCode.Generic, retryable = false, cause }: { code?: GitErrorCode; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(code, message, data, cause === undefined ? undefined : { cause });
    this.retryable = retryable;
  }
}

/** The server answered 401/403: credentials are missing, wrong or lack access. */
export class GitAuthError extends GitError {
  constructor(url: string, data: { op: GitOp; status: number; withCredentials: boolean }) {
    const hint = data.withCredentials ? 'check the username and token' : 'no credentials were given';
    super(`authentication failed for ${redactUrl(url)} (HTTP ${data.status}; ${hint})`, { url: redactUrl(url), ...data }, { code: GitErrorCode.Auth });
  }
}

/** Connection refused or reset, DNS failure, timeout or a 5xx/429: worth retrying later. */
export class GitUnreachableError extends GitError {
  constructor(url: string, data: { op: GitOp; reason: string; status?: number }, cause?: unknown) {
    super(`git server unreachable at ${redactUrl(url)}: ${data.reason}`, { url: redactUrl(url), ...data }, { code: GitErrorCode.Unreachable, retryable: true, cause });
  }
}

/** The repository answered but has no such ref (a deleted branch or a closed pull request). */
export class GitRefNotFoundError extends GitError {
  constructor(url: string, data: { op: GitOp; ref: string }) {
    super(`ref ${data.ref} not found in ${redactUrl(url)}`, { url: redactUrl(url), ...data }, { code: GitErrorCode.RefNotFound });
  }
}

/** HTTP 404 on the repository itself (wrong URL, or a private repo seen without credentials). */
export class GitRepoNotFoundError extends GitError {
  constructor(url: string, data: { op: GitOp; status: number }) {
    super(`repository not found at ${redactUrl(url)} (HTTP ${data.status})`, { url: redactUrl(url), ...data }, { code: GitErrorCode.RepoNotFound });
  }
}

/**
 * An earlier fetch into the same cache directory passed its deadline and is still writing there
 * (see ending-work.ts): this call did not start beside it. Retryable: the directory is usable
 * again once that work ends.
 */
export class GitFetchStillEndingError extends GitError {
  constructor(data: { op: GitOp; dir: string; url?: string; endingForMs: number }) {
    const url = data.url === undefined ? undefined : redactUrl(data.url);
    const seconds = Math.round(data.endingForMs / 1000);
    super(`an earlier fetch ${url ? `of ${url} ` : ''}into ${data.dir} passed its deadline ${seconds} s ago and is still writing there; not starting another beside it (retried later)`,
      { ...data, ...(url ? { url } : {}) }, { code: GitErrorCode.FetchStillEnding, retryable: true });
  }
}

/** ria.yaml's keys for the limits on what one git response may hold (engine/config). */
export const SIZE_SETTING = { pack: 'git.maxFetchSize', refs: 'git.maxRefsSize', object: 'git.maxObjectSize', inflated: 'git.maxInflatedSize' } as const;

/**
 * A response went past its limit (ria.yaml git.maxFetchSize for a fetch's pack, git.maxRefsSize
 * for a ref listing) and was not read further. Not retryable: the same commit (or the same refs)
 * would be as large next time; a person makes the commit smaller, or raises the limit. What it
 * says first is what fits a commit status: which ref and commit, which limit, what to do.
 *
 * A pack whose objects would inflate too far (git.maxObjectSize for one object, git.maxInflatedSize
 * for all of them, pack-scan.ts) is a GitPackTooLarge as well: the same commit, the same remedy;
 * `detail` says which object (its type, size and offset in the pack; never its content).
 */
export class GitTooLargeError extends GitError {
  constructor(url: string, data: { op: GitOp; what: keyof typeof SIZE_SETTING; maxBytes: number; ref?: string; sha?: string; detail?: string }) {
    const setting = SIZE_SETTING[data.what];
    const limit = `ria.yaml's ${setting} (${formatBytes(data.maxBytes)})`;
    const at = data.ref === undefined ? '' : ` of ${data.ref.replace(/^refs\/heads\//, '')}${data.sha ? ` at ${data.sha.slice(0, 7)}` : ''}`;
    const raise = `make the commit smaller, or raise it with the engine's memory (engine/controller/README.md); repository ${redactUrl(url)}`;
    const message = data.what === 'refs'
      ? `ref listing of ${redactUrl(url)} over ${limit}, not read: delete refs (branches, tags), or raise it`
      : data.what === 'pack'
        ? `pack${at} over ${limit}, not read: ${raise}`
        : `pack${at} inflates past ${limit}${data.detail ? ` (${data.detail})` : ''}, not indexed: ${raise}`;
    super(message, { url: redactUrl(url), ...data, setting },
      { code: data.what === 'refs' ? GitErrorCode.RefsTooLarge : GitErrorCode.PackTooLarge });
  }
}

/** `8 MiB`, `1.5 MiB`, `100 bytes`: a limit as ria.yaml's users write it. */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
    if (bytes >= size) return `${Number.isInteger(bytes / size) ? bytes / size : (bytes / size).toFixed(1)} ${unit}`;
  }
  return `${bytes} bytes`;
}

/**
 * The server redirected to another origin (scheme, host or port), or redirected too often. Not
 * retryable: the app file's URL must change. Both URLs are shown redacted.
 */
export class GitRedirectError extends GitError {
  constructor(url: string, data: { location: string; status: number; tooMany?: number }) {
    const from = redactUrl(url);
    const to = redactUrl(data.location);
    const message = data.tooMany !== undefined
      ? `${from}: more than ${data.tooMany} redirects (the last to ${to})`
      : `${from} redirected (HTTP ${data.status}) to ${to}, another origin; Ria follows git redirects only within the same scheme, host and port: put the new URL in the app file if the move is real`;
    super(message, { url: from, location: to, status: data.status }, { code: GitErrorCode.RedirectRefused });
  }
}
