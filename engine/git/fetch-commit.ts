/**
 * Shallow-fetches one ref into a local cache directory (a bare repository). The cache is not
 * state: deleting it costs one refetch. The ref is mirrored under its own name locally, so the
 * next fetch of the same ref tells the server which commit we have.
 *
 * Every fetch brings the whole tree of its commit all the same: git's upload-pack answers a
 * depth-1 fetch with every object of the new commit, unchanged files included, and Ria asks for
 * no thin pack (deltas against objects we have: pack-scan.ts refuses them). So the inflation
 * limits (git.maxObjectSize, git.maxInflatedSize) hold the commit's whole snapshot on every
 * fetch, and a commit gets the same answer whether its fetch follows an earlier one or fills an
 * empty cache (a new engine, a cache emptied past MAX_CACHED_PACKS). Under thin packs, fetched
 * by the push, a repository grew past the limit a push at a time and stalled at the next empty
 * cache (review9 F10); the cost of resending is one tree a fetch, within those limits.
 *
 * This uses init + fetch of the one ref, never clone: clone fails on a repository whose HEAD
 * points at a missing branch.
 *
 * One fetch per cache directory at a time (the controller's cacheLocks give that); two
 * concurrent fetches into one directory may race on its refs and shallow file. A fetch answered
 * at its deadline gives the lock back while its work still writes: the next call into the
 * directory waits for that work here (ending-work.ts).
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import git from 'isomorphic-git';
import type { GitIO } from './client.js';
import { GitFetchStillEndingError, GitRefNotFoundError } from './errors.js';
import { toGitError } from './map-error.js';
import { withHeadFallback } from './missing-head.js';
import { splitCredentials, type Credentials } from './redact.js';
import { authHeaders, BodyTooLargeError, DeadlineError, DEFAULT_TIMEOUT_MS, limitsFor, withDeadline, type GitLimits } from './transport.js';
import { answeringDiscovery } from './advertisements.js';
import { InflationTooLargeError, PackFormatError } from './pack-scan.js';

export interface FetchCommitOptions {
  url: string;
  /** Full ref name (`refs/heads/main`, `refs/pull/7/head`); a bare name means a branch. */
  ref: string;
  /** The SHA the caller expects (from listRemoteRefs): when already cached, no request is made. */
  sha?: string;
  /** Cache directory for this repository (one per URL). Created when missing. */
  dir: string;
  auth?: Credentials;
  /** History depth; 1 by default. */
  depth?: number;
  /** A person is waiting (a webhook's push): ahead of other waiting fetches for a slot (see limiter.ts). */
  urgent?: boolean;
  /** The most the answers may hold; the client's (ria.yaml's) by default. */
  limits?: GitLimits;
}

const REMOTE = 'origin';

/**
 * Resolves to the commit SHA the ref points at now, which may be newer than `sha` when the ref
 * moved since it was listed. (An annotated tag resolves to the tag object, not its commit.)
 */
