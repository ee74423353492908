import { test } from 'node:test';
import assert from 'node:assert/strict';
import { environmentReport, deploymentEnvironment, githubTarget, statusContext } from '../../../engine/github/environment-report.js';
import { StatusPoster, MAX_STATUSES_PER_CONTEXT } from '../../../engine/github/status-poster.js';
import { isProduction } from '../../../engine/github/deployments.js';
import { githubSettings } from '../../../engine/github/settings.js';
import { repoFromUrl } from '../../../engine/github/repo.js';
import { GitHubSettingsError } from '../../../engine/github/errors.js';
import { silentLog } from '../../../engine/controller/context.js';
import type { App, Environment, EnvironmentStatus } from '../../../engine/crds/types.js';
import type { GitHubApi } from '../../../engine/github/api.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const env = (status?: EnvironmentStatus, kind: 'branch' | 'pr' = 'branch'): Environment => ({
  apiVersion: 'ria.dev/v1alpha1', kind: 'Environment', metadata: { name: 'shop--main' },
  spec: kind === 'pr' ? { app: 'shop', kind, target: 'pr-4', pullRequest: 4, commit: A, namespace: 'shop--pr-4' } : { app: 'shop', kind, target: 'main', branch: 'main', commit: A, namespace: 'shop--main' },
  ...(status ? { status } : {}),
});
const cond = (type: string, status: 'True' | 'False', reason: string, message: string) => ({ type, status, reason, message, lastTransitionTime: '2026-01-01T00:00:00Z' });

test('report: queued, building, deploying, success with URL', () => {
  assert.deepEqual(environmentReport(env()), { commit: A, state: 'pending', description: 'queued: aaaaaaa waits to be deployed', deploymentState: 'in_progress' });
  // A new commit not yet observed: the report is about the new one.
  assert.equal(environmentReport({ ...env({ phase: 'Ready', observedCommit: B }) }).description, 'queued: aaaaaaa waits to be deployed');
  const building = environmentReport(env({ phase: 'Building', observedCommit: A, conditions: [cond('Reconciling', 'True', 'Building', 'building api at aaaaaaa')] }));
  assert.deepEqual([building.state, building.description], ['pending', 'building api at aaaaaaa']);
  const deploying = environmentReport(env({ phase: 'Deploying', observedCommit: A, conditions: [cond('Reconciling', 'True', 'Progressing', 'Deployment web: 0/1 ready')] }));
  assert.equal(deploying.description, 'deploying aaaaaaa: Deployment web: 0/1 ready');
  const ready = environmentReport(env({ phase: 'Ready', observedCommit: A, appliedCommit: A, url: 'https://web--shop--main.apps.test' }));
  assert.deepEqual(ready, { commit: A, state: 'success', description: 'deployed aaaaaaa', url: 'https://web--shop--main.apps.test', deploymentState: 'success' });
});

test('report: a located Riofile error is a failure of at most 140 characters; Ria\'s own fault is an error', () => {
  const long = `Riofile:5: services.web.scale: ${'must be a number '.repeat(20)}`;
  const failed = environmentReport(env({ phase: 'Failed', observedCommit: A, lastError: { message: 'x', file: 'Riofile', line: 5 }, conditions: [cond('Stalled', 'True', 'RiofileInvalid', long)] }));
  assert.equal(failed.state, 'failure');
  assert.equal(failed.description.length, 140);
  assert.ok(failed.description.startsWith('Riofile:5: services.web.scale:'));
  const ours = environmentReport(env({ phase: 'Failed', observedCommit: A, conditions: [cond('Stalled', 'True', 'AppMissing', 'App shop does not exist')] }));
  assert.deepEqual([ours.state, ours.deploymentState, ours.description], ['error', 'error', 'Ria error (AppMissing): App shop does not exist']);
});

