import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { commitFiles, createCommit, createRepo, deleteBranch, setPullRef } from '../../../engine/dev/git-fixtures.js';
import { gitHarness, type GitHarness } from './support.js';

let h: GitHarness;
let main: string;
let feature: string;
let fork: string;

before(async () => {
  // Setup
  h = await gitHarness();
  await createRepo(h.server, 'app');
  main = await commitFiles(h.server, 'app', 'main', { Riofile: 'name: app\n' }, 'first');
  feature = await commitFiles(h.server, 'app', 'feature', { Riofile: 'name: app-feature\n' }, 'feature');
  fork = await createCommit(h.server, 'app', { parent: main, files: { Riofile: 'name: from-fork\n' }, message: 'fork change' });
  await setPullRef(h.server, 'app', 7, feature);
  await setPullRef(h.server, 'app', 8, fork);
});
after(() => h.close());

test('lists branches, pull request refs and the HEAD symref target', async () => {
  const { refs, headTarget } = await h.git.listRemoteRefs(h.server.urlFor('app'));
  assert.equal(headTarget, 'refs/heads/main');
  assert.deepEqual(
    Object.fromEntries(refs),
    { HEAD: main, 'refs/heads/main': main, 'refs/heads/feature': feature, 'refs/pull/7/head': feature, 'refs/pull/8/head': fork },
  );
});

test('one poll is one request: the v0/v1 ref advertisement (v2 takes two for the same refs)', async () => {
  h.requests.length = 0;
  const { refs, headTarget } = await h.git.listRemoteRefs(h.server.urlFor('app'));
  assert.deepEqual(h.requests.map((r) => `${r.method} ${r.path} ${r.status}`), ['GET /app.git/info/refs 200']);
  assert.equal(h.requests[0]!.gitProtocol, undefined);
  assert.equal(refs.get('refs/heads/main'), main);
  assert.equal(headTarget, 'refs/heads/main', 'the HEAD symref from the advertisement\'s capabilities');
});

test('prefixes keep only the asked-for refs; the HEAD target is still reported', async () => {
  const pulls = await h.git.listRemoteRefs(h.server.urlFor('app'), { prefixes: ['refs/pull/'] });
  assert.deepEqual([...pulls.refs.keys()].sort(), ['refs/pull/7/head', 'refs/pull/8/head']);
  assert.equal(pulls.headTarget, 'refs/heads/main');
  const both = await h.git.listRemoteRefs(h.server.urlFor('app'), { prefixes: ['refs/heads/', 'refs/pull/'] });
  assert.deepEqual([...both.refs.keys()].sort(), ['refs/heads/feature', 'refs/heads/main', 'refs/pull/7/head', 'refs/pull/8/head']);
  assert.equal(both.headTarget, 'refs/heads/main');
});

test('a deleted branch disappears and a moved one shows its new SHA', async () => {
  // Setup
  await createRepo(h.server, 'moving');
  await commitFiles(h.server, 'moving', 'main', { a: '1' }, 'one');
  await commitFiles(h.server, 'moving', 'gone', { a: '2' }, 'two');
  const first = await h.git.listRemoteRefs(h.server.urlFor('moving'));
  // Test
  const moved = await commitFiles(h.server, 'moving', 'main', { a: '3' }, 'three');
  await deleteBranch(h.server, 'moving', 'gone');
  const second = await h.git.listRemoteRefs(h.server.urlFor('moving'));
  assert.ok(first.refs.has('refs/heads/gone'));
  assert.equal(second.refs.has('refs/heads/gone'), false);
  assert.equal(second.refs.get('refs/heads/main'), moved);
});

test('an empty repository has no refs', async () => {
  await createRepo(h.server, 'empty');
  h.requests.length = 0;
  const { refs } = await h.git.listRemoteRefs(h.server.urlFor('empty'));
  assert.equal(refs.size, 0);
  // isomorphic-git takes an empty v1 advertisement for v2 and would send an ls-refs the server cannot read.
  assert.deepEqual(h.requests.map((r) => `${r.method} ${r.path} ${r.status}`), ['GET /empty.git/info/refs 200']);
});

test('a repository that does not exist is GitRepoNotFound, not retryable', async () => {
  await assert.rejects(h.git.listRemoteRefs(h.server.urlFor('nope')), (err: Error & { code: string; retryable: boolean }) => {
    assert.equal(err.name, 'GitRepoNotFoundError');
    assert.equal(err.code, 'GitRepoNotFound');
    assert.equal(err.retryable, false);
    return true;
  });
});
