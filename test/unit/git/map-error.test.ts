import { test } from 'node:test';
import assert from 'node:assert/strict';
import git from 'isomorphic-git';
import { RiaError } from '../../../engine/errors.js';
import { GitAuthError, GitError, GitRefNotFoundError, GitRepoNotFoundError, GitUnreachableError } from '../../../engine/git/errors.js';
import { toGitError, type ErrorContext } from '../../../engine/git/map-error.js';
import { DeadlineError } from '../../../engine/git/transport.js';

const { HttpError, NotFoundError, SmartHttpError, UrlParseError } = git.Errors;
const ctx: ErrorContext = { op: 'listRemoteRefs', url: 'https://bot:hunter22@git.example.com/app.git', withCredentials: true, secrets: ['hunter22'] };
const redacted = 'https://***@git.example.com/app.git';

function sysError(code: string, message = `connect ${code} 10.0.0.1:443`): Error {
  return Object.assign(new Error(message), { code });
}

test('401 and 403 → GitAuthError naming the redacted URL', () => {
  for (const status of [401, 403]) {
    const err = toGitError(new HttpError(status, 'Unauthorized', ''), ctx);
    assert.ok(err instanceof GitAuthError);
    assert.equal(err.code, 'GitAuthFailed');
    assert.equal(err.message, `authentication failed for ${redacted} (HTTP ${status}; check the username and token)`);
    assert.deepEqual(err.data, { url: redacted, op: 'listRemoteRefs', status, withCredentials: true });
    assert.equal((err as GitError).retryable, false);
  }
});

test('5xx, 429 and 408 → GitUnreachableError, retryable, with the cause', () => {
  for (const status of [500, 502, 503, 429, 408]) {
    const cause = new HttpError(status, 'Nope', '');
    const err = toGitError(cause, ctx);
    assert.ok(err instanceof GitUnreachableError, String(status));
    assert.equal(err.retryable, true);
    assert.equal(err.data.status, status);
    assert.equal(err.cause, cause);
  }
});

test('404 → GitRepoNotFoundError; other 4xx → GitError', () => {
  assert.ok(toGitError(new HttpError(404, 'Not Found', ''), ctx) instanceof GitRepoNotFoundError);
  const other = toGitError(new HttpError(400, 'Bad Request', ''), ctx);
  assert.equal(other.constructor, GitError);
  assert.equal(other.code, 'GitError');
  assert.equal(other.message, `git request to ${redacted} failed: HTTP 400 Bad Request`);
});

test('network errors → GitUnreachableError with a readable reason', () => {
  const cases: Array<[string, string]> = [
    ['ECONNREFUSED', 'connection refused (ECONNREFUSED)'],
    ['ECONNRESET', 'connection reset (ECONNRESET)'],
    ['ENOTFOUND', 'host not found (ENOTFOUND)'],
    ['ETIMEDOUT', 'timed out (ETIMEDOUT)'],
  ];
  for (const [code, reason] of cases) {
    const err = toGitError(sysError(code), ctx);
    assert.ok(err instanceof GitUnreachableError, code);
    assert.equal(err.message, `git server unreachable at ${redacted}: ${reason}`);
  }
});

test('an AggregateError (IPv4 + IPv6 attempts) is looked into', () => {
  const err = toGitError(new AggregateError([sysError('ECONNREFUSED'), sysError('ECONNREFUSED')], ''), ctx);
  assert.ok(err instanceof GitUnreachableError);
  assert.match(err.message, /ECONNREFUSED/);
});

test('a deadline or an abort → GitUnreachableError "timed out"', () => {
  for (const cause of [new DeadlineError(5000), Object.assign(new Error('aborted'), { name: 'AbortError' })]) {
    const err = toGitError(cause, ctx);
    assert.ok(err instanceof GitUnreachableError);
    assert.equal(err.data.reason, 'timed out');
  }
});

test('NotFoundError while fetching a ref → GitRefNotFoundError', () => {
  const err = toGitError(new NotFoundError('refs/heads/gone'), { ...ctx, op: 'fetchCommit', ref: 'refs/heads/gone' });
  assert.ok(err instanceof GitRefNotFoundError);
  assert.equal(err.message, `ref refs/heads/gone not found in ${redacted}`);
  assert.deepEqual(err.data, { url: redacted, op: 'fetchCommit', ref: 'refs/heads/gone' });
});

test('a bad URL → GitError that does not echo credentials', () => {
  const err = toGitError(new UrlParseError(ctx.url), ctx);
  assert.equal(err.code, 'GitError');
  assert.ok(!err.message.includes('hunter22'));
});

test('anything else → GitError with secrets scrubbed from the detail', () => {
  const err = toGitError(new SmartHttpError('bad pkt from https://bot:hunter22@git.example.com', ''), ctx);
  assert.equal(err.code, 'GitError');
  assert.ok(err.message.startsWith(`git listRemoteRefs failed for ${redacted}: `));
  assert.ok(!err.message.includes('hunter22'), err.message);
  assert.equal(err.data.causeCode, 'SmartHttpError');
});

test('RiaErrors pass through unchanged', () => {
  const original = new RiaError('Other', 'already typed');
  assert.equal(toGitError(original, ctx), original);
});

test('typed errors redact a raw URL given to them by mistake', () => {
  const err = new GitRefNotFoundError('https://bot:hunter22@git.example.com/app.git', { op: 'fetchCommit', ref: 'refs/heads/x' });
  assert.equal(err.message, `ref refs/heads/x not found in ${redacted}`);
  assert.equal(err.data.url, redacted);
});
