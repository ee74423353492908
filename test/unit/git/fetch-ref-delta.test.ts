/**
 * A server's pack of deltas against an object the cache already holds (review9 F5): isomorphic-git
 * would inflate that object again for every such delta while it indexes the pack, synchronously,
 * with nothing charged for it. The fetch is refused before the pack is indexed. A real node:http
 * server on loopback and isomorphic-git's own node http client.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fs from 'node:fs';
import http from 'isomorphic-git/http/node';
import { createGitClient, GitError } from '../../../engine/git/index.js';
import { Limiter } from '../../../engine/git/limiter.js';
import { tempDir } from '../../support/temp-dir.js';
import { until } from '../../support/until.js';
import { loopbackServer } from '../../support/loopback-server.js';
import { deltaSize, gitId, makePack, uploadPackAnswer } from '../../support/packs.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const sha = 'a'.repeat(40);
const pkt = (line: string | Buffer) => { const b = Buffer.from(line); return Buffer.concat([Buffer.from((b.length + 4).toString(16).padStart(4, '0')), b]); };
const advertisement = Buffer.concat([pkt('# service=git-upload-pack\n'), Buffer.from('0000'),
  pkt(`${sha} HEAD\0side-band-64k shallow ofs-delta symref=HEAD:refs/heads/main\n`), pkt(`${sha} refs/heads/main\n`), Buffer.from('0000')]);

test('fetchCommit: a pack of deltas against an object of an earlier pack of the cache is refused, not indexed (isomorphic-git inflated that object once per delta)', async (t) => {
  // Setup: the first answer brings a 1 MiB blob into the cache; the second, 300 deltas of one
  // byte against it (a pack of a few KiB; indexed, 300 MiB of inflation).
  const blob = Buffer.alloc(MiB, 'ab');
  const oneByte = Buffer.concat([deltaSize(blob.length), deltaSize(1), Buffer.from([1]), Buffer.from('x')]);
  const answers = [
    uploadPackAnswer(makePack([{ type: 'blob', data: blob }])),
    uploadPackAnswer(makePack(Array.from({ length: 300 }, () => ({ type: 'ref-delta' as const, baseId: gitId('blob', blob), data: oneByte })))),
  ];
  const origin = await loopbackServer(t, (req, res) => {
    if (req.url?.includes('/info/refs')) {
      res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement' }).end(advertisement);
      return;
    }
    req.resume();
    res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-result' }).end(answers.shift());
  });
  const fetches = new Limiter(1);
  const limits = { maxPackBytes: 8 * MiB, maxRefsBytes: MiB, maxObjectBytes: 8 * MiB, maxInflatedBytes: 16 * MiB };
  const git = createGitClient({ fs, http, timeoutMs: 60_000, fetches, limits: () => limits });
  const dir = join(tempDir('ria-fetch-ref-delta-'), 'thin');
  const packs = () => readdirSync(join(dir, 'objects', 'pack')).filter((n) => n.endsWith('.pack'));
  assert.equal(await git.fetchCommit({ url: `${origin}/thin.git`, ref: 'main', dir }), sha);
  assert.equal(packs().length, 1, 'the blob is cached');
  // Test
  await assert.rejects(git.fetchCommit({ url: `${origin}/thin.git`, ref: 'main', dir }), (err: GitError) => {
    assert.equal(err.retryable, false);
    assert.equal(err.data.causeCode, 'PackFormatError');
    assert.match(err.message, new RegExp(`^the pack from http://127\\.0\\.0\\.1:\\d+/thin\\.git could not be read \\(object at 12: a delta against ${gitId('blob', blob)}, which is no whole object \\(no delta\\) earlier in the pack \\(a thin pack, which Ria does not ask for`));
    return true;
  });
  await until('the fetch slot to be freed', () => fetches.active === 0);
  assert.equal(packs().length, 1, 'nothing indexed');
});
