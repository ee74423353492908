/**
 * The engine's view of git: the I/O it needs (an fs, an http client, a timeout) bound once, and
 * the three calls a poll makes. Each call is a free function taking the GitIO first, so tests
 * and other edges can use them without the object.
 */
import type { FsClient, HttpClient } from 'isomorphic-git';
import { listRemoteRefs, type ListRefsOptions, type RemoteRefs } from './list-refs.js';
import { fetchCommit, type FetchCommitOptions } from './fetch-commit.js';
import { readFileAt, type ReadFileOptions } from './read-file.js';
import { ObjectCaches } from './object-cache.js';
import { Limiter } from './limiter.js';
import { EndingWork } from './ending-work.js';
import type { GitLimits } from './transport.js';
import { Advertisements } from './advertisements.js';

export interface GitIO {
  fs: FsClient;
  http: HttpClient;
  /** Deadline for each network call (all of its requests together); 30 s by default. */
  timeoutMs?: number;
  /** The deadline's timers; the global ones by default (tests fire them by hand). */
  timers?: { setTimeout: typeof setTimeout; clearTimeout: typeof clearTimeout };
  /** Parsed packs per cache directory (see object-cache.ts); none means every read parses them again. */
  caches?: ObjectCaches;
  /** Fetches and ref listings in flight at once, whoever asks (see limiter.ts); none means unbounded. */
  fetches?: Limiter;
  /** Fetches answered at their deadline but still writing, per cache directory (see ending-work.ts); none means not waited for. */
  ending?: EndingWork;
  /** The most one response may hold (read at each call: ria.yaml may change them); none means unbounded. A call's own `limits` win. */
  limits?: () => GitLimits;
  /** Listings' ref advertisements, answering the discovery of a fetch of a commit they list (see advertisements.ts); none means every fetch asks. */
  adverts?: Advertisements;
}

/** Fetches in flight at once by default: as many as the engine's work queue runs reconciles. */
export const DEFAULT_CONCURRENT_FETCHES = 4;

export interface GitClient {
  listRemoteRefs(url: string, options?: ListRefsOptions): Promise<RemoteRefs>;
  fetchCommit(options: FetchCommitOptions): Promise<string>;
  readFileAt(options: ReadFileOptions): Promise<string | null>;
  /** True once no fetch answered at its deadline still writes into a cache directory; false if one still does after `waitMs`. */
  whenIdle?(waitMs: number): Promise<boolean>;
}

export function createGitClient(io: GitIO): GitClient {
  if (!io?.fs || !io.http) throw new TypeError('ria/git: createGitClient needs { fs, http }');
  io = { ...io, caches: io.caches ?? new ObjectCaches(), fetches: io.fetches ?? new Limiter(DEFAULT_CONCURRENT_FETCHES),
    ending: io.ending ?? new EndingWork(), adverts: io.adverts ?? new Advertisements() };
  return {
    listRemoteRefs: (url, options) => listRemoteRefs(io, url, options),
    fetchCommit: (options) => fetchCommit(io, options),
    readFileAt: (options) => readFileAt(io, options),
    whenIdle: (waitMs) => io.ending!.idle(waitMs),
  };
}
