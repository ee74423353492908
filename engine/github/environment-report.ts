import type { Environment } from '../crds/types.js';
import type { DeploymentState, StatusState } from './api.js';
import { targetLabel } from '../render/names.js';

/** GitHub allows 140 characters in a commit status description. */
export const MAX_DESCRIPTION = 140;

export interface EnvironmentReport {
  /** The commit this report is about (what the status describes, not necessarily spec.commit). */
  commit: string;
  state: StatusState;
  description: string;
  /** The environment's URL once deployed (status target_url and deployment environment_url). */
  url?: string;
  /** A versioned service: the URL of this commit's own version (the deployment's environment_url). */
  versionUrl?: string;
  deploymentState: DeploymentState;
}

/** Reasons where the person who pushed must act; any other stall is Ria's own fault (state error). */
const USER_REASONS = new Set(['RiofileInvalid', 'RiofileMissing', 'BuildFailed', 'ApplyRefused', 'RolledBack', 'GitPackTooLarge', 'GitRefsTooLarge']);

/**
 * Pure: what GitHub should show for an environment right now. A commit not yet picked up is
 * "queued"; then "building"/"deploying" with what is happening; then success with the URL, or
 * failure with the located error (or error when the fault is Ria's).
 */
export function environmentReport(env: Environment): EnvironmentReport {
  const s = env.status ?? {};
  const short = (sha: string) => sha.slice(0, 7);
  if (s.observedCommit !== env.spec.commit || !s.phase) {
    return { commit: env.spec.commit, state: 'pending', description: `queued: ${short(env.spec.commit)} waits to be deployed`, deploymentState: 'in_progress' };
  }
  const commit = s.observedCommit;
  const condition = (type: string) => s.conditions?.find((c) => c.type === type);
  const rollout = commitRollout(env);
  const versionUrl = rollout?.version.url;
  const withVersion = <T extends EnvironmentReport>(r: T): T => (versionUrl ? { ...r, versionUrl } : r);
  if (rollout && (s.phase === 'Deploying' || s.phase === 'Ready')) {
    const { state, version } = rollout;
    // A versioned service on its way: "rolling out (30 %)", held, or staged; then "deployed".
    if (state.phase === 'Progressing') {
      return withVersion({ commit, state: 'pending', description: truncate(`rolling out (${state.weight} %): ${version.name}${s.rollout?.summary ? `, ${s.rollout.summary}` : ''}`), deploymentState: 'in_progress' });
    }
    if (state.phase === 'Paused') {
      return withVersion({ commit, state: 'pending', description: truncate(`rollout paused (${state.weight} %): ${version.name}; ria rollout resume|promote|abort`), deploymentState: 'in_progress' });
    }
    if (state.phase === 'Staged' && s.phase === 'Ready') {
      return withVersion({ commit, state: 'success', description: truncate(`staged ${version.name}: no share of the traffic until promoted`), ...(versionUrl ? { url: versionUrl } : s.url ? { url: s.url } : {}), deploymentState: 'success' });
    }
  }
  switch (s.phase) {
    case 'Ready':
      return withVersion({ commit, state: 'success', description: `deployed ${short(commit)}`, ...(s.url ? { url: s.url } : {}), deploymentState: 'success' });
    case 'Failed': {
      // Stalled says why when a person must act; a failure that is retried says it in Ready.
      const stalled = condition('Stalled')?.status === 'True' ? condition('Stalled') : condition('Ready');
      const reason = stalled?.reason ?? '';
      const userFault = USER_REASONS.has(reason) || !!s.lastError?.file || /^Riofile|^Template|^Policy/.test(reason);
      const message = stalled?.message || s.lastError?.message || 'failed';
      const build = reason === 'BuildFailed' ? s.builds?.find((b) => b.phase === 'Failed' && b.commit === commit) : undefined;
      if (build) return { commit, state: 'failure', description: buildFailedDescription(env, build), deploymentState: 'failure' };
      return { commit, state: userFault ? 'failure' : 'error', description: truncate(userFault ? message : `Ria error (${reason || 'unknown'}): ${message}`),
        deploymentState: userFault ? 'failure' : 'error' };
    }
    case 'Building':
    case 'Deploying': {
      const what = condition('Reconciling')?.message;
      const text = s.phase === 'Building' ? what || `building ${short(commit)}` : `deploying ${short(commit)}${what ? `: ${what}` : ''}`;
      return { commit, state: 'pending', description: truncate(text), deploymentState: 'in_progress' };
    }
    default:
      return { commit, state: 'pending', description: truncate(condition('Reconciling')?.message || `working on ${short(commit)}`), deploymentState: 'in_progress' };
  }
}

/**
 * A failed build in 140 characters: the service, the step and its cause, and the command that
 * prints the whole log (`ria logs APP --env TARGET --build`); the summary is cut, never the hint.
 */
export function buildFailedDescription(env: Environment, build: { service: string; message?: string }): string {
  const hint = `ria logs ${env.spec.app} --env ${env.spec.target} --build`;
  const tail = hint.length <= MAX_DESCRIPTION / 2 ? `; ${hint}` : '; see ria logs --build';
  return `${truncate(`build of ${build.service} failed: ${build.message ?? 'see the log'}`, MAX_DESCRIPTION - tail.length)}${tail}`;
}

/** The rollout of this commit's version (the first versioned service that has one), if any. */
function commitRollout(env: Environment) {
  for (const state of Object.values(env.status?.rollout?.services ?? {})) {
    for (const version of [state.canary, state.stable]) {
      if (version?.commit === env.spec.commit) return { state, version };
    }
  }
  return undefined;
}

export function truncate(text: string, max = MAX_DESCRIPTION): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/** `<prefix>/<app>/<environment>`, e.g. ria/shop/main or ria/shop/pr-7 (`environment` from {@link githubTarget}). */
export function statusContext(prefix: string, app: string, environment: string): string {
  return `${prefix}/${app}/${environment}`;
}

/**
 * How GitHub names an environment of an app: the branch as written, or `pr-<n>`. A branch that
 * reads `pr-<n>` is `pr-<n> (branch)` (a space is never in a branch name): otherwise a branch
 * anyone can push would share pull request n's commit status context and deployment environment.
 */
export function githubTarget(spec: Pick<Environment['spec'], 'kind' | 'target' | 'branch' | 'pullRequest'>): string {
  if (spec.kind === 'pr') return `pr-${spec.pullRequest}`;
  return targetLabel('branch', spec.branch ?? spec.target);
}

/** GitHub deployment environment: `<app>/<branch>` or `<app>/pr-<n>` (see {@link githubTarget}). */
export function deploymentEnvironment(env: Environment): string {
  return `${env.spec.app}/${githubTarget(env.spec)}`;
}
