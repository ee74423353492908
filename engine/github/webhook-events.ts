import type { Webhooks } from '@octokit/webhooks';
import type { Log } from '../controller/context.js';
import { pullFromApi } from './pull-request.js';
import type { PullRequestStore } from './pull-store.js';
import { repoKey } from './repo.js';
import type { PushHint } from '../controller/app/push.js';

/**
 * The part of the Engine a webhook needs: "this repository changed, look now" (and, for a push,
 * what moved). For a push to a tracked branch it returns what the fetch of that ref found at its
 * tip (undefined when it failed), or nothing when no app tracks the branch.
 */
export interface Poker { poke(repoUrl: string, push?: PushHint): Promise<string | undefined> | void }

/** pull_request actions that change whether or where a preview runs; the rest change nothing. */
export const PREVIEW_ACTIONS = new Set(['opened', 'reopened', 'synchronize', 'closed', 'labeled', 'unlabeled', 'ready_for_review', 'converted_to_draft', 'edited']);

/** Events Ria acts on; any other event is acknowledged (202) and ignored. */
export const HANDLED_EVENTS = new Set(['push', 'pull_request', 'ping']);

/**
 * What each event does. A push pokes the repository (its environments' sources update at once;
 * a push to the config repo reloads the config; a deleted branch is noticed by the same listing).
 * A pull_request updates the PR store and pokes the repository, whose preview source then
 * creates, moves or removes the preview.
 */
/** A branch moved (not deleted): what the queued commit status needs. */
export interface BranchPush { cloneUrl: string; branch: string; sha: string }

export function registerEventHandlers(webhooks: Webhooks, deps: { engine: Poker; store: PullRequestStore; log: Log; onBranchPush?: (push: BranchPush) => void }): void {
  const { engine, store, log } = deps;
  webhooks.on('ping', ({ payload }) => {
    log.info('GitHub webhook ping', { hook: payload.hook_id, zen: payload.zen });
  });
  webhooks.on('push', ({ payload }) => {
    log.debug('push', { repo: payload.repository.full_name, ref: payload.ref, deleted: payload.deleted });
    const tip = engine.poke(payload.repository.clone_url, payload.deleted ? undefined : { ref: payload.ref, sha: payload.after, before: payload.before });
    // "Queued" goes on the pushed commit only once git says it is the branch's tip: a signed
    // delivery can be replayed (or name any SHA), and a status must not vouch for such a commit.
    if (!payload.deleted && payload.ref.startsWith('refs/heads/') && tip && deps.onBranchPush) {
      const push = { cloneUrl: payload.repository.clone_url, branch: payload.ref.slice('refs/heads/'.length), sha: payload.after };
      void tip.then((found) => {
        if (found === payload.after) deps.onBranchPush!(push);
        else log.debug('no queued status: the pushed SHA is not the branch tip', { repo: payload.repository.full_name, ref: payload.ref });
      });
    }
  });
  webhooks.on('pull_request', ({ payload }) => {
    if (!PREVIEW_ACTIONS.has(payload.action)) return;
    const repo = repoKey({ owner: payload.repository.owner.login, repo: payload.repository.name });
    store.fromWebhook(repo, pullFromApi(payload.pull_request));
    log.info('pull request event', { repo, pr: payload.number, action: payload.action });
    engine.poke(payload.repository.clone_url);
  });
}
