import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { commitFiles, createCommit, createRepo, setPullRef } from '../../../engine/dev/git-fixtures.js';
import { caught, gitHarness, type GitHarness } from './support.js';

let h: GitHarness;
let url: string;

before(async () => {
  h = await gitHarness();
  await createRepo(h.server, 'app');
  url = h.server.urlFor('app');
});
after(() => h.close());

/** Sizes of the pack files in a cache dir, by file name. */
async function packSizes(dir: string): Promise<Map<string, number>> {
  const packDir = join(dir, 'objects', 'pack');
  const names = (await readdir(packDir)).filter((n) => n.endsWith('.pack'));
  return new Map(await Promise.all(names.map(async (n) => [n, (await stat(join(packDir, n))).size] as [string, number])));
}

/** ~80 KB (~40 KB packed) that does not compress away, so resending it shows in pack sizes. */
function incompressible(lines = 1000, seed = 'seed'): string {
  let h = seed;
  return Array.from({ length: lines }, () => (h = createHash('sha256').update(h).digest('hex')) + h.slice(0, 16) + '\n').join('');
}

test('shallow-fetches one branch and reads files at the commit without a work tree', async () => {
  // Setup
  const first = await commitFiles(h.server, 'app', 'main', { Riofile: 'name: app\n', 'deploy/web.yaml': 'kind: Web\n' }, 'one');
  const second = await commitFiles(h.server, 'app', 'main', { Riofile: 'name: app\nreplicas: 2\n' }, 'two');
  const dir = await h.cacheDir();
  // Test
  const sha = await h.git.fetchCommit({ url, ref: 'refs/heads/main', dir });
  assert.equal(sha, second);
  assert.equal(await h.git.readFileAt({ dir, sha, path: 'Riofile' }), 'name: app\nreplicas: 2\n');
  assert.equal(await h.git.readFileAt({ dir, sha, path: 'deploy/web.yaml' }), 'kind: Web\n');
  assert.equal(await h.git.readFileAt({ dir, sha, path: 'missing.yaml' }), null);
  assert.equal((await readFile(join(dir, 'shallow'), 'utf8')).trim(), second, 'depth 1: the tip is a shallow commit');
  const parentMissing = await caught(() => h.git.readFileAt({ dir, sha: first, path: 'Riofile' }));
  assert.equal(parentMissing.code, 'GitCommitNotFetched', 'the parent was not fetched');
  assert.equal(fs.existsSync(join(dir, 'Riofile')), false, 'bare cache: nothing checked out');
});

test('fetching again after a push brings the new commit; the old one stays readable', async () => {
  // Setup
  const big = incompressible();
  const v1 = await commitFiles(h.server, 'app', 'inc', { Riofile: 'v: 1\n', 'big.txt': big }, 'one');
  const dir = await h.cacheDir();
  assert.equal(await h.git.fetchCommit({ url, ref: 'inc', dir }), v1);
  // Test
  const v2 = await commitFiles(h.server, 'app', 'inc', { Riofile: 'v: 2\n' }, 'two');
  assert.equal(await h.git.fetchCommit({ url, ref: 'inc', sha: v2, dir }), v2);
  assert.equal(await h.git.readFileAt({ dir, sha: v2, path: 'Riofile' }), 'v: 2\n');
  assert.equal(await h.git.readFileAt({ dir, sha: v2, path: 'big.txt' }), big);
  assert.equal(await h.git.readFileAt({ dir, sha: v1, path: 'Riofile' }), 'v: 1\n', 'the old commit stays readable');
  assert.equal((await packSizes(dir)).size, 2, 'one pack per fetch');
});

