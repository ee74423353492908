/**
 * Lists a remote's refs without fetching anything: what a poll does every 15 seconds. Asks for
 * protocol v2 (isomorphic-git falls back to v1 by itself when the server only speaks v1).
 */
import git from 'isomorphic-git';
import type { GitIO } from './client.js';
import { toGitError } from './map-error.js';
import { splitCredentials, type Credentials } from './redact.js';
import { authHeaders, DEFAULT_TIMEOUT_MS, limitsFor, withDeadline, type GitLimits } from './transport.js';

export interface ListRefsOptions {
  auth?: Credentials;
  /** Keep only refs starting with one of these (e.g. ['refs/heads/', 'refs/pull/']); all by default.
   * headTarget is reported either way. */
  prefixes?: string[];
  /** The most the answers may hold; the client's (ria.yaml's) by default. */
  limits?: GitLimits;
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
    const serverRefs = await withDeadline(io.http, io.timeoutMs ?? DEFAULT_TIMEOUT_MS, (http) =>
      git.listServerRefs({
        http,
        url,
        headers: authHeaders(auth),
        protocolVersion: 2,
        symrefs: true,
        // Filtered here, not with v2's server-side prefix: isomorphic-git sends only one prefix,
        // and a server-side filter would also drop HEAD and with it headTarget.
      }),
      io.timers,
      limitsFor(options.limits ?? io.limits?.(), 'listing'),
    );
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
