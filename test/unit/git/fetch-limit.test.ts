/**
 * The git client's fetches go through one Limiter, whoever starts them (reconciles, webhook
 * pokes): a real node:http server on loopback that holds every request until the test lets go,
 * and isomorphic-git's own node http client.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import fs from 'node:fs';
import { createGzip } from 'node:zlib';
import http from 'isomorphic-git/http/node';
import { createGitClient, GitError } from '../../../engine/git/index.js';
import { Limiter } from '../../../engine/git/limiter.js';
import { tempDir } from '../../support/temp-dir.js';
import { until } from '../../support/until.js';
import { loopbackServer } from '../../support/loopback-server.js';

/** A git server on loopback that holds every request until the test answers it. */
const holdingServer = loopbackServer;

test('fetchCommit: with a limit of 2, five fetches of five repositories reach the server two at a time; each slot freed by a failure goes to the next', async (t) => {
  // Setup
  const held: ServerResponse[] = [];
  let asked = 0;
  const origin = await holdingServer(t, (_req, res) => { asked++; held.push(res); });
  const fetches = new Limiter(2);
  const git = createGitClient({ fs, http, timeoutMs: 10_000, fetches });
  const root = tempDir('ria-fetch-limit-');

  // Test
  const all = Array.from({ length: 5 }, (_, i) => git.fetchCommit({ url: `${origin}/r${i}.git`, ref: 'main', dir: join(root, `r${i}`) })
    .then(() => 'fetched', (err: unknown) => (err instanceof GitError ? 'failed' : String(err))));
  await until('two fetches at the server', () => asked === 2);
  // The others reach the limiter once their cache directories are prepared (file system calls).
  await until('three fetches waiting', () => fetches.queued === 3);
  assert.equal(asked, 2);
  for (let answered = 0; answered < 5; answered++) {
    await until(`request ${answered + 1}`, () => held.length > 0);
    // Never more than two at the server at once.
    assert.ok(asked - answered <= 2, `${asked - answered} fetches at the server at once`);
    held.shift()!.writeHead(503).end('down');
  }
  assert.deepEqual(await Promise.all(all), ['failed', 'failed', 'failed', 'failed', 'failed']);
  assert.equal(asked, 5);
  assert.equal(fetches.active, 0);
});

