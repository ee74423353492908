import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { commitFiles, createRepo } from '../../../engine/dev/git-fixtures.js';
import { caught, gitHarness, type GitHarness } from './support.js';

const PASSWORD = 's3cret-t0ken-value';
const auth = { username: 'ria-bot', password: PASSWORD };
let h: GitHarness;
let url: string;
let sha: string;

before(async () => {
  h = await gitHarness({ auth });
  await createRepo(h.server, 'private');
  sha = await commitFiles(h.server, 'private', 'main', { Riofile: 'private\n' }, 'p');
  url = h.server.urlFor('private');
});
after(() => h.close());

/** Everything a person or a log could see of an error. */
function visible(err: Error & { data: Record<string, unknown> }): string {
  return `${err.message}\n${JSON.stringify(err.data)}\n${String(err.stack)}`;
}

test('with the right credentials: list, fetch and read', async () => {
  const { refs } = await h.git.listRemoteRefs(url, { auth });
  assert.equal(refs.get('refs/heads/main'), sha);
  const dir = await h.cacheDir();
  assert.equal(await h.git.fetchCommit({ url, ref: 'main', dir, auth }), sha);
  assert.equal(await h.git.readFileAt({ dir, sha, path: 'Riofile' }), 'private\n');
});

test('credentials are sent up front: one poll is one request, no 401 round trip', async () => {
  h.requests.length = 0;
  await h.git.listRemoteRefs(url, { auth });
  assert.deepEqual(h.requests.map((r) => r.status), [200]);
});

test('a listing\'s advertisement answers only a fetch with the same credentials', async () => {
  // Setup
  await h.git.listRemoteRefs(url, { auth });
  h.requests.length = 0;
  // Test: another identity (here, wrong credentials) is not answered from what this one was told.
  const dir = await h.cacheDir();
  const err = await caught(() => h.git.fetchCommit({ url, ref: 'refs/heads/main', sha, dir, auth: { ...auth, password: 'wrong' } }));
  assert.equal(err.name, 'GitAuthError');
  assert.deepEqual(h.requests.map((r) => `${r.path.replace(/.*\//, '')} ${r.status}`), ['refs 401']);
});

test('credentials written in the URL work and never show in errors', async () => {
  const withCreds = url.replace('http://', `http://${auth.username}:${PASSWORD}@`);
  const { refs } = await h.git.listRemoteRefs(withCreds);
  assert.equal(refs.get('refs/heads/main'), sha);
  const wrong = url.replace('http://', `http://${auth.username}:wrong-${PASSWORD}@`);
  const err = await caught(() => h.git.listRemoteRefs(wrong));
  assert.equal(err.name, 'GitAuthError');
  assert.ok(!visible(err).includes(PASSWORD), visible(err));
  assert.ok(!visible(err).includes(auth.username), 'the user name is redacted too (tokens are often sent as one)');
  assert.match(err.message, /^authentication failed for http:\/\/\*\*\*@127\.0\.0\.1:\d+\/private\.git/);
});

test('a wrong password is GitAuthError with a clear message and no password, not retryable', async () => {
  const wrongPassword = `${PASSWORD}-but-wrong`;
  for (const call of [
    () => h.git.listRemoteRefs(url, { auth: { username: 'ria-bot', password: wrongPassword } }),
    async () => h.git.fetchCommit({ url, ref: 'main', dir: await h.cacheDir(), auth: { username: 'ria-bot', password: wrongPassword } }),
  ]) {
    const err = await caught(call);
    assert.equal(err.name, 'GitAuthError');
    assert.equal(err.code, 'GitAuthFailed');
    assert.equal(err.retryable, false);
    assert.equal(err.message, `authentication failed for ${url} (HTTP 401; check the username and token)`);
    assert.equal(err.data.status, 401);
    assert.ok(!visible(err).includes(wrongPassword));
    assert.ok(!visible(err).includes(PASSWORD));
  }
});

test('no credentials at all says so', async () => {
  const err = await caught(() => h.git.listRemoteRefs(url));
  assert.equal(err.name, 'GitAuthError');
  assert.equal(err.message, `authentication failed for ${url} (HTTP 401; no credentials were given)`);
});
