/**
 * What `ria dev push` and `ria dev pr` do to the served repositories. They write straight into the
 * bare repositories (same machine, the fixtures' plumbing), then send the webhook GitHub would
 * send, so the running engine reacts at once instead of at its next poll.
 *
 * Pull requests are GitHub's, not git's: a PR is `refs/pull/<n>/head` (what GitHub publishes)
 * plus, here, the branch it came from (`ria-dev-pr.<branch>.number` in the bare repository's
 * config, the part GitHub keeps in its database).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createCommit, gitIn, resolveRef, setPullRef } from './git-fixtures.js';
import { repoDirName } from './git-server.js';
import { readExample, servedFiles, servedRepoName, ExampleError, type DevConfig } from './examples.js';
import { deliverWebhook, pullRequestPayload, pushPayload, type ServedRepo } from './github-events.js';

export interface ServedRepos {
  gitRoot: string;
  gitUrl: string;
  examplesDir: string;
  /** Where webhooks go; without it nothing is sent (the engine's poll picks changes up). */
  webhook?: { url: string; secret: string };
  /** What the served config changes (see DevConfig). */
  devConfig?: DevConfig;
}

export interface PushResult {
  repo: string;
  branch: string;
  sha: string;
  /** false when the working copy already matches the branch (nothing committed). */
  changed: boolean;
  created: boolean;
  /** The open pull request of this branch that moved with it. */
  pullRequest?: number;
}

const BRANCH = /^(?!\/)(?!.*\/\/)(?!.*\.\.)(?!.*\/$)[A-Za-z0-9._/-]+$/;

function served(repos: ServedRepos, example: string): { name: string; dir: string; ref: ServedRepo } {
  const name = servedRepoName(example);
  const [owner, repo] = name.split('/') as [string, string];
  return { name, dir: join(repos.gitRoot, repoDirName(name)), ref: { owner, name: repo, cloneUrl: `${repos.gitUrl}/${repoDirName(name)}` } };
}

function checkBranch(branch: string): void {
  if (!BRANCH.test(branch) || branch.endsWith('.lock')) throw new ExampleError(`"${branch}" is not a branch name Ria can serve (letters, digits, . _ - /)`, { branch });
}

async function treeOf(dir: string, sha: string): Promise<string> {
  return gitIn(dir, ['rev-parse', `${sha}^{tree}`]);
}

/**
 * Commits the working copy of examples/<example> to `branch` of the served repository: files
 * added, changed and deleted since the branch's head (a new branch starts from main). Nothing
 * is committed when the working copy matches.
 */
export async function pushExample(repos: ServedRepos, example: string, branch = 'main', message?: string): Promise<PushResult> {
  checkBranch(branch);
  const { name, dir, ref } = served(repos, example);
  const files = servedFiles(example, await readExample(repos.examplesDir, example), repos.gitUrl, repos.devConfig);
  if (!(await stat(dir).catch(() => undefined))?.isDirectory()) {
    throw new ExampleError(`${name} is not served by this ria dev (restart it to serve new examples)`, { example });
  }
  const head = await resolveRef(dir, `refs/heads/${branch}`);
  const base = head ?? await resolveRef(dir, 'refs/heads/main');
  const deleted: Record<string, null> = {};
  if (base) {
    for (const path of (await gitIn(dir, ['ls-tree', '-r', '--name-only', base])).split('\n').filter(Boolean)) {
      if (!(path in files)) deleted[path] = null;
    }
  }
  const sha = await createCommit({ root: repos.gitRoot }, name, {
    parent: base, files: { ...files, ...deleted }, message: message ?? `Update ${example} from the working copy`, date: new Date().toISOString(),
  });
  if (head && (await treeOf(dir, sha)) === (await treeOf(dir, head))) {
    return { repo: name, branch, sha: head, changed: false, created: false };
  }
  await gitIn(dir, ['update-ref', `refs/heads/${branch}`, sha, head ?? '0'.repeat(40)]);
  const result: PushResult = { repo: name, branch, sha, changed: true, created: !head };
  const pr = await pullRequestOf(dir, branch);
  if (pr !== undefined) {
    await setPullRef({ root: repos.gitRoot }, name, pr, sha);
    result.pullRequest = pr;
  }
  if (repos.webhook) {
    await deliverWebhook(repos.webhook.url, repos.webhook.secret, 'push', pushPayload(ref, { ref: `refs/heads/${branch}`, before: head, after: sha }));
    if (pr !== undefined) {
      await deliverWebhook(repos.webhook.url, repos.webhook.secret, 'pull_request',
        pullRequestPayload(ref, { action: 'synchronize', number: pr, headSha: sha, headRef: branch }));
    }
  }
  return result;
}

async function pullRequestOf(dir: string, branch: string): Promise<number | undefined> {
  const value = await gitIn(dir, ['config', '--get', `ria-dev-pr.${branch}.number`]).catch(() => '');
  return value ? Number(value) : undefined;
}

/** Opens a pull request from `branch` into main: refs/pull/<n>/head, then the `opened` webhook. */
export async function openPullRequest(repos: ServedRepos, example: string, branch: string): Promise<{ number: number; sha: string; existed: boolean }> {
  checkBranch(branch);
  if (branch === 'main') throw new ExampleError('a pull request needs a branch other than main: ria dev push <example> --branch <name> first', { branch });
  const { name, dir, ref } = served(repos, example);
  const sha = await resolveRef(dir, `refs/heads/${branch}`);
  if (!sha) throw new ExampleError(`${name} has no branch "${branch}"; create it with: ria dev push ${example} --branch ${branch}`, { example, branch });
  const known = await pullRequestOf(dir, branch);
  const number = known ?? await nextPullNumber(dir);
  await setPullRef({ root: repos.gitRoot }, name, number, sha);
  if (known === undefined) await gitIn(dir, ['config', `ria-dev-pr.${branch}.number`, String(number)]);
  if (repos.webhook) {
    await deliverWebhook(repos.webhook.url, repos.webhook.secret, 'pull_request',
      pullRequestPayload(ref, { action: known === undefined ? 'opened' : 'synchronize', number, headSha: sha, headRef: branch }));
  }
  return { number, sha, existed: known !== undefined };
}

/** Closes the pull request of `branch` (GitHub keeps refs/pull/<n>/head; so does this). */
export async function closePullRequest(repos: ServedRepos, example: string, branch: string): Promise<{ number: number }> {
  checkBranch(branch);
  const { name, dir, ref } = served(repos, example);
  const number = await pullRequestOf(dir, branch);
  if (number === undefined) throw new ExampleError(`${name} has no open pull request from "${branch}"`, { example, branch });
  const sha = (await resolveRef(dir, `refs/pull/${number}/head`)) ?? '';
  await gitIn(dir, ['config', '--unset', `ria-dev-pr.${branch}.number`]);
  if (repos.webhook) {
    await deliverWebhook(repos.webhook.url, repos.webhook.secret, 'pull_request',
      pullRequestPayload(ref, { action: 'closed', number, headSha: sha, headRef: branch }));
  }
  return { number };
}

async function nextPullNumber(dir: string): Promise<number> {
  const refs = (await gitIn(dir, ['for-each-ref', '--format=%(refname)', 'refs/pull/'])).split('\n');
  const numbers = refs.map((r) => Number(/^refs\/pull\/(\d+)\//.exec(r)?.[1] ?? 0));
  return Math.max(0, ...numbers) + 1;
}
