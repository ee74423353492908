/**
 * git over HTTP follows redirects only within the same origin. Real node:http servers on
 * loopback (127.0.0.1 and 127.0.0.2, two ports) and isomorphic-git's own node http client.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import http from 'isomorphic-git/http/node';
import { createGitClient, GitError, GitErrorCode } from '../../../engine/git/index.js';
import { sameOriginRedirects } from '../../../engine/git/redirects.js';

const SHA = 'a'.repeat(40);

/** A protocol v1 ref advertisement with main and HEAD -> main. */
function advertisement(): Buffer {
  const pkt = (s: string) => `${(Buffer.byteLength(s) + 4).toString(16).padStart(4, '0')}${s}`;
  return Buffer.from(`${pkt('# service=git-upload-pack\n')}0000${pkt(`${SHA} HEAD\0multi_ack side-band-64k symref=HEAD:refs/heads/main\n`)}${pkt(`${SHA} refs/heads/main\n`)}0000`);
}

async function serve(host: string, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; origin: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => { hits.push(`${req.method} ${req.url} auth=${req.headers.authorization ?? ''}`); handler(req, res); });
  await new Promise<void>((r) => server.listen(0, host, r));
  return { server, origin: `http://${host}:${(server.address() as AddressInfo).port}`, hits };
}

const git = createGitClient({ fs, http, timeoutMs: 5_000 });

test('a redirect to another host (127.0.0.2) or another port is refused with a typed error naming the URL, redacted; the target is never asked', async (t) => {
  // Setup
  const elsewhere = await serve('127.0.0.2', (_req, res) => { res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement' }).end(advertisement()); });
  const otherPort = await serve('127.0.0.1', (_req, res) => { res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement' }).end(advertisement()); });
  let target = '';
  const repo = await serve('127.0.0.1', (req, res) => { res.writeHead(302, { location: `${target}${req.url}` }).end('moved'); });
  t.after(() => { for (const s of [elsewhere, otherPort, repo]) s.server.close(); });

  for (const [where, to] of [['another host', elsewhere], ['another port', otherPort]] as const) {
    target = to.origin.replace('http://', 'http://user:hunter2@');
    // Test
    const err = await git.listRemoteRefs(`${repo.origin}/acme/shop.git`, { auth: { username: 'bot', password: 'tok3n-secret' } })
      .then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof GitError, `${where}: ${String(err)}`);
    assert.equal((err as GitError).code, GitErrorCode.RedirectRefused);
    assert.equal((err as GitError).retryable, false);
    const message = (err as Error).message;
    assert.ok(message.includes(`${repo.origin}/acme/shop.git`), message);
    assert.ok(message.includes(`${to.origin.replace('http://', 'http://***@')}/acme/shop.git/info/refs`), message);
    assert.ok(!message.includes('hunter2') && !message.includes('tok3n-secret'), 'no credentials in the message');
    assert.deepEqual(to.hits, [], `${where} was never requested`);
  }
});

test('a redirect within the same origin is followed, credentials kept; a redirect loop stops', async (t) => {
  // Setup
  const repo = await serve('127.0.0.1', (req, res) => {
    if (req.url?.startsWith('/old/')) res.writeHead(301, { location: req.url.replace('/old/', '/new/') }).end();
    else if (req.url?.startsWith('/loop/')) res.writeHead(302, { location: req.url }).end();
    else res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement' }).end(advertisement());
  });
  t.after(() => repo.server.close());

  // Test
  const refs = await git.listRemoteRefs(`${repo.origin}/old/shop.git`, { auth: { username: 'bot', password: 'tok' } });
  assert.equal(refs.refs.get('refs/heads/main'), SHA);
  assert.equal(refs.headTarget, 'refs/heads/main');
  const basic = `Basic ${Buffer.from('bot:tok').toString('base64')}`;
  assert.ok(repo.hits.some((h) => h.startsWith('GET /new/shop.git/info/refs') && h.endsWith(`auth=${basic}`)), repo.hits.join('\n'));
  await assert.rejects(git.listRemoteRefs(`${repo.origin}/loop/shop.git`), (err: GitError) => err.code === GitErrorCode.RedirectRefused && /more than 5 redirects/.test(err.message));
});

test('a scheme change (http → https on the same host) is another origin', async () => {
  const calls: string[] = [];
  const fake = sameOriginRedirects({ request: async (req) => { calls.push(req.url); return { url: req.url, method: 'GET', statusCode: 301, statusMessage: 'Moved', headers: { location: req.url.replace('http:', 'https:') }, body: undefined as never }; } });
  await assert.rejects(fake.request({ url: 'http://git.example/acme/shop.git/info/refs?service=git-upload-pack' }), (err: GitError) => err.code === GitErrorCode.RedirectRefused);
  assert.equal(calls.length, 1);
});

test('a 307 after a POST resends the same body; a 303 turns it into a GET without one', async () => {
  const seen: Array<{ method: string; url: string; body: string }> = [];
  const fake = sameOriginRedirects({ request: async (req) => {
    const chunks: Uint8Array[] = [];
    for await (const c of (req.body ?? []) as AsyncIterable<Uint8Array>) chunks.push(c);
    seen.push({ method: req.method ?? 'GET', url: req.url, body: Buffer.concat(chunks).toString() });
    const path = new URL(req.url).pathname;
    const location = path === '/a' ? '/b' : path === '/b' ? '/c' : undefined;
    const status = path === '/a' ? 307 : path === '/b' ? 303 : 200;
    return { url: req.url, method: req.method ?? 'GET', statusCode: status, statusMessage: '', headers: (location ? { location } : {}) as Record<string, string>, body: undefined as never };
  } });
  const res = await fake.request({ url: 'http://h/a', method: 'POST', body: (async function* () { yield Buffer.from('0032want x'); })() });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(seen, [
    { method: 'POST', url: 'http://h/a', body: '0032want x' },
    { method: 'POST', url: 'http://h/b', body: '0032want x' },
    { method: 'GET', url: 'http://h/c', body: '' },
  ]);
});