test('report: a commit too large for ria.yaml\'s git limits is the pusher\'s to fix (failure), the limit and the way out in the first 140 characters', async () => {
  const { GitTooLargeError } = await import('../../../engine/git/errors.js');
  const message = new GitTooLargeError('https://bot:s3cret@git.example.com/acme/shop.git', { op: 'fetchCommit', what: 'pack', maxBytes: 8 * 2 ** 20, ref: 'refs/heads/main', sha: A }).message;
  const report = environmentReport(env({ phase: 'Failed', observedCommit: A, lastError: { message }, conditions: [cond('Stalled', 'True', 'GitPackTooLarge', message)] }));
  assert.deepEqual([report.state, report.deploymentState], ['failure', 'failure']);
  assert.equal(report.description, `pack of main at ${A.slice(0, 7)} over ria.yaml's git.maxFetchSize (8 MiB), not read: make the commit smaller, or raise it with the engine's memory (…`);
  assert.doesNotMatch(message, /s3cret/);
});

test('report: an apply the API server refused is the user\'s to fix (failure); a cluster trouble is an error; both from the Ready condition', () => {
  const applied = cond('Stalled', 'False', 'ApplyRefused', '');
  const refused = environmentReport(env({ phase: 'Failed', observedCommit: A, conditions: [applied, cond('Ready', 'False', 'ApplyRefused', 'apply Service/shop--main/api: exceeded quota: cap')] }));
  assert.deepEqual([refused.state, refused.description], ['failure', 'apply Service/shop--main/api: exceeded quota: cap']);
  const full = environmentReport(env({ phase: 'Failed', observedCommit: A, conditions: [applied, cond('Ready', 'False', 'ApplyFailed', 'apply Service/shop--main/web: range is full')] }));
  assert.deepEqual([full.state, full.description], ['error', 'Ria error (ApplyFailed): apply Service/shop--main/web: range is full']);
});

test('names: status context and deployment environment', () => {
  assert.equal(statusContext('ria', 'shop', 'pr-4'), 'ria/shop/pr-4');
  assert.equal(deploymentEnvironment(env(undefined, 'pr')), 'shop/pr-4');
  assert.equal(deploymentEnvironment(env()), 'shop/main');
  // A branch named like a pull request never shares its status context or deployment environment.
  const branchPr4 = { kind: 'branch' as const, target: 'pr-4', branch: 'pr-4' };
  assert.equal(githubTarget(branchPr4), 'pr-4 (branch)');
  assert.equal(githubTarget({ kind: 'pr', target: 'pr-4', pullRequest: 4 }), 'pr-4');
  assert.equal(githubTarget({ kind: 'branch', target: 'pr-4x', branch: 'pr-4x' }), 'pr-4x');
  assert.equal(githubTarget({ kind: 'branch', target: 'feature/x', branch: 'feature/x' }), 'feature/x', 'GitHub names keep the branch as written');
});

test('production: productionBranch, else the first plain branch', () => {
  const app = (spec: Partial<App['spec']>): App => ({ apiVersion: 'ria.dev/v1alpha1', kind: 'App', metadata: { name: 'shop' }, spec: { repo: 'r', branches: ['main'], riofile: 'Riofile', ...spec } });
  assert.equal(isProduction(env(), app({})), true);
  assert.equal(isProduction(env(), app({ branches: ['release/*', 'main'] })), true);
  assert.equal(isProduction(env(), app({ productionBranch: 'prod' })), false);
  assert.equal(isProduction(env(undefined, 'pr'), app({})), false);
});

test('status poster: the same state and description are posted once; failures are forgotten; the cap holds', async () => {
  const sent: string[] = [];
  let fail = false;
  const api = { async createStatus(_r: unknown, sha: string, body: { state: string; description: string }) {
    if (fail) throw new Error('boom');
    sent.push(`${sha.slice(0, 1)}:${body.state}:${body.description}`);
  } } as unknown as GitHubApi;
  const poster = new StatusPoster(silentLog);
  const repo = { owner: 'acme', repo: 'shop' };
  const body = { state: 'pending' as const, context: 'ria/shop/main', description: 'building' };
  assert.equal(await poster.post(api, repo, A, body), 'posted');
  assert.equal(await poster.post(api, repo, A, body), 'duplicate');
  assert.equal(await poster.post(api, repo, B, body), 'posted', 'another commit');
  fail = true;
  await assert.rejects(poster.post(api, repo, A, { ...body, state: 'success', description: 'deployed' }));
  fail = false;
  assert.equal(await poster.post(api, repo, A, { ...body, state: 'success', description: 'deployed' }), 'posted', 'a failed post is retried');
  assert.deepEqual(sent, ['a:pending:building', 'b:pending:building', 'a:success:deployed']);
  for (let i = 2; i < MAX_STATUSES_PER_CONTEXT; i++) await poster.post(api, repo, A, { ...body, description: `step ${i}` });
  assert.equal(await poster.post(api, repo, A, { ...body, description: 'one too many' }), 'capped');
  assert.equal(sent.filter((s) => s.startsWith('a:')).length, MAX_STATUSES_PER_CONTEXT);
});

