import { Octokit } from '@octokit/rest';
import { GitHubError, RateLimitedError } from './errors.js';
import { RateLimiter } from './rate-limit.js';
import { pullFromApi, type PullRequest } from './pull-request.js';
import type { RepoRef } from './repo.js';

export type StatusState = 'pending' | 'success' | 'failure' | 'error';
export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'error' | 'inactive';

export interface CommitStatusBody { state: StatusState; context: string; description: string; target_url?: string }
export interface DeploymentBody { ref: string; environment: string; description: string; transient_environment: boolean; production_environment: boolean }
export interface DeploymentStatusBody { state: DeploymentState; description: string; environment_url?: string; log_url?: string }

export type PullsPage = { notModified: true } | { notModified: false; pulls: PullRequest[]; etag?: string };

/** The REST calls Ria makes; one place, so the OpenAPI slice of the tests lists exactly these. */
export interface GitHubApi {
  listOpenPulls(r: RepoRef, etag?: string): Promise<PullsPage>;
  createStatus(r: RepoRef, sha: string, body: CommitStatusBody): Promise<void>;
  findDeployment(r: RepoRef, sha: string, environment: string): Promise<number | undefined>;
  createDeployment(r: RepoRef, body: DeploymentBody): Promise<number>;
  createDeploymentStatus(r: RepoRef, id: number, body: DeploymentStatusBody): Promise<void>;
  listIssueComments(r: RepoRef, issue: number): Promise<Array<{ id: number; body: string }>>;
  createIssueComment(r: RepoRef, issue: number, body: string): Promise<number>;
  updateIssueComment(r: RepoRef, id: number, body: string): Promise<void>;
  readonly limiter: RateLimiter;
}

const MAX_PULL_PAGES = 10;

/**
 * GitHubApi over Octokit pointed at `baseUrl` (api.github.com, a GHES /api/v3, or the tests'
 * stand-in). Every request goes through the rate limiter first; errors come back as GitHubError
 * with GitHub's status and without the request's headers (they hold the token).
 */
export function createGitHubApi(options: { baseUrl: string; token: string; limiter?: RateLimiter; fetch?: typeof fetch; userAgent?: string }): GitHubApi {
  const limiter = options.limiter ?? new RateLimiter();
  const octokit = new Octokit({
    auth: options.token, baseUrl: options.baseUrl, userAgent: options.userAgent ?? 'ria',
    log: { debug() {}, info() {}, warn() {}, error() {} },
    ...(options.fetch ? { request: { fetch: options.fetch } } : {}),
  });
  octokit.hook.wrap('request', async (request, opts) => {
    const what = `${opts.method} ${opts.url}`;
    limiter.check(what);
    try {
      const response = await request(opts);
      limiter.observe(response.status, response.headers as Record<string, string>);
      return response;
    } catch (err) {
      const e = err as { status?: number; response?: { headers?: Record<string, string> }; message?: string };
      if (e.status === 304) throw err;
      if (limiter.observe(e.status ?? 0, e.response?.headers)) throw new RateLimitedError(limiter.blockedUntil ?? new Date(), what);
      throw new GitHubError('GitHubRequestFailed', `GitHub ${what} failed: HTTP ${e.status ?? '?'} ${firstLine(e.message)}`, e.status ?? 502, { method: opts.method, url: opts.url });
    }
  });

  return {
    limiter,
    async listOpenPulls(r, etag) {
      const pulls: PullRequest[] = [];
      let first: string | undefined;
      for (let page = 1; page <= MAX_PULL_PAGES; page++) {
        let res;
        try {
          res = await octokit.rest.pulls.list({ ...r, state: 'open', per_page: 100, page,
            ...(page === 1 && etag ? { headers: { 'if-none-match': etag } } : {}) });
        } catch (err) {
          if ((err as { status?: number }).status === 304) return { notModified: true };
          throw err;
        }
        if (page === 1) first = res.headers.etag;
        pulls.push(...res.data.map(pullFromApi));
        if (res.data.length < 100) break;
      }
      return { notModified: false, pulls, ...(first ? { etag: first } : {}) };
    },
    async createStatus(r, sha, body) {
      await octokit.rest.repos.createCommitStatus({ ...r, sha, ...body });
    },
    async findDeployment(r, sha, environment) {
      const res = await octokit.rest.repos.listDeployments({ ...r, sha, environment, per_page: 1 });
      return res.data[0]?.id;
    },
    async createDeployment(r, body) {
      // required_contexts: [] because Ria's own pending statuses would otherwise make GitHub refuse
      // (409); auto_merge: false because Ria deploys the commit it was given, never a merge.
      const res = await octokit.rest.repos.createDeployment({ ...r, ...body, auto_merge: false, required_contexts: [] });
      const id = (res.data as { id?: number }).id;
      if (res.status !== 201 || id === undefined) throw new GitHubError('GitHubDeploymentRefused', `GitHub did not create the deployment of ${body.ref.slice(0, 7)} (HTTP ${res.status})`, res.status);
      return id;
    },
    async createDeploymentStatus(r, id, body) {
      await octokit.rest.repos.createDeploymentStatus({ ...r, deployment_id: id, ...body });
    },
    async listIssueComments(r, issue) {
      const res = await octokit.rest.issues.listComments({ ...r, issue_number: issue, per_page: 100 });
      return res.data.map((c) => ({ id: c.id, body: c.body ?? '' }));
    },
    async createIssueComment(r, issue, body) {
      const res = await octokit.rest.issues.createComment({ ...r, issue_number: issue, body });
      return res.data.id;
    },
    async updateIssueComment(r, id, body) {
      await octokit.rest.issues.updateComment({ ...r, comment_id: id, body });
    },
  };
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0]!.slice(0, 200);
}