export async function fetchCommit(io: GitIO, options: FetchCommitOptions): Promise<string> {
  const { url, auth: urlAuth } = splitCredentials(options.url);
  const auth = options.auth ?? urlAuth;
  const ref = fullRef(options.ref);
  const { fs } = io;
  const { dir } = options;
  const context = { op: 'fetchCommit' as const, url: options.url, ref, ...(options.sha ? { sha: options.sha } : {}), withCredentials: auth !== undefined, secrets: [auth?.password] };
  const limits = limitsFor(options.limits ?? io.limits?.(), 'fetch');
  const timeoutMs = io.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // An earlier fetch abandoned at its deadline may still write here: wait for it, at most as long as a fetch may take.
  const endingForMs = await io.ending?.settled(dir, timeoutMs);
  if (endingForMs !== undefined) throw new GitFetchStillEndingError({ op: 'fetchCommit', dir, url: options.url, endingForMs });
  try {
    if (options.sha && (await hasCommit(io, dir, options.sha))) return options.sha;
    await prepareCache(io, dir, url);
    // The deadline counts from when the fetch may start, not while it waits for a slot.
    let work: Promise<unknown> | undefined;
    // The cache is taken with the slot: fetches waiting for one keep no cache from eviction.
    let cache: { cache: object; release: () => void } | undefined;
    // The listing that found `sha` here a moment ago answers the fetch's discovery (advertisements.ts).
    const advert = io.adverts?.take(url, auth, ref, options.sha);
    const fetch = () => withDeadline(io.http, timeoutMs, (http) => {
      cache = io.caches?.use(dir);
      const discovered = advert ? answeringDiscovery(http, advert) : http;
      const started = git.fetch({
        fs,
        http: withHeadFallback(discovered, ref),
        gitdir: dir,
        remote: REMOTE,
        ref,
        remoteRef: ref,
        singleBranch: true,
        depth: options.depth ?? 1,
        tags: false,
        ...(cache ? { cache: cache.cache } : {}),
        headers: authHeaders(auth),
      });
      work = started;
      return started;
    }, io.timers, limits);
    const release = io.fetches ? await io.fetches.acquire(options.urgent) : undefined;
    let result: Awaited<ReturnType<typeof fetch>>;
    try {
      result = await fetch();
    } catch (err) {
      // Answered before its work ended: at the deadline, or at a pack over a limit (its size, or
      // how far it inflates: the work then fails at its next read, but may still be writing the
      // refs it wrote first).
      if ((err instanceof DeadlineError || err instanceof BodyTooLargeError || err instanceof InflationTooLargeError || err instanceof PackFormatError) && work) io.ending?.hold(dir, work);
      throw err;
    } finally {
      // Past its deadline the request is aborted, but a pack already received is still being
      // indexed (in memory, the abort is not checked there) and written to the directory: the
      // slot stays taken until that ends, or the limit would no longer bound the packs in
      // memory, and the directory stays held, or the next fetch would write beside it. Its
      // cache object is in use as long (it fills it): not evicted, still counted.
      const ended = () => { release?.(); cache?.release(); };
      if (work) void work.then(ended, ended); else ended();
    }
    // A new pack: the directory's cache holds more once it reads from it.
    io.caches?.resized(dir);
    // fetchHead is null only when the remote has no refs at all.
    const sha = result.fetchHead ?? undefined;
    if (!sha) throw new GitRefNotFoundError(context.url, { op: 'fetchCommit', ref });
    return sha;
  } catch (err) {
    // The directory may have been emptied under us: prepare it again next time.
    io.caches?.drop(dir);
    // An advertisement that answered a failed fetch may be what failed it (the commit gone): the retry asks.
    io.adverts?.drop(url, auth);
    throw toGitError(err, context);
  }
}

/** `main` → `refs/heads/main`; full names and HEAD unchanged. */
export function fullRef(ref: string): string {
  return ref === 'HEAD' || ref.startsWith('refs/') ? ref : `refs/heads/${ref}`;
}

/**
 * Past this many packs the cache is emptied and refetched at depth 1 (one pack). Each fetch adds
 * a pack and isomorphic-git never repacks; a lookup of a missing object checks every pack.
 */
export const MAX_CACHED_PACKS = 32;

/** Bare repo with an `origin` that mirrors refs under their own names (refs/pull/* included). */
async function prepareCache(io: GitIO, dir: string, url: string): Promise<void> {
  // The cache directory is always on disk (node:fs), whatever fs isomorphic-git is given.
  const packs = await readdir(join(dir, 'objects', 'pack')).then((names) => names.filter((n) => n.endsWith('.idx')).length, () => 0);
  if (packs > MAX_CACHED_PACKS) {
    await rm(dir, { recursive: true, force: true });
    io.caches?.drop(dir);
  }
  // Prepared earlier by this process and still there (a cache directory may be deleted any time).
  if (io.caches?.isPrepared(dir, url) && (await stat(join(dir, 'config')).then(() => true, () => false))) return;
  await git.init({ fs: io.fs, gitdir: dir, bare: true });
  await git.setConfig({ fs: io.fs, gitdir: dir, path: `remote.${REMOTE}.url`, value: url });
  await git.setConfig({ fs: io.fs, gitdir: dir, path: `remote.${REMOTE}.fetch`, value: '+refs/*:refs/*' });
  io.caches?.markPrepared(dir, url);
}

async function hasCommit(io: GitIO, dir: string, sha: string): Promise<boolean> {
  const cache = io.caches?.use(dir);
  try {
    await git.readCommit({ fs: io.fs, gitdir: dir, oid: sha, ...(cache ? { cache: cache.cache } : {}) });
    return true;
  } catch {
    return false;
  } finally {
    cache?.release();
  }
}
