import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { commitFiles, createRepo, deleteBranch, resolveRef, setHead, setPullRef } from '../../../engine/dev/git-fixtures.js';
import { startGitServer, type GitServer } from '../../../engine/dev/git-server.js';

const auth = { username: 'dev', password: 'dev-password' };
let open: GitServer;
let locked: GitServer;
let scratch: string;

before(async () => {
  open = await startGitServer();
  locked = await startGitServer({ auth });
  scratch = await mkdtemp(join(tmpdir(), 'ria-git-cli-'));
});
after(async () => {
  await open.stop();
  await locked.stop();
  await Promise.all([open.root, locked.root, scratch].map((d) => rm(d, { recursive: true, force: true })));
});

/** The git CLI, isolated from the machine's config, with a fixed identity. */
function cli(args: string[], cwd: string, extraConfig: string[] = []): Promise<string> {
  const config = ['-c', 'user.name=Dev', '-c', 'user.email=dev@ria.invalid', '-c', 'init.defaultBranch=main', ...extraConfig];
  return new Promise((resolve, reject) => {
    execFile('git', [...config, ...args], { cwd, env: { PATH: process.env.PATH, HOME: scratch, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' } }, (err, stdout, stderr) =>
      err ? reject(new Error(`git ${args.join(' ')}: ${stderr}`)) : resolve(stdout.trim()),
    );
  });
}

test('clone, commit and push over HTTP with the git CLI', async () => {
  // Setup
  await createRepo(open, 'pushed');
  const base = await commitFiles(open, 'pushed', 'main', { Riofile: 'v1\n' }, 'base');
  const work = join(scratch, 'pushed');
  // Test
  await cli(['clone', '--quiet', open.urlFor('pushed'), work], scratch);
  await writeFile(join(work, 'Riofile'), 'v2\n');
  await cli(['commit', '--quiet', '-am', 'from the CLI'], work);
  await cli(['push', '--quiet', 'origin', 'main'], work);
  await cli(['push', '--quiet', 'origin', 'main:refs/heads/feature'], work);
  const pushed = await cli(['rev-parse', 'HEAD'], work);
  assert.notEqual(pushed, base);
  assert.equal(await resolveRef(open.pathFor('pushed'), 'refs/heads/main'), pushed);
  assert.equal(await resolveRef(open.pathFor('pushed'), 'refs/heads/feature'), pushed);
});

test('with auth: 401 + WWW-Authenticate without credentials, push works with them', async () => {
  await createRepo(locked, 'secure');
  await commitFiles(locked, 'secure', 'main', { a: '1\n' }, 'one');
  const res = await fetch(`${locked.urlFor('secure')}/info/refs?service=git-upload-pack`);
  assert.equal(res.status, 401);
  assert.match(res.headers.get('www-authenticate') ?? '', /^Basic /);
  await res.text();
  const header = `http.extraHeader=Authorization: Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  const work = join(scratch, 'secure');
  await assert.rejects(cli(['clone', '--quiet', locked.urlFor('secure'), join(scratch, 'denied')], scratch), /Authentication failed|could not read Username|401/);
  await cli(['clone', '--quiet', locked.urlFor('secure'), work], scratch, ['-c', header]);
  await writeFile(join(work, 'a'), '2\n');
  await cli(['commit', '--quiet', '-am', 'two'], work);
  await cli(['push', '--quiet', 'origin', 'main'], work, ['-c', header]);
  assert.equal(await resolveRef(locked.pathFor('secure'), 'refs/heads/main'), await cli(['rev-parse', 'HEAD'], work));
});

test('a gzip-encoded request body is handled (git sends these for large negotiations)', async () => {
  await createRepo(open, 'gz');
  const sha = await commitFiles(open, 'gz', 'main', { a: '1\n' }, 'one');
  const lsRefs = ['0014command=ls-refs\n', '0001', '0009peel\n', '0000'].join('');
  const res = await fetch(`${open.urlFor('gz')}/git-upload-pack`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-git-upload-pack-request', 'Content-Encoding': 'gzip', 'Git-Protocol': 'version=2' },
    body: gzipSync(lsRefs),
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/x-git-upload-pack-result');
  const text = await res.text();
  assert.ok(text.includes(`${sha} refs/heads/main`), text);
});

test('CGI Status lines become HTTP statuses (404 for a missing repo); bad paths are 400, not a crash', async () => {
  const res = await fetch(`${open.urlFor('does-not-exist')}/info/refs?service=git-upload-pack`);
  assert.equal(res.status, 404);
  await res.text();
  const bad = await fetch(`${open.url}/%E0%A4%A/info/refs?service=git-upload-pack`);
  assert.equal(bad.status, 400);
  await bad.text();
  const escape = await fetch(`${open.url}/..%2F..%2Fetc/info/refs?service=git-upload-pack`);
  assert.notEqual(escape.status, 200);
  await escape.text();
});

test('fixtures: deterministic SHAs, deletions, pull refs, HEAD at a missing branch', async () => {
  await createRepo(open, 'fx-a');
  await createRepo(open, 'fx-b');
  const a = await commitFiles(open, 'fx-a', 'main', { x: '1\n', y: '2\n' }, 'same');
  const b = await commitFiles(open, 'fx-b', 'main', { x: '1\n', y: '2\n' }, 'same');
  assert.equal(a, b, 'same inputs, same commit');
  const del = await commitFiles(open, 'fx-a', 'main', { y: null }, 'drop y');
  const files = await cli(['ls-tree', '--name-only', del], open.pathFor('fx-a'));
  assert.equal(files, 'x');
  await setPullRef(open, 'fx-a', 3, a);
  assert.equal(await resolveRef(open.pathFor('fx-a'), 'refs/pull/3/head'), a);
  await commitFiles(open, 'fx-a', 'other', { z: '1\n' }, 'z');
  await deleteBranch(open, 'fx-a', 'main');
  await setHead(open, 'fx-a', 'main');
  assert.equal(await resolveRef(open.pathFor('fx-a'), 'HEAD'), null);
});
