import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Octokit } from '@octokit/rest';
import { startGitHubStandin, type GitHubStandin } from '../../github/standin.js';
import { restPull } from '../../github/payloads.js';
import { createGitHubApi } from '../../../engine/github/api.js';
import { GitHubError, RateLimitedError } from '../../../engine/github/errors.js';
import { RateLimiter } from '../../../engine/github/rate-limit.js';

const repo = { owner: 'acme', repo: 'shop' };
const fixture = { owner: 'acme', name: 'shop', cloneUrl: 'http://git.test/acme/shop.git', id: 42 };
const SHA = 'a'.repeat(40);
let gh: GitHubStandin;

before(async () => { gh = await startGitHubStandin(); });
after(() => gh.stop());

const api = (limiter?: RateLimiter) => createGitHubApi({ baseUrl: gh.url, token: gh.token, ...(limiter ? { limiter } : {}) });

test('statuses, deployments and comments: requests match GitHub\'s description, answers are realistic', async () => {
  // Setup
  const client = api();
  // Test
  await client.createStatus(repo, SHA, { state: 'pending', context: 'ria/shop/main', description: 'building web at aaaaaaa' });
  const id = await client.createDeployment(repo, { ref: SHA, environment: 'shop/main', description: 'x', transient_environment: false, production_environment: true });
  await client.createDeploymentStatus(repo, id, { state: 'success', description: 'deployed', environment_url: 'https://web.apps.test' });
  assert.equal(await client.findDeployment(repo, SHA, 'shop/main'), id);
  assert.equal(await client.findDeployment(repo, SHA, 'shop/other'), undefined);
  const comment = await client.createIssueComment(repo, 7, 'hello');
  await client.updateIssueComment(repo, comment, 'hello again');
  assert.deepEqual(await client.listIssueComments(repo, 7), [{ id: comment, body: 'hello again' }]);
  assert.deepEqual(gh.violations, []);
  assert.deepEqual(gh.responseViolations, []);
  assert.equal(gh.statuses.at(-1)?.context, 'ria/shop/main');
  assert.deepEqual(gh.deployments.at(-1)?.statuses, [{ state: 'success', description: 'deployed', environment_url: 'https://web.apps.test' }]);
  const created = gh.requests.find((r) => r.operationId === 'repos/create-deployment');
  assert.deepEqual((created?.body as { required_contexts?: string[] }).required_contexts, [], 'Ria\'s own statuses must not block its deployment');
});

test('the stand-in rejects a misspelt field, a wrong enum and an unknown route (and records them)', async () => {
  // Setup
  const octokit = new Octokit({ auth: gh.token, baseUrl: gh.url, log: { debug() {}, info() {}, warn() {}, error() {} } });
  const before = gh.violations.length;
  // Test
  await assert.rejects(octokit.request('POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', { ...repo, deployment_id: 1, state: 'success', enviroment_url: 'https://x' }),
    (err: { status?: number }) => err.status === 422);
  assert.match(gh.violations[before]!, /additional properties: enviroment_url/);
  await assert.rejects(api().createStatus(repo, SHA, { state: 'done' as 'success', context: 'c', description: 'd' }), (err: unknown) => err instanceof GitHubError && err.status === 422);
  assert.match(gh.violations[before + 1]!, /\/state must be equal to one of the allowed values/);
  await assert.rejects(octokit.request('GET /repos/{owner}/{repo}/statusez', repo), (err: { status?: number }) => err.status === 404);
  assert.match(gh.violations[before + 2]!, /no such route/);
  await assert.rejects(octokit.request('DELETE /repos/{owner}/{repo}/pulls', repo), (err: { status?: number }) => err.status === 405);
  assert.equal(gh.violations.length, before + 4);
  gh.violations.length = before;
});

test('open pulls: the list, then 304 for an unchanged conditional request, then a new list when one changes', async () => {
  // Setup
  gh.setPulls('acme/shop', [restPull(fixture, { number: 1, headSha: SHA }), restPull(fixture, { number: 2, headSha: 'b'.repeat(40), fork: true, draft: true, labels: ['preview'] })]);
  const client = api();
  // Test
  const first = await client.listOpenPulls(repo);
  assert.equal(first.notModified, false);
  if (first.notModified) return;
  assert.deepEqual(first.pulls.map((p) => [p.number, p.headSha.slice(0, 1), p.fork, p.draft, p.labels]), [[1, 'a', false, false, []], [2, 'b', true, true, ['preview']]]);
  assert.ok(first.etag);
  const second = await client.listOpenPulls(repo, first.etag);
  assert.deepEqual(second, { notModified: true });
  assert.equal(gh.requests.at(-1)?.status, 304);
  assert.equal(gh.requests.at(-1)?.query.get('state'), 'open');
  gh.setPulls('acme/shop', [restPull(fixture, { number: 1, headSha: 'c'.repeat(40) })]);
  const third = await client.listOpenPulls(repo, first.etag);
  assert.equal(third.notModified, false);
  assert.deepEqual(gh.violations, []);
  assert.deepEqual(gh.responseViolations, []);
});

test('rate limited: the call fails typed, then no request leaves until the reset time', async () => {
  // Setup
  let clock = Date.now();
  const limited: string[] = [];
  const limiter = new RateLimiter(() => clock, (_until, reason) => limited.push(reason));
  const client = api(limiter);
  gh.failNext(1, 403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(clock / 1000) + 60) }, 'API rate limit exceeded');
  // Test
  await assert.rejects(client.createStatus(repo, SHA, { state: 'success', context: 'c', description: 'd' }), RateLimitedError);
  assert.equal(limited.length, 1);
  const sent = gh.requests.length;
  await assert.rejects(client.createStatus(repo, SHA, { state: 'success', context: 'c', description: 'd' }), RateLimitedError);
  assert.equal(gh.requests.length, sent, 'nothing was sent while limited');
  clock += 61_000;
  await client.createStatus(repo, SHA, { state: 'success', context: 'c', description: 'd' });
  assert.equal(gh.requests.length, sent + 1);
});

test('secondary rate limit: retry-after is honoured', async () => {
  // Setup
  let clock = 1_000_000;
  const limiter = new RateLimiter(() => clock);
  const client = api(limiter);
  gh.failNext(1, 429, { 'retry-after': '30' }, 'You have exceeded a secondary rate limit');
  // Test
  await assert.rejects(client.listOpenPulls(repo), (err: unknown) => err instanceof RateLimitedError && err.until.getTime() === 1_000_000 + 30_000);
  clock += 29_000;
  assert.throws(() => limiter.check('x'), RateLimitedError);
  clock += 2_000;
  limiter.check('x');
});