test('settings: defaults, GitHub Enterprise, invalid values', () => {
  assert.deepEqual(githubSettings({}), { apiUrl: 'https://api.github.com', host: 'github.com', statusContext: 'ria', statuses: true, deployments: true, prComment: false, pollPullRequests: true });
  const ghes = githubSettings({ github: { host: 'ghe.example.com', tokenSecret: 'gh' } });
  assert.equal(ghes.apiUrl, 'https://ghe.example.com/api/v3');
  assert.equal(githubSettings({ github: { apiUrl: 'https://ghe.example.com/api/v3/' } }).host, 'ghe.example.com');
  assert.throws(() => githubSettings({ github: { statuses: 'yes' } }), GitHubSettingsError);
  assert.throws(() => githubSettings({ github: { apiUrl: 'ghe.example.com' } }), /must be an http\(s\) URL/);
});

test('owner/repo from clone URLs on the GitHub host only', () => {
  assert.deepEqual(repoFromUrl('https://github.com/acme/shop.git', 'github.com'), { owner: 'acme', repo: 'shop' });
  assert.deepEqual(repoFromUrl('https://x-access-token:t@GitHub.com/acme/shop', 'github.com'), { owner: 'acme', repo: 'shop' });
  assert.equal(repoFromUrl('https://gitlab.com/acme/shop.git', 'github.com'), undefined);
  assert.equal(repoFromUrl('https://github.com/acme/shop/extra', 'github.com'), undefined);
  assert.equal(repoFromUrl('not a url', 'github.com'), undefined);
});

test('report: a versioned service says "rolling out (30 %)" then "deployed"; the deployment carries the version URL', () => {
  const versionUrl = 'https://web-vaaaaa--shop--main.apps.test';
  const rollout = (phase: 'Progressing' | 'Paused' | 'Complete' | 'RolledBack', weight: number) => ({
    services: { web: phase === 'Complete'
      ? { phase, weight: 0, step: 0, lastTransition: 't', reason: 'RolledOut', stable: { name: 'vaaaaa', commit: A, url: versionUrl } }
      : { phase, weight, step: 3, lastTransition: 't', reason: 'Stepped', stable: { name: 'vbbbbb', commit: B }, canary: { name: 'vaaaaa', commit: A, url: versionUrl } } },
    summary: phase === 'Progressing' ? 'vaaaaa 30% → 40%' : 'vaaaaa',
  });
  const rolling = environmentReport(env({ phase: 'Deploying', observedCommit: A, rollout: rollout('Progressing', 30) }));
  assert.equal(rolling.state, 'pending');
  assert.equal(rolling.description, 'rolling out (30 %): vaaaaa, vaaaaa 30% → 40%');
  assert.equal(rolling.versionUrl, versionUrl);
  assert.match(environmentReport(env({ phase: 'Deploying', observedCommit: A, rollout: rollout('Paused', 10) })).description, /^rollout paused \(10 %\)/);
  const done = environmentReport(env({ phase: 'Ready', observedCommit: A, url: 'https://web--shop--main.apps.test', rollout: rollout('Complete', 0) }));
  assert.deepEqual([done.state, done.description, done.url, done.versionUrl], ['success', 'deployed aaaaaaa', 'https://web--shop--main.apps.test', versionUrl]);
  const rolledBack = environmentReport(env({ phase: 'Failed', observedCommit: A, rollout: rollout('RolledBack', 0),
    conditions: [cond('Stalled', 'True', 'RolledBack', 'vaaaaa rolled back at step 3 (30%): Deployment/web-vaaaaa: 0/1 available; vbbbbb serves 100%')] }));
  assert.equal(rolledBack.state, 'failure', 'the pushed version failed: the pusher acts');
  assert.match(rolledBack.description, /^vaaaaa rolled back at step 3 \(30%\)/);
});