test('every fetch is charged the commit\'s whole snapshot: a push that adds little to a cached commit over git.maxInflatedSize is refused as on an empty cache (review9 F10)', async () => {
  // Setup: a first commit of ~80 KB fetched into the cache, then a second that adds ~80 KB more.
  const limits = { maxPackBytes: 8 * 2 ** 20, maxRefsBytes: 2 ** 20, maxObjectBytes: 2 ** 20, maxInflatedBytes: 120_000 };
  const big = incompressible();
  const v1 = await commitFiles(h.server, 'app', 'whole', { Riofile: 'v: 1\n', 'big.txt': big }, 'one');
  const dir = await h.cacheDir();
  assert.equal(await h.git.fetchCommit({ url, ref: 'whole', dir, limits }), v1);
  const first = await packSizes(dir);
  // Test: the new objects alone (~80 KB) would pass; the snapshot (~160 KB) does not, on either path.
  const v2 = await commitFiles(h.server, 'app', 'whole', { 'more.txt': incompressible(1000, 'more') }, 'two');
  for (const into of [dir, await h.cacheDir()]) {
    const err = await caught(() => h.git.fetchCommit({ url, ref: 'whole', sha: v2, dir: into, limits }));
    assert.equal(err.code, 'GitPackTooLarge');
    assert.match(err.message, /^pack of whole at [0-9a-f]{7} inflates past ria\.yaml's git\.maxInflatedSize \(117\.2 KiB\)/);
  }
  // Raised, the incremental fetch brings the unchanged file again (no thin pack: nothing resolved against the cache).
  assert.equal(await h.git.fetchCommit({ url, ref: 'whole', sha: v2, dir, limits: { ...limits, maxInflatedBytes: 1 << 20 } }), v2);
  const added = [...(await packSizes(dir))].filter(([name]) => !first.has(name));
  assert.equal(added.length, 1);
  assert.ok(added[0]![1] > [...first.values()][0]!, `the second pack (${added[0]![1]} bytes) holds big.txt again`);
  assert.equal(await h.git.readFileAt({ dir, sha: v2, path: 'big.txt' }), big);
});

test('a SHA already in the cache costs no request', async () => {
  const sha = await commitFiles(h.server, 'app', 'cached', { Riofile: 'c\n' }, 'c');
  const dir = await h.cacheDir();
  await h.git.fetchCommit({ url, ref: 'cached', dir });
  h.requests.length = 0;
  assert.equal(await h.git.fetchCommit({ url, ref: 'cached', sha, dir }), sha);
  assert.equal(h.requests.length, 0);
});

test('the fetch of a commit a listing just found asks no discovery of its own: one request, the listing\'s advertisement answers it', async () => {
  // Setup
  const sha = await commitFiles(h.server, 'app', 'listed', { Riofile: 'name: listed\n' }, 'listed');
  const dir = await h.cacheDir();
  h.requests.length = 0;
  const { refs } = await h.git.listRemoteRefs(url, { prefixes: ['refs/heads/'] });
  assert.equal(refs.get('refs/heads/listed'), sha);
  // Test
  assert.equal(await h.git.fetchCommit({ url, ref: 'refs/heads/listed', sha, dir }), sha);
  assert.equal(await h.git.readFileAt({ dir, sha, path: 'Riofile' }), 'name: listed\n');
  assert.deepEqual(h.requests.map((r) => `${r.method} ${r.path}`), ['GET /app.git/info/refs', 'POST /app.git/git-upload-pack'],
    'the listing, then the fetch\'s upload-pack alone');
});

test('a fetch asks the server itself when it wants no SHA, or another SHA than the listing found', async () => {
  // Setup
  const listed = await commitFiles(h.server, 'app', 'moving', { Riofile: 'v: 1\n' }, 'one');
  await h.git.listRemoteRefs(url);
  const moved = await commitFiles(h.server, 'app', 'moving', { Riofile: 'v: 2\n' }, 'two');
  h.requests.length = 0;
  // Test: a webhook's fetch (no SHA) must see where the ref is now, not where it was listed.
  assert.equal(await h.git.fetchCommit({ url, ref: 'refs/heads/moving', dir: await h.cacheDir() }), moved);
  assert.deepEqual(h.requests.map((r) => `${r.method} ${r.path}`), ['GET /app.git/info/refs', 'POST /app.git/git-upload-pack']);
  // A SHA the listing does not say the ref is at: asked too.
  h.requests.length = 0;
  assert.equal(await h.git.fetchCommit({ url, ref: 'refs/heads/moving', sha: moved, dir: await h.cacheDir() }), moved);
  assert.deepEqual(h.requests.map((r) => `${r.method} ${r.path}`), ['GET /app.git/info/refs', 'POST /app.git/git-upload-pack']);
  assert.notEqual(listed, moved);
});

test('a lost cache directory only costs a refetch', async () => {
  const sha = await commitFiles(h.server, 'app', 'lost', { Riofile: 'l\n' }, 'l');
  const dir = await h.cacheDir();
  await h.git.fetchCommit({ url, ref: 'lost', dir });
  await rm(dir, { recursive: true, force: true });
  assert.equal(await h.git.fetchCommit({ url, ref: 'lost', sha, dir }), sha);
  assert.equal(await h.git.readFileAt({ dir, sha, path: 'Riofile' }), 'l\n');
});

test('fetches a pull request head from a fork (a commit no branch points at)', async () => {
  const base = await commitFiles(h.server, 'app', 'main', { Riofile: 'base\n' }, 'base');
  const fork = await createCommit(h.server, 'app', { parent: base, files: { Riofile: 'fork\n' }, message: 'from a fork' });
  await setPullRef(h.server, 'app', 12, fork);
  const dir = await h.cacheDir();
  assert.equal(await h.git.fetchCommit({ url, ref: 'refs/pull/12/head', dir }), fork);
  assert.equal(await h.git.readFileAt({ dir, sha: fork, path: 'Riofile' }), 'fork\n');
});

test('a ref the remote does not have is GitRefNotFound', async () => {
  const dir = await h.cacheDir();
  const err = await caught(() => h.git.fetchCommit({ url, ref: 'refs/pull/999/head', dir }));
  assert.equal(err.name, 'GitRefNotFoundError');
  assert.equal(err.code, 'GitRefNotFound');
  assert.equal(err.data.ref, 'refs/pull/999/head');
  assert.equal(err.retryable, false);
});

test('a repository whose HEAD points at a missing branch still fetches (isomorphic-git clone does not)', async () => {
  // Setup: HEAD -> refs/heads/main, but only `develop` exists.
  await createRepo(h.server, 'headless', { defaultBranch: 'main' });
  const sha = await commitFiles(h.server, 'headless', 'develop', { Riofile: 'develop\n' }, 'd');
  const headlessUrl = h.server.urlFor('headless');
  // The library's clone is what we must avoid here.
  const cloneDir = await h.cacheDir();
  await assert.rejects(git.clone({ fs, http, dir: cloneDir, url: headlessUrl, depth: 1 }));
  // Test
  const { refs, headTarget } = await h.git.listRemoteRefs(headlessUrl);
  assert.equal(headTarget, undefined);
  assert.deepEqual(Object.fromEntries(refs), { 'refs/heads/develop': sha });
  const dir = await h.cacheDir();
  assert.equal(await h.git.fetchCommit({ url: headlessUrl, ref: 'develop', dir }), sha);
  assert.equal(await h.git.readFileAt({ dir, sha, path: 'Riofile' }), 'develop\n');
  // And again, incrementally.
  const next = await commitFiles(h.server, 'headless', 'develop', { Riofile: 'develop 2\n' }, 'd2');
  assert.equal(await h.git.fetchCommit({ url: headlessUrl, ref: 'develop', dir }), next);
  assert.equal(await h.git.readFileAt({ dir, sha: next, path: 'Riofile' }), 'develop 2\n');
});

test('an empty repository (no refs yet) is GitRefNotFound, with credentials in the URL redacted', async () => {
  await createRepo(h.server, 'fresh');
  const withCreds = h.server.urlFor('fresh').replace('http://', 'http://bot:pa55word@');
  const err = await caught(async () => h.git.fetchCommit({ url: withCreds, ref: 'main', dir: await h.cacheDir() }));
  assert.equal(err.code, 'GitRefNotFound');
  assert.ok(!err.message.includes('pa55word') && !JSON.stringify(err.data).includes('pa55word'), err.message);
});
