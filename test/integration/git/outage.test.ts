import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { commitFiles, createRepo } from '../../../engine/dev/git-fixtures.js';
import { createServer, type AddressInfo } from 'node:net';
import type { DownMode } from '../../../engine/dev/git-server.js';
import { caught, gitHarness, type GitHarness } from './support.js';

let h: GitHarness;
let url: string;
let sha: string;

before(async () => {
  h = await gitHarness({ timeoutMs: 1_000 });
  await createRepo(h.server, 'app');
  sha = await commitFiles(h.server, 'app', 'main', { Riofile: 'app\n' }, 'one');
  url = h.server.urlFor('app');
});
after(() => h.close());

const cases: Array<{ mode: DownMode; reason: RegExp }> = [
  { mode: '503', reason: /HTTP 503/ },
  { mode: 'refuse', reason: /connection (refused|reset)/ },
  { mode: 'hang', reason: /timed out/ },
];

for (const { mode, reason } of cases) {
  test(`server down (${mode}) → GitUnreachableError, retryable; back up → works`, async () => {
    // Setup: a warm connection, as in a running engine.
    await h.git.listRemoteRefs(url);
    await h.server.setDown(mode);
    try {
      // Test: every call fails the same typed way, twice in a row (polls keep failing while down).
      for (let attempt = 0; attempt < 2; attempt++) {
        const list = await caught(() => h.git.listRemoteRefs(url));
        assert.equal(list.name, 'GitUnreachableError');
        assert.equal(list.code, 'GitUnreachable');
        assert.equal(list.retryable, true);
        assert.match(list.message, new RegExp(`^git server unreachable at ${url.replace(/\./g, '\\.')}: `));
        assert.match(String(list.data.reason), reason);
        assert.equal(list.data.op, 'listRemoteRefs');
      }
      const fetch = await caught(async () => h.git.fetchCommit({ url, ref: 'main', dir: await h.cacheDir() }));
      assert.equal(fetch.name, 'GitUnreachableError');
      assert.match(String(fetch.data.reason), reason);
    } finally {
      await h.server.setDown(false);
    }
    // Back up: the very next call works.
    assert.equal((await h.git.listRemoteRefs(url)).refs.get('refs/heads/main'), sha);
    assert.equal(await h.git.fetchCommit({ url, ref: 'main', dir: await h.cacheDir() }), sha);
  });
}

test('a hanging server is cut off at the timeout, not later', async () => {
  await h.server.setDown('hang');
  try {
    const started = Date.now();
    await caught(() => h.git.listRemoteRefs(url));
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 900 && elapsed < 3_000, `took ${elapsed} ms with a 1000 ms timeout`);
  } finally {
    await h.server.setDown(false);
  }
});

test('nothing listening at all → GitUnreachableError (connection refused)', async () => {
  const port = await closedPort();
  const err = await caught(() => h.git.listRemoteRefs(`http://127.0.0.1:${port}/nothing.git`));
  assert.equal(err.name, 'GitUnreachableError');
  assert.match(err.message, /connection refused \(ECONNREFUSED\)/);
  assert.ok(err.cause instanceof Error, 'the original error is kept as the cause');
});

/** A port that was free a moment ago and has nothing listening now. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
