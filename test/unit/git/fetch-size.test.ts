/**
 * ria.yaml's git limits: a response past its limit fails the call as soon as it is read past it,
 * not when the server ends it. A real node:http server on loopback and isomorphic-git's own node
 * http client, so the bytes counted are those the engine would hold.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fs from 'node:fs';
import http from 'isomorphic-git/http/node';
import { createGitClient, GitError, GitErrorCode } from '../../../engine/git/index.js';
import { Limiter } from '../../../engine/git/limiter.js';
import { tempDir } from '../../support/temp-dir.js';
import { until } from '../../support/until.js';
import { loopbackServer } from '../../support/loopback-server.js';
import { loadConfig } from '../../../engine/config/load.js';
import { makePack, uploadPackAnswer } from '../../support/packs.js';

const KiB = 1024;
const sha = 'a'.repeat(40);
const pkt = (line: string | Buffer) => { const b = Buffer.from(line); return Buffer.concat([Buffer.from((b.length + 4).toString(16).padStart(4, '0')), b]); };
/** A v1 advertisement of HEAD and main at `sha`, as `git http-backend` writes it. */
const advertisement = Buffer.concat([pkt('# service=git-upload-pack\n'), Buffer.from('0000'),
  pkt(`${sha} HEAD\0side-band-64k shallow ofs-delta symref=HEAD:refs/heads/main\n`), pkt(`${sha} refs/heads/main\n`), Buffer.from('0000')]);

test('fetchCommit: a pack past git.maxFetchSize fails at the first byte over it as GitPackTooLarge (not retryable, located), its request is closed, its slot freed, nothing written', async (t) => {
  // Setup: the server sends exactly one byte more than the limit, then holds the answer open:
  // only the limit can end this fetch (its deadline is far).
  const maxPackBytes = 64 * KiB;
  let closed = false;
  const origin = await loopbackServer(t, (req, res) => {
    if (req.url?.includes('/info/refs')) {
      res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement' }).end(advertisement);
      return;
    }
    req.resume();
    res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-result' });
    res.on('close', () => { closed = true; });
    const nak = pkt('NAK\n');
    let left = maxPackBytes + 1 - nak.length;
    res.write(nak);
    while (left > 0) {
      const line = pkt(Buffer.concat([Buffer.from([1]), Buffer.alloc(Math.min(8 * KiB, left) - 5, 7)]));
      res.write(line.subarray(0, left));
      left -= Math.min(line.length, left);
    }
  });
  const fetches = new Limiter(1);
  const git = createGitClient({ fs, http, timeoutMs: 60_000, fetches, limits: () => ({ maxPackBytes, maxRefsBytes: 1024 * KiB }) });
  const dir = join(tempDir('ria-fetch-size-'), 'big');
  // Test
  await assert.rejects(git.fetchCommit({ url: `http://bot:s3cret@${origin.slice('http://'.length)}/big.git`, ref: 'main', sha, dir }), (err: GitError) => {
    assert.equal(err.code, GitErrorCode.PackTooLarge);
    assert.equal(err.retryable, false);
    assert.match(err.message, /^pack of main at aaaaaaa over ria\.yaml's git\.maxFetchSize \(64 KiB\), not read: make the commit smaller, or raise it with the engine's memory/);
    assert.match(err.message, /repository http:\/\/\*\*\*@127\.0\.0\.1:\d+\/big\.git$/);
    assert.doesNotMatch(err.message, /s3cret/);
    assert.deepEqual({ what: err.data.what, maxBytes: err.data.maxBytes, ref: err.data.ref, sha: err.data.sha }, { what: 'pack', maxBytes: maxPackBytes, ref: 'refs/heads/main', sha });
    return true;
  });
  await until('the fetch slot to be freed', () => fetches.active === 0);
  await until('the request to be closed', () => closed);
  const packDir = join(dir, 'objects', 'pack');
  assert.deepEqual(existsSync(packDir) ? readdirSync(packDir) : [], [], 'no pack written');
});

