import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { addressedDirectly, startGitServer } from '../../../engine/dev/git-server.js';
import { commitFiles, createRepo } from '../../../engine/dev/git-fixtures.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

test('the git server is addressed directly: localhost or an IP literal with its port, never a DNS name', () => {
  assert.equal(addressedDirectly('127.0.0.1:7080', 7080), true);
  assert.equal(addressedDirectly('localhost:7080', 7080), true);
  assert.equal(addressedDirectly('LOCALHOST:7080', 7080), true);
  assert.equal(addressedDirectly('10.88.0.1:7080', 7080), true); // the real node's bridge address
  assert.equal(addressedDirectly('[::1]:7080', 7080), true);
  // A page that rebinds its own name to 127.0.0.1 sends that name.
  assert.equal(addressedDirectly('rebind.attacker.example:7080', 7080), false);
  assert.equal(addressedDirectly('127.0.0.1.nip.io:7080', 7080), false);
  assert.equal(addressedDirectly('127.0.0.1:7081', 7080), false);
  assert.equal(addressedDirectly('127.0.0.1', 7080), false);
  assert.equal(addressedDirectly('[::1', 7080), false);
  assert.equal(addressedDirectly(undefined, 7080), false);
});

/** A receive-pack POST as a rebinding page would send it: git's content type, the page's own name as Host. */
function postAs(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { host, 'content-type': 'application/x-git-receive-pack-request' } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', reject);
    req.end('0000');
  });
}

test('a push addressed by a DNS name is refused before git runs; by IP it reaches git', async (t) => {
  const git = await startGitServer();
  t.after(() => git.stop());
  await createRepo(git, 'app');
  await commitFiles(git, 'app', 'main', { README: 'hi\n' }, 'first');
  const port = new URL(git.url).port;
  const pushUrl = `${git.urlFor('app')}/git-receive-pack`;

  assert.equal(await postAs(pushUrl, `rebind.attacker.example:${port}`), 403);
  assert.notEqual(await postAs(pushUrl, `127.0.0.1:${port}`), 403);
  // git itself, addressing it as the engine does, still lists it.
  const { stdout } = await promisify(execFile)('git', ['ls-remote', git.urlFor('app')]);
  assert.match(stdout, /refs\/heads\//);
});
