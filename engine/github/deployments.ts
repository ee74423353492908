import type { App, Environment } from '../crds/types.js';
import { isProductionBranch } from '../config/production.js';
import type { DeploymentState, GitHubApi } from './api.js';
import { deploymentEnvironment, truncate, type EnvironmentReport } from './environment-report.js';
import { repoKey, type RepoRef } from './repo.js';

interface Tracked { commit: string; id: number; last?: string }

/**
 * One GitHub deployment per environment and commit, and its statuses: in_progress while queued,
 * building or deploying; success with the environment URL; failure/error; inactive once the
 * environment is torn down. After a restart the deployment of a commit is found again by
 * listing (sha + environment) rather than created twice.
 */
export class DeploymentTracker {
  private readonly tracked = new Map<string, Tracked>();

  async report(api: GitHubApi, repo: RepoRef, env: Environment, app: App, report: EnvironmentReport): Promise<void> {
    const environment = deploymentEnvironment(env);
    const key = `${repoKey(repo)}#${environment}`;
    let t = this.tracked.get(key);
    if (!t || t.commit !== report.commit) {
      const id = await api.findDeployment(repo, report.commit, environment) ?? await api.createDeployment(repo, {
        ref: report.commit, environment, description: truncate(`Ria: ${environment} at ${report.commit.slice(0, 7)}`),
        transient_environment: env.spec.kind === 'pr', production_environment: isProduction(env, app),
      });
      t = { commit: report.commit, id };
      this.tracked.set(key, t);
    }
    // A version per commit has its own URL: the deployment of that commit points there.
    await this.post(api, repo, t, report.deploymentState, report.description, report.versionUrl ?? report.url);
  }

  /** The environment is gone: its last deployment goes inactive (GitHub greys it out). */
  async inactive(api: GitHubApi, repo: RepoRef, env: Environment): Promise<void> {
    const environment = deploymentEnvironment(env);
    const key = `${repoKey(repo)}#${environment}`;
    const commit = env.status?.appliedCommit ?? env.spec.commit;
    const t = this.tracked.get(key) ?? await api.findDeployment(repo, commit, environment).then((id) => (id === undefined ? undefined : { commit, id }));
    this.tracked.delete(key);
    if (t) await this.post(api, repo, t, 'inactive', `${environment} removed`);
  }

  private async post(api: GitHubApi, repo: RepoRef, t: Tracked, state: DeploymentState, description: string, url?: string): Promise<void> {
    const fingerprint = `${state}\n${url ?? ''}`;
    if (t.last === fingerprint) return;
    await api.createDeploymentStatus(repo, t.id, { state, description: truncate(description), ...(url ? { environment_url: url } : {}) });
    t.last = fingerprint;
  }
}

/** The production deployment: `productionBranch`, else the first of `branches` when it is a plain name. */
export function isProduction(env: Environment, app: App): boolean {
  return env.spec.kind === 'branch' && isProductionBranch(app.spec, env.spec.branch ?? env.spec.target);
}
