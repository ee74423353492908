/**
 * Shallow-fetches one ref into a local cache directory (a bare repository). The cache is not
 * state: deleting it costs one refetch. The ref is mirrored under its own name locally, so the
 * next fetch of the same ref tells the server what we have and only new objects come down.
 *
 * This uses init + fetch of the one ref, never clone: clone fails on a repository whose HEAD
 * points at a missing branch.
 */
import git from 'isomorphic-git';
import type { GitIO } from './client.js';
import { GitRefNotFoundError } from './errors.js';
import { toGitError } from './map-error.js';
import { splitCredentials, type Credentials } from './redact.js';
import { authHeaders, DEFAULT_TIMEOUT_MS, withDeadline } from './transport.js';

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
}

const REMOTE = 'origin';

/** Resolves to the SHA the ref points at now (which may be newer than `sha`). */
export async function fetchCommit(io: GitIO, options: FetchCommitOptions): Promise<string> {
  const { url, auth: urlAuth } = splitCredentials(options.url);
  const auth = options.auth ?? urlAuth;
  const ref = fullRef(options.ref);
  const { fs, dir } = { fs: io.fs, dir: options.dir };
  const context = { op: 'fetchCommit' as const, url: options.url, ref, withCredentials: auth !== undefined, secrets: [auth?.password] };
  try {
    if (options.sha && (await hasCommit(io, dir, options.sha))) return options.sha;
    await prepareCache(io, dir, url);
    const result = await withDeadline(io.http, io.timeoutMs ?? DEFAULT_TIMEOUT_MS, async (http) => {
      try {
        return await git.fetch({
          fs, http, gitdir: dir, remote: REMOTE, ref, remoteRef: ref, singleBranch: true,
          depth: options.depth ?? 1, tags: false, headers: authHeaders(auth),
        });
      } catch (err) {
        // isomorphic-git looks up the remote HEAD after writing the fetched ref, and throws when
        // HEAD points at a missing branch. The ref we asked for is fetched by then.
        if (isMissingHead(err) && ref !== 'HEAD') return undefined;
        throw err;
      }
    });
    const sha = result?.fetchHead ?? (await resolveLocal(io, dir, ref));
    if (!sha) throw new GitRefNotFoundError(context.url, { op: 'fetchCommit', ref });
    return sha;
  } catch (err) {
    throw toGitError(err, context);
  }
}

/** `main` → `refs/heads/main`; full names and HEAD unchanged. */
export function fullRef(ref: string): string {
  return ref === 'HEAD' || ref.startsWith('refs/') ? ref : `refs/heads/${ref}`;
}

/** Bare repo with an `origin` that mirrors refs under their own names (refs/pull/* included). */
async function prepareCache(io: GitIO, dir: string, url: string): Promise<void> {
  await git.init({ fs: io.fs, gitdir: dir, bare: true });
  await git.setConfig({ fs: io.fs, gitdir: dir, path: `remote.${REMOTE}.url`, value: url });
  await git.setConfig({ fs: io.fs, gitdir: dir, path: `remote.${REMOTE}.fetch`, value: '+refs/*:refs/*' });
}

async function hasCommit(io: GitIO, dir: string, sha: string): Promise<boolean> {
  try {
    await git.readCommit({ fs: io.fs, gitdir: dir, oid: sha });
    return true;
  } catch {
    return false;
  }
}

async function resolveLocal(io: GitIO, dir: string, ref: string): Promise<string | undefined> {
  try {
    return await git.resolveRef({ fs: io.fs, gitdir: dir, ref });
  } catch {
    return undefined;
  }
}

function isMissingHead(err: unknown): boolean {
  const e = err as { code?: string; data?: { what?: string } };
  return e?.code === 'NotFoundError' && e.data?.what === 'HEAD';
}
