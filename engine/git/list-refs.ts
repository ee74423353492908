/**
 * Lists a remote's refs without fetching anything: what a poll does every interval. One request
 * in protocol v0/v1 (`GET info/refs`: every ref and the HEAD symref in its advertisement), where
 * v2 takes two (the capabilities, then `ls-refs`) for the same refs: isomorphic-git sends v2's
 * ls-refs one prefix at most, so Ria asked for all refs and filtered them here either way. The
 * advertisement is kept a short while (advertisements.ts): the fetch of a commit it lists needs
 * no discovery of its own.
 */
import git from 'isomorphic-git';
import type { GitIO } from './client.js';
import { toGitError } from './map-error.js';
import { splitCredentials, type Credentials } from './redact.js';
import { authHeaders, DEFAULT_TIMEOUT_MS, limitsFor, withDeadline, type GitLimits } from './transport.js';
import { recordingAdvert } from './advertisements.js';

export interface ListRefsOptions {
  auth?: Credentials;
  /** Keep only refs starting with one of these (e.g. ['refs/heads/', 'refs/pull/']); all by default.
   * headTarget is reported either way. */
  prefixes?: string[];
  /** The most the answers may hold; the client's (ria.yaml's) by default. */
  limits?: GitLimits;
  /** A person is waiting: ahead of waiting fetches and listings for a slot (see limiter.ts). */
  urgent?: boolean;
}

export interface RemoteRefs {
  /** Full ref name (`refs/heads/main`, `refs/pull/7/head`, `HEAD`) → commit SHA. */
  refs: Map<string, string>;
  /** Where the remote's HEAD points (`refs/heads/main`), when the server says and the branch exists. */
  headTarget?: string;
}

export async function listRemoteRefs(io: GitIO, rawUrl: string, options: ListRefsOptions = {}): Promise<RemoteRefs> {
  const { url, auth: urlAuth } = splitCredentials(rawUrl);
  const auth = options.auth ?? urlAuth;
  const prefixes = options.prefixes;
  try {
    let advert: { body: Uint8Array; headers: Record<string, string> } | undefined;
    // A listing holds its whole advertisement (up to git.maxRefsSize) as a fetch holds its pack: it
    // takes one of the same slots (limiter.ts), or many listings at once would each hold that much.
    // The deadline counts from when it may start; the slot is held until its work has ended.
    const release = io.fetches ? await io.fetches.acquire(options.urgent) : undefined;
    let work: Promise<unknown> | undefined;
    let serverRefs: Awaited<ReturnType<typeof git.listServerRefs>>;
    try {
      serverRefs = await withDeadline(io.http, io.timeoutMs ?? DEFAULT_TIMEOUT_MS, (http) => {
        const started = git.listServerRefs({
          http: recordingAdvert(http, (body, headers) => { advert = { body, headers }; }),
          url,
          headers: authHeaders(auth),
          protocolVersion: 1,
          symrefs: true,
        });
        work = started;
        return started;
      },
      io.timers,
      limitsFor(options.limits ?? io.limits?.(), 'listing'),
      );
    } finally {
      // Answered at its deadline or at a listing over its limit, its work ends at its next read
      // (the request is aborted); the slot is given back then, not before.
      if (work) void work.then(() => release?.(), () => release?.()); else release?.();
    }
    if (advert) io.adverts?.keep(url, auth, { ...advert, refs: new Map(serverRefs.map((r) => [r.ref, r.oid])) });
    return toRemoteRefs(serverRefs, prefixes);
  } catch (err) {
    throw toGitError(err, { op: 'listRemoteRefs', url: rawUrl, withCredentials: auth !== undefined, secrets: [auth?.password] });
  }
}

/** Pure: the server's answer as a RemoteRefs, keeping only refs under `prefixes`. */
export function toRemoteRefs(serverRefs: Array<{ ref: string; oid: string; target?: string }>, prefixes?: string[]): RemoteRefs {
  const refs = new Map<string, string>();
  let headTarget: string | undefined;
  for (const { ref, oid, target } of serverRefs) {
    if (ref === 'HEAD' && target) headTarget = target;
    if (!prefixes || prefixes.some((p) => ref.startsWith(p))) refs.set(ref, oid);
  }
  return headTarget ? { refs, headTarget } : { refs };
}