test('listRemoteRefs: a listing of exactly git.maxRefsSize is read; one byte less fails as GitRefsTooLarge; the client\'s limits are read at each call', async (t) => {
  // Setup
  const origin = await loopbackServer(t, (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement' }).end(advertisement);
  });
  let limits = { maxPackBytes: 64 * KiB, maxRefsBytes: advertisement.length };
  const git = createGitClient({ fs, http, timeoutMs: 60_000, limits: () => limits });
  // Test
  const listed = await git.listRemoteRefs(`${origin}/refs.git`);
  assert.equal(listed.refs.get('refs/heads/main'), sha);
  limits = { ...limits, maxRefsBytes: advertisement.length - 1 };
  await assert.rejects(git.listRemoteRefs(`${origin}/refs.git`), (err: GitError) => {
    assert.equal(err.code, GitErrorCode.RefsTooLarge);
    assert.equal(err.retryable, false);
    assert.match(err.message, /^ref listing of http:\/\/127\.0\.0\.1:\d+\/refs\.git over ria\.yaml's git\.maxRefsSize \(\d+ bytes\), not read: delete refs/);
    return true;
  });
  // A call's own limits win (the config repository's: none).
  assert.equal((await git.listRemoteRefs(`${origin}/refs.git`, { limits: { maxPackBytes: Infinity, maxRefsBytes: Infinity } })).refs.size, 2);
});

test('ria.yaml git.maxFetchSize, maxRefsSize, maxObjectSize and maxInflatedSize: sizes in Ki, Mi, Gi or bytes; 8, 16, 8 and 16 MiB by default; anything else is refused, located', () => {
  const settings = (text: string) => loadConfig(new Map([['ria.yaml', text]]));
  const inflation = { maxObjectBytes: 8 * 1024 * KiB, maxInflatedBytes: 16 * 1024 * KiB };
  assert.deepEqual(settings('domain: example.com\n').settings.git, { maxPackBytes: 8 * 1024 * KiB, maxRefsBytes: 16 * 1024 * KiB, ...inflation });
  assert.deepEqual(settings('git: { maxFetchSize: 96Mi, maxRefsSize: 512Ki }\n').settings.git, { maxPackBytes: 96 * 1024 * KiB, maxRefsBytes: 512 * KiB, ...inflation });
  assert.deepEqual(settings('git: { maxFetchSize: 1Gi, maxRefsSize: 100000, maxObjectSize: 1Mi, maxInflatedSize: 64Mi }\n').settings.git,
    { maxPackBytes: 1024 * 1024 * KiB, maxRefsBytes: 100_000, maxObjectBytes: 1024 * KiB, maxInflatedBytes: 64 * 1024 * KiB });
  for (const bad of ['8MB', '0', '-1Mi', '1.5Mi', '0Mi']) {
    const loaded = settings(`git:\n  maxFetchSize: ${bad}\n`);
    assert.ok(loaded.settingsError, `${bad} is refused`);
    assert.match(loaded.settingsError.format(), /ria\.yaml:2:\d+: .*git\.maxFetchSize/, loaded.settingsError.format());
  }
  assert.match(settings('git: { maxFetchSise: 8Mi }\n').settingsError!.format(), /did you mean "maxFetchSize"/);
});

test('fetchCommit: a small pack whose blob inflates past git.maxObjectSize (or whose objects together pass git.maxInflatedSize) fails as GitPackTooLarge naming the key, nothing indexed', async (t) => {
  // Setup: a pack of 64 KiB holding 64 MiB of zeros, well under git.maxFetchSize.
  const pack = makePack([{ type: 'blob', data: Buffer.alloc(64 * 1024 * KiB) }]);
  const origin = await loopbackServer(t, (req, res) => {
    if (req.url?.includes('/info/refs')) {
      res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement' }).end(advertisement);
      return;
    }
    req.resume();
    res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-result' }).end(uploadPackAnswer(pack));
  });
  const fetches = new Limiter(1);
  let limits = { maxPackBytes: 8 * 1024 * KiB, maxRefsBytes: 1024 * KiB, maxObjectBytes: 8 * 1024 * KiB, maxInflatedBytes: 32 * 1024 * KiB };
  const git = createGitClient({ fs, http, timeoutMs: 60_000, fetches, limits: () => limits });
  const dir = join(tempDir('ria-fetch-inflate-'), 'bomb');
  // Test
  await assert.rejects(git.fetchCommit({ url: `http://bot:s3cret@${origin.slice('http://'.length)}/bomb.git`, ref: 'main', sha, dir }), (err: GitError) => {
    assert.equal(err.code, GitErrorCode.PackTooLarge);
    assert.equal(err.retryable, false);
    assert.match(err.message, /^pack of main at aaaaaaa inflates past ria\.yaml's git\.maxObjectSize \(8 MiB\) \(a blob of 67108864 bytes at offset 12 of the pack\), not indexed: make the commit smaller/);
    assert.doesNotMatch(err.message, /s3cret/);
    assert.deepEqual({ what: err.data.what, setting: err.data.setting }, { what: 'object', setting: 'git.maxObjectSize' });
    return true;
  });
  limits = { ...limits, maxObjectBytes: 128 * 1024 * KiB };
  await assert.rejects(git.fetchCommit({ url: `${origin}/bomb.git`, ref: 'main', sha, dir }), (err: GitError) => {
    assert.equal(err.code, GitErrorCode.PackTooLarge);
    assert.match(err.message, /^pack of main at aaaaaaa inflates past ria\.yaml's git\.maxInflatedSize \(32 MiB\) \(inflating the objects of the pack, at offset 12: \d+ bytes\), not indexed/);
    return true;
  });
  await until('the fetch slot to be freed', () => fetches.active === 0);
  const packDir = join(dir, 'objects', 'pack');
  assert.deepEqual(existsSync(packDir) ? readdirSync(packDir) : [], [], 'no pack written');
});
