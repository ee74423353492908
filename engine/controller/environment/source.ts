import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { RiaError } from '../../errors.js';
import type { App, Environment } from '../../crds/types.js';
import type { EngineContext } from '../context.js';
import { KeyedMutex } from '../locks.js';

/** One fetch at a time per cache directory, across all reconciles of this process. */
export const cacheLocks = new KeyedMutex();

/** The git ref an environment follows: its branch, or GitHub's pull-request head ref. */
export function environmentRef(env: Environment): string {
  return env.spec.kind === 'pr' ? `refs/pull/${env.spec.pullRequest}/head` : `refs/heads/${env.spec.branch}`;
}

/**
 * One cache directory per repository URL (hashed: URLs may carry characters paths cannot), and
 * a second one for its pull-request refs. A commit found in a cache directory is used without
 * asking the server (fetchCommit's `sha`); keeping pull-request heads apart means a commit
 * fetched for a pull request (anyone's code, forks included) is never taken for a branch's.
 */
export function repoCacheDir(ctx: Pick<EngineContext, 'gitCacheDir'>, url: string, ref?: string): string {
  const base = join(ctx.gitCacheDir, createHash('sha256').update(url).digest('hex').slice(0, 24));
  return ref?.startsWith('refs/pull/') ? `${base}-pulls` : base;
}

export class RiofileMissingError extends RiaError {
  constructor(path: string, commit: string) {
    super('RiofileMissing', `no ${path} in commit ${commit.slice(0, 7)}: add one, or set "riofile:" in the app's config file`, { path, commit });
  }
}

/**
 * Fetches the environment's commit (shallow, cached) and reads its Riofile. Git errors
 * (unreachable, auth) propagate typed: the caller keeps the running environment and retries.
 */
export async function loadRiofileText(ctx: EngineContext, app: App, env: Environment): Promise<{ text: string; file: string }> {
  const file = app.spec.riofile;
  const text = await withCommit(ctx, app, environmentRef(env), env.spec.commit, (dir) => ctx.git.readFileAt({ dir, sha: env.spec.commit, path: file }));
  if (text === null) throw new RiofileMissingError(file, env.spec.commit);
  return { text, file };
}

/**
 * Fetches a pushed ref into the cache while its Environment is still being updated, so the
 * reconcile that follows finds the commit there (the webhook knows the SHA before anything else
 * does). Always asks the server (no cached shortcut): the SHA it resolves to is the ref's tip per
 * the fetch itself, which is what a push hint is checked against before it moves anything.
 */
export async function fetchRefTip(ctx: EngineContext, app: App, ref: string): Promise<string> {
  const dir = repoCacheDir(ctx, app.spec.repo, ref);
  const auth = await ctx.credentials(app.spec.cloneSecret);
  // A webhook's push: a person is waiting, so the fetch goes ahead of polling's for a slot.
  return cacheLocks.run(dir, () => ctx.git.fetchCommit({ url: app.spec.repo, ref, dir, urgent: true, ...(auth ? { auth } : {}) }));
}

/** Fetches `sha` of `ref` into the ref's cache directory (if not there yet) and runs `read` on it, holding the directory's lock. */
async function withCommit<T>(ctx: EngineContext, app: App, ref: string, sha: string, read: (dir: string) => Promise<T>): Promise<T> {
  const dir = repoCacheDir(ctx, app.spec.repo, ref);
  const auth = await ctx.credentials(app.spec.cloneSecret);
  return cacheLocks.run(dir, async () => {
    await ctx.git.fetchCommit({ url: app.spec.repo, ref, sha, dir, ...(auth ? { auth } : {}) });
    return read(dir);
  });
}