test('fetchCommit: an urgent fetch (a webhook\'s pushed ref) reaches the server before polling\'s fetches that waited longer', async (t) => {
  // Setup
  const held: { url: string; res: ServerResponse }[] = [];
  const origin = await holdingServer(t, (req, res) => { held.push({ url: req.url ?? '', res }); });
  const fetches = new Limiter(1);
  const git = createGitClient({ fs, http, timeoutMs: 10_000, fetches });
  const root = tempDir('ria-fetch-urgent-');
  const fetch = (name: string, urgent?: boolean) => git.fetchCommit({ url: `${origin}/${name}.git`, ref: 'main', dir: join(root, name), ...(urgent ? { urgent } : {}) })
    .catch(() => undefined);

  // Test
  const all = [fetch('polled-1')];
  await until('the first fetch at the server', () => held.length === 1);
  all.push(fetch('polled-2'), fetch('polled-3'));
  await until('two fetches waiting', () => fetches.queued === 2);
  all.push(fetch('pushed', true));
  await until('three fetches waiting', () => fetches.queued === 3);
  const order: string[] = [];
  while (order.length < 4) {
    await until(`request ${order.length + 1}`, () => held.length > 0);
    const next = held.shift()!;
    order.push(/\/([^/]+)\.git\//.exec(next.url)?.[1] ?? next.url);
    next.res.writeHead(503).end('down');
  }
  await Promise.all(all);
  // The polled fetches reach the limiter in whatever order their caches were prepared.
  assert.deepEqual([order[1], order.slice(2).sort()], ['pushed', ['polled-2', 'polled-3']], order.join(', '));
});

test('fetchCommit: a fetch past its deadline is answered at once, but holds its slot until its abandoned work ends', async () => {
  // Setup: an http client that ignores the abort (as isomorphic-git's indexing of a received pack does).
  let finish!: () => void;
  const finished = new Promise<void>((r) => { finish = r; });
  const slow = { request: async () => { await finished; throw new Error('the server answered too late'); } };
  const fetches = new Limiter(1);
  const git = createGitClient({ fs, http: slow, timeoutMs: 50, fetches });
  const root = tempDir('ria-fetch-deadline-');
  // Test
  await assert.rejects(git.fetchCommit({ url: 'http://127.0.0.1:9/slow.git', ref: 'main', dir: join(root, 'slow') }), GitError);
  assert.equal(fetches.active, 1, 'the abandoned fetch still holds its slot');
  let nextStarted = false;
  const next = fetches.run(async () => { nextStarted = true; });
  await new Promise((r) => setImmediate(r));
  assert.equal(nextStarted, false);
  finish();
  await next;
  assert.equal(nextStarted, true);
  assert.equal(fetches.active, 0);
});

test('fetchCommit: a fetch past its deadline whose server trickles a gzip answer ends soon after its deadline (its slot is freed), not never', async (t) => {
  // Setup: a git server that advertises a ref, then answers the fetch compressed, a progress line at a time, for ever.
  // isomorphic-git's node client never ends an aborted compressed body: without the deadline ending
  // the reads, the abandoned fetch kept its slot (and its cache directory) for good.
  const pkt = (line: string) => { const b = Buffer.from(line); return Buffer.concat([Buffer.from((b.length + 4).toString(16).padStart(4, '0')), b]); };
  const sha = 'a'.repeat(40);
  const origin = await holdingServer(t, (req, res) => {
    if (req.url?.includes('/info/refs')) {
      res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement' });
      res.end(Buffer.concat([pkt('# service=git-upload-pack\n'), Buffer.from('0000'),
        pkt(`${sha} HEAD\0side-band-64k shallow ofs-delta symref=HEAD:refs/heads/main\n`), pkt(`${sha} refs/heads/main\n`), Buffer.from('0000')]));
      return;
    }
    req.resume();
    res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-result', 'content-encoding': 'gzip' });
    const gzip = createGzip();
    gzip.pipe(res);
    gzip.write(pkt('NAK\n'));
    const progress = setInterval(() => { gzip.write(pkt('\x02counting objects\n')); gzip.flush(); }, 5);
    res.on('close', () => clearInterval(progress));
  });
  const fetches = new Limiter(1);
  const git = createGitClient({ fs, http, timeoutMs: 200, fetches });
  const root = tempDir('ria-fetch-trickle-');
  // Test
  await assert.rejects(git.fetchCommit({ url: `${origin}/trickle.git`, ref: 'main', dir: join(root, 'trickle') }),
    (err: GitError) => /timed out/.test(err.message));
  await until('the abandoned fetch to end and free its slot', () => fetches.active === 0);
});

test('listRemoteRefs: listings take the fetches\' slots (each may hold git.maxRefsSize): with a limit of 2, five listings and a fetch reach the server two at a time', async (t) => {
  // Setup
  const held: ServerResponse[] = [];
  let asked = 0;
  const origin = await holdingServer(t, (_req, res) => { asked++; held.push(res); });
  const fetches = new Limiter(2);
  const git = createGitClient({ fs, http, timeoutMs: 10_000, fetches });
  const outcome = (p: Promise<unknown>) => p.then(() => 'done', (err: unknown) => (err instanceof GitError ? 'failed' : String(err)));

  // Test
  const all = Array.from({ length: 5 }, (_, i) => outcome(git.listRemoteRefs(`${origin}/r${i}.git`)));
  all.push(outcome(git.fetchCommit({ url: `${origin}/f.git`, ref: 'main', dir: join(tempDir('ria-list-limit-'), 'f') })));
  await until('two listings at the server', () => asked === 2);
  await until('four calls waiting', () => fetches.queued === 4);
  assert.equal(asked, 2);
  for (let answered = 0; answered < 6; answered++) {
    await until(`request ${answered + 1}`, () => held.length > 0);
    assert.ok(asked - answered <= 2, `${asked - answered} calls at the server at once`);
    held.shift()!.writeHead(503).end('down');
  }
  assert.deepEqual(await Promise.all(all), Array(6).fill('failed'));
  assert.equal(fetches.active, 0);
});

test('listRemoteRefs: a listing past its deadline holds its slot until its request has ended', async () => {
  // Setup: an http client whose answer never comes and that ends only when aborted.
  let aborted = false;
  const never: import('isomorphic-git').HttpClient = {
    request: ({ signal }: { signal?: AbortSignal }) => new Promise((_, reject) => {
      signal?.addEventListener('abort', () => { setTimeout(() => { aborted = true; reject(new Error('aborted')); }, 20); });
    }),
  } as unknown as import('isomorphic-git').HttpClient;
  const fetches = new Limiter(1);
  const git = createGitClient({ fs, http: never, timeoutMs: 50, fetches });

  // Test
  await assert.rejects(git.listRemoteRefs('http://127.0.0.1:1/r.git'), GitError);
  assert.deepEqual({ aborted, active: fetches.active }, { aborted: false, active: 1 }, 'answered at its deadline, the slot still held');
  await until('the abandoned request to end', () => aborted);
  await until('the slot to be freed', () => fetches.active === 0);
});
