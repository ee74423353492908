import type { Log } from '../controller/context.js';
import type { CommitStatusBody, GitHubApi } from './api.js';
import { repoKey, type RepoRef } from './repo.js';

/** GitHub keeps at most 1,000 statuses per commit and context, then refuses more. */
export const MAX_STATUSES_PER_CONTEXT = 1000;

export type PostResult = 'posted' | 'duplicate' | 'capped';

/**
 * Posts commit statuses, never the same state+description+URL twice for one commit and context
 * (a reconcile loop re-reports the same phase often), and never past GitHub's per-context cap.
 * Memory is bounded (oldest entries go first); forgetting costs at most one repeated status.
 */
export class StatusPoster {
  private readonly posted = new Map<string, { last: string; count: number }>();

  constructor(private readonly log: Log, private readonly maxEntries = 20_000) {}

  async post(api: GitHubApi, repo: RepoRef, sha: string, body: CommitStatusBody): Promise<PostResult> {
    const key = `${repoKey(repo)}@${sha}#${body.context}`;
    const fingerprint = `${body.state}\n${body.description}\n${body.target_url ?? ''}`;
    const previous = this.posted.get(key);
    if (previous?.last === fingerprint) return 'duplicate';
    const count = previous?.count ?? 0;
    if (count >= MAX_STATUSES_PER_CONTEXT) {
      if (count === MAX_STATUSES_PER_CONTEXT) this.log.warn('commit status cap reached; no more statuses for this commit and context', { sha, context: body.context });
      this.remember(key, { last: previous!.last, count: count + 1 });
      return 'capped';
    }
    // Remembered before the call so two reports racing for one commit post once; forgotten on failure.
    this.remember(key, { last: fingerprint, count: count + 1 });
    try {
      await api.createStatus(repo, sha, body);
    } catch (err) {
      if (previous) this.remember(key, previous); else this.posted.delete(key);
      throw err;
    }
    return 'posted';
  }

  private remember(key: string, value: { last: string; count: number }): void {
    this.posted.delete(key);
    this.posted.set(key, value);
    if (this.posted.size > this.maxEntries) this.posted.delete(this.posted.keys().next().value!);
  }
}
