/**
 * `ria dev push` and `ria dev pr` against real bare repositories (no server, no webhook): what
 * lands in git is what the working copy holds, and pull requests are GitHub-shaped refs.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitFiles, createRepo, gitIn, resolveRef } from '../../../engine/dev/git-fixtures.js';
import { closePullRequest, openPullRequest, pushExample, type ServedRepos } from '../../../engine/dev/dev-repos.js';
import { main } from '../../../engine/cli/main.js';
import { createDevCommand } from '../../../engine/cli/dev-command.js';
import { captureIO } from '../../support/io.js';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function setup(): Promise<{ repos: ServedRepos; gitDir: string; example: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'ria-dev-repos-'));
  dirs.push(dir);
  const examplesDir = join(dir, 'examples');
  const example = join(examplesDir, 'hello');
  await mkdir(join(example, 'web'), { recursive: true });
  await writeFile(join(example, 'Riofile'), 'services:\n  web:\n    image: nginx\n');
  await writeFile(join(example, 'web', 'index.html'), '<h1>hi</h1>\n');
  const root = join(dir, 'git');
  await mkdir(join(root, 'ria-examples'), { recursive: true });
  const server = { root };
  await createRepo(server, 'ria-examples/hello');
  await commitFiles(server, 'ria-examples/hello', 'main', { Riofile: 'services: {}\n', 'old.txt': 'gone soon\n' }, 'import');
  return { repos: { gitRoot: root, gitUrl: 'http://127.0.0.1:7080', examplesDir }, gitDir: join(root, 'ria-examples/hello.git'), example };
}

const tree = async (gitDir: string, ref: string) => (await gitIn(gitDir, ['ls-tree', '-r', '--name-only', ref])).split('\n').sort();

test('push commits the working copy: files added, changed and deleted; a second push is a no-op', async () => {
  const { repos, gitDir } = await setup();
  const r = await pushExample(repos, 'hello');
  assert.equal(r.changed, true);
  assert.deepEqual(await tree(gitDir, 'main'), ['Riofile', 'web/index.html']);
  assert.equal(await gitIn(gitDir, ['show', 'main:Riofile']), 'services:\n  web:\n    image: nginx');
  assert.equal(await resolveRef(gitDir, 'refs/heads/main'), r.sha);
  const again = await pushExample(repos, 'hello');
  assert.deepEqual({ changed: again.changed, sha: again.sha }, { changed: false, sha: r.sha });
});

test('a new branch starts from main; a PR from it is refs/pull/1/head, follows pushes, and closes', async () => {
  const { repos, gitDir, example } = await setup();
  const mainSha = (await resolveRef(gitDir, 'refs/heads/main'))!;
  await assert.rejects(openPullRequest(repos, 'hello', 'try-it'), /no branch "try-it".*ria dev push hello --branch try-it/);
  const pushed = await pushExample(repos, 'hello', 'try-it');
  assert.equal(pushed.created, true);
  assert.equal(await gitIn(gitDir, ['rev-parse', `${pushed.sha}^`]), mainSha, 'the branch forks from main');
  const pr = await openPullRequest(repos, 'hello', 'try-it');
  assert.deepEqual({ number: pr.number, existed: pr.existed }, { number: 1, existed: false });
  assert.equal(await resolveRef(gitDir, 'refs/pull/1/head'), pushed.sha);

  await writeFile(join(example, 'Riofile'), 'services:\n  web:\n    image: nginx:1.27\n');
  const moved = await pushExample(repos, 'hello', 'try-it');
  assert.equal(moved.pullRequest, 1);
  assert.equal(await resolveRef(gitDir, 'refs/pull/1/head'), moved.sha, 'the PR head follows its branch');

  assert.deepEqual(await closePullRequest(repos, 'hello', 'try-it'), { number: 1 });
  await assert.rejects(closePullRequest(repos, 'hello', 'try-it'), /no open pull request from "try-it"/);
  await pushExample(repos, 'hello', 'other');
  assert.equal((await openPullRequest(repos, 'hello', 'other')).number, 2, 'numbers are not reused');
});

test('bad input is refused with a message that says what to do', async () => {
  const { repos } = await setup();
  await assert.rejects(pushExample(repos, 'nope'), /no example "nope".*examples: config, hello/);
  await assert.rejects(pushExample(repos, 'hello', '../x'), /not a branch name/);
  await assert.rejects(openPullRequest(repos, 'hello', 'main'), /needs a branch other than main/);
});

test('ria dev: usage errors exit 2; helpers without a running ria dev say how to start one', async () => {
  for (const args of [['dev', 'push'], ['dev', 'pr', 'open', 'hello'], ['dev', 'pr', 'merge', 'hello', 'x'], ['dev', '--mode', 'apiserver']]) {
    const io = captureIO();
    assert.equal(await main(args, io), 2, args.join(' '));
    assert.match(io.err(), /Usage: ria dev/);
  }
  const dir = await mkdtemp(join(tmpdir(), 'ria-dev-cli-'));
  dirs.push(dir);
  const command = createDevCommand({ statePath: join(dir, 'state.json') });
  await assert.rejects(command.run(['push', 'hello'], captureIO()), (err: Error & { code?: string }) => err.code === 'DevNotRunning' && /npm start/.test(err.message));
});
