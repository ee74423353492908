/**
 * The webhook route against a hostile client: lying Content-Length, headers that never end,
 * trickled and oversized chunked bodies, more bodies than reading slots, bad and replayed
 * signatures, secrets of the wrong repository. Raw sockets where fetch would be too polite.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhooks } from '@octokit/webhooks';
import { startHttpServer, type ServerLimits } from '../../../engine/server/http-server.js';
import { silentLogger } from '../../../engine/observe/logger.js';
import { webhookRoute, type WebhookRouteOptions } from '../../../engine/github/webhook-route.js';
import { registerEventHandlers } from '../../../engine/github/webhook-events.js';
import { PullRequestStore } from '../../../engine/github/pull-store.js';
import type { WebhookSecrets } from '../../../engine/github/webhook-secrets.js';
import { examplePayload, pushPayload, sign, type RepoFixture } from '../../github/payloads.js';
import { rawConnect, requestHead } from '../../support/raw-http.js';
import { eventually } from '../../support/kube.js';

const SECRET = 'shared-secret';
const shop: RepoFixture = { owner: 'acme', name: 'shop', cloneUrl: 'https://github.com/acme/shop.git', id: 7 };
const other: RepoFixture = { owner: 'acme', name: 'other', cloneUrl: 'https://github.com/acme/other.git', id: 8 };
const CAP = 64 * 1024;

async function start(options: { limits?: Partial<ServerLimits>; route?: Partial<WebhookRouteOptions> } = {}) {
  const pokes: string[] = [];
  const results: string[] = [];
  const webhooks = new Webhooks({ secret: 'unused' });
  registerEventHandlers(webhooks, { engine: { poke: (url) => { pokes.push(url); } }, store: new PullRequestStore(), log: silentLogger });
  const server = await startHttpServer({
    host: '127.0.0.1', port: 0, logger: silentLogger, name: 'webhook',
    limits: { headersTimeoutMs: 300, requestTimeoutMs: 600, checkIntervalMs: 50, ...options.limits },
    routes: [webhookRoute({ webhooks, secrets: SECRET, log: silentLogger, maxBytes: CAP, maxInFlight: 2,
      metrics: { recordWebhookDelivery: (_e, r) => results.push(r) }, ...options.route })],
  });
  const post = async (body: string, o: { secret?: string; signature?: string; id?: string; event?: string } = {}) => {
    const res = await fetch(`${server.url}/hooks/github`, { method: 'POST', body, headers: {
      'content-type': 'application/json', 'x-github-event': o.event ?? 'push', 'x-github-delivery': o.id ?? `d-${Math.random()}`,
      'x-hub-signature-256': o.signature ?? sign(o.secret ?? SECRET, body) } });
    return { status: res.status, text: await res.text() };
  };
  return { server, pokes, results, post, close: () => server.close() };
}

const head = (headers: Record<string, string | number> = {}) => requestHead('POST', '/hooks/github', {
  host: 'x', 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': `raw-${Math.random()}`,
  'x-hub-signature-256': `sha256=${'0'.repeat(64)}`, ...headers });

test('a Content-Length over the cap gets 413 before a byte of the body is sent, and the connection is closed', async (t) => {
  const s = await start();
  t.after(() => s.close());
  const c = await rawConnect(s.server.url);
  c.write(head({ 'content-length': 30 * 1024 * 1024 }));
  const answer = await c.closed;
  assert.equal(answer.status, 413);
  assert.deepEqual(s.results, ['too_large']);
});

test('a signature that is missing or not sha256=<64 hex> gets 401 from the headers alone; so do missing event headers (400)', async (t) => {
  const s = await start();
  t.after(() => s.close());
  for (const [signature, status] of [[undefined, 401], ['sha1=' + 'a'.repeat(40), 401], ['sha256=zz', 401], [`sha256=${'a'.repeat(63)}`, 401]] as const) {
    const c = await rawConnect(s.server.url);
    const h: Record<string, string | number> = { 'content-length': 1000 };
    c.write(signature === undefined
      ? requestHead('POST', '/hooks/github', { host: 'x', 'x-github-event': 'push', 'x-github-delivery': 'a', 'content-length': 1000 })
      : head({ ...h, 'x-hub-signature-256': signature }));
    assert.equal((await c.closed).status, status, `signature ${signature}`);
  }
  const c = await rawConnect(s.server.url);
  c.write(requestHead('POST', '/hooks/github', { host: 'x', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}`, 'content-length': 1000 }));
  assert.equal((await c.closed).status, 400);
  assert.deepEqual(s.pokes, []);
});

test('a Content-Length larger than what is sent: the request is cut at requestTimeout (408), not held for minutes', async (t) => {
  const s = await start();
  t.after(() => s.close());
  const c = await rawConnect(s.server.url);
  c.write(head({ 'content-length': 60_000 }));
  c.write('{"ref":');
  const answer = await c.closed;
  assert.equal(answer.status, 408);
});

test('a Content-Length smaller than what is sent: only the declared bytes are the body (never what was signed), the rest is a bad request', async (t) => {
  const s = await start();
  t.after(() => s.close());
  const body = JSON.stringify(pushPayload(shop, { ref: 'refs/heads/main', after: 'a'.repeat(40) }));
  const c = await rawConnect(s.server.url);
  c.write(head({ 'content-length': 10, 'x-hub-signature-256': sign(SECRET, body) }) + body);
  const answer = await c.closed;
  // Node answers 400 to the bytes after the declared body (an invalid second request) and closes,
  // possibly before the route's 401 for the 10-byte body: either way nothing is accepted.
  assert.ok(answer.status === 400 || answer.status === 401, `status ${answer.status}`);
  assert.ok(!s.results.includes('accepted'));
  assert.deepEqual(s.pokes, []);
});

test('a trickled body (one byte at a time) is cut at requestTimeout', async (t) => {
  const s = await start();
  t.after(() => s.close());
  const c = await rawConnect(s.server.url);
  c.write(head({ 'content-length': 5_000 }));
  const trickle = setInterval(() => c.write('x'), 20);
  t.after(() => clearInterval(trickle));
  const answer = await c.closed;
  clearInterval(trickle);
  assert.equal(answer.status, 408);
  assert.ok(c.written() < 5_000);
});

const trickler = async (url: string, t: { after(fn: () => void): void }) => {
  const c = await rawConnect(url);
  c.write(head({ 'content-length': 5_000 }));
  const timer = setInterval(() => c.write('x'), 20);
  t.after(() => clearInterval(timer));
  void c.closed.then(() => clearInterval(timer));
  return c;
};

test('trickled bodies are cut by the body pace (408, too_slow) long before requestTimeout (review)', async (t) => {
  // Node's own requestTimeout is far away: only the route's pace cuts them.
  const s = await start({ limits: { requestTimeoutMs: 60_000, headersTimeoutMs: 30_000 }, route: { pace: { deadlineMs: 3_000, graceMs: 300, minBytesPerSecond: 1024, evictAfterMs: 60_000 } } });
  t.after(() => s.close());
  const started = Date.now();
  const answers = await Promise.all([trickler(s.server.url, t), trickler(s.server.url, t)].map(async (c) => (await c).closed));
  assert.deepEqual(answers.map((a) => a.status), [408, 408]);
  assert.ok(Date.now() - started < 2_500, `cut after ${Date.now() - started} ms, not at requestTimeout`);
  assert.deepEqual(s.results, ['too_slow', 'too_slow']);
});

test('reading slots held by trickled bodies go to a delivery at once: the slowest reader is cut, the delivery answered (review)', async (t) => {
  // Neither the pace's grace nor requestTimeout comes in this test's time: only eviction frees a slot.
  const s = await start({ limits: { requestTimeoutMs: 60_000, headersTimeoutMs: 30_000 }, route: { pace: { deadlineMs: 60_000, graceMs: 60_000, minBytesPerSecond: 1024, evictAfterMs: 200 } } });
  t.after(() => s.close());
  const held = [await trickler(s.server.url, t), await trickler(s.server.url, t)];
  await new Promise((r) => setTimeout(r, 300)); // both readers older than evictAfterMs
  const body = JSON.stringify(pushPayload(shop, { ref: 'refs/heads/main', after: '9'.repeat(40) }));
  const started = Date.now();
  assert.equal((await s.post(body)).status, 202);
  assert.ok(Date.now() - started < 1_000);
  const first = await Promise.race(held.map((c) => c.closed));
  assert.equal(first.status, 408);
  assert.deepEqual(s.results, ['too_slow', 'accepted']);
  held.forEach((c) => c.destroy());
});

test('a body fast at first and then stalled is cut at the pace deadline', async (t) => {
  const s = await start({ limits: { requestTimeoutMs: 60_000 }, route: { pace: { deadlineMs: 800, graceMs: 10_000, minBytesPerSecond: 1, evictAfterMs: 60_000 } } });
  t.after(() => s.close());
  const c = await rawConnect(s.server.url);
  c.write(head({ 'content-length': 5_000 }) + 'x'.repeat(4_000));
  const answer = await c.closed;
  assert.equal(answer.status, 408);
  assert.deepEqual(s.results, ['too_slow']);
});

test('headers that never end are cut at headersTimeout', async (t) => {
  const s = await start();
  t.after(() => s.close());
  const c = await rawConnect(s.server.url);
  c.write('POST /hooks/github HTTP/1.1\r\nhost: x\r\nx-slow: 1\r\n');
  const answer = await c.closed;
  assert.ok(answer.closed);
  assert.ok(answer.status === undefined || answer.status === 408, `status ${answer.status}`);
});

test('a chunked body that passes the cap gets 413 and the connection is cut: nothing more is read', async (t) => {
  const s = await start({ limits: { requestTimeoutMs: 10_000 } });
  t.after(() => s.close());
  const c = await rawConnect(s.server.url);
  c.write(head({ 'transfer-encoding': 'chunked' }));
  const chunk = Buffer.alloc(16 * 1024, 0x20);
  let closed = false;
  void c.closed.then(() => { closed = true; });
  // Write until the server closes; 64 MiB without a close would mean it keeps reading.
  for (let sent = 0; !closed && sent < 64 * 1024 * 1024; sent += chunk.length) {
    const ok = c.write(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]));
    if (!ok) await Promise.race([new Promise((r) => c.socket.once('drain', r)), c.closed]);
  }
  const answer = await c.closed;
  assert.equal(answer.status, 413);
  assert.deepEqual(s.results, ['too_large']);
});

test('more bodies than reading slots (readers not yet evictable): 503 with Retry-After before reading; a slot frees when a reader goes', async (t) => {
  const s = await start({ limits: { requestTimeoutMs: 60_000, headersTimeoutMs: 30_000 }, route: { pace: { deadlineMs: 60_000, graceMs: 60_000, minBytesPerSecond: 1024, evictAfterMs: 60_000 } } });
  t.after(() => s.close());
  // Two senders that stall mid-body hold both slots.
  const stalled = await Promise.all([rawConnect(s.server.url), rawConnect(s.server.url)]);
  for (const c of stalled) c.write(head({ 'content-length': 1_000 }) + '{"a":');
  const third = await eventually('a 503 once both slots are held', async () => {
    const c = await rawConnect(s.server.url);
    c.write(head({ 'content-length': 1_000 })); // no body: the answer cannot wait for it
    const a = await Promise.race([c.response, c.closed]);
    c.destroy();
    return a.status === 503 ? a : undefined;
  }, 10_000, 20);
  assert.equal(third.headers['retry-after'], '1');
  for (const c of stalled) c.destroy();
  const body = JSON.stringify(pushPayload(shop, { ref: 'refs/heads/main', after: 'b'.repeat(40) }));
  await eventually('a slot is free again', async () => (await s.post(body)).status === 202, 10_000, 20);
  assert.deepEqual(s.pokes, [shop.cloneUrl]);
});

test('a signed body replayed under a new delivery id is a duplicate: acted on once', async (t) => {
  const s = await start();
  t.after(() => s.close());
  const body = JSON.stringify(pushPayload(shop, { ref: 'refs/heads/main', after: 'c'.repeat(40) }));
  assert.equal((await s.post(body, { id: 'first' })).status, 202);
  const replay = await s.post(body, { id: 'second' });
  assert.equal(replay.status, 200);
  assert.match(replay.text, /already received/);
  assert.equal((await s.post(body, { id: 'first' })).status, 200);
  await eventually('the first delivery acted', async () => s.pokes.length === 1);
  assert.equal((await s.post(JSON.stringify(pushPayload(shop, { ref: 'refs/heads/main', after: 'd'.repeat(40) })), { id: 'third' })).status, 202);
  await eventually('a different body acts', async () => s.pokes.length === 2);
});

test('per-repository secrets: a repository with its own secret accepts only that one; the shared secret signs for the rest', async (t) => {
  const secrets: WebhookSecrets = { shared: SECRET, repos: new Map([['https://github.com/acme/shop', ['shop-secret']]]) };
  const s = await start({ route: { secrets: async () => secrets } });
  t.after(() => s.close());
  const shopPush = JSON.stringify(pushPayload(shop, { ref: 'refs/heads/main', after: 'e'.repeat(40) }));
  const otherPush = JSON.stringify(pushPayload(other, { ref: 'refs/heads/main', after: 'e'.repeat(40) }));
  const shared = await s.post(shopPush, { secret: SECRET });
  assert.equal(shared.status, 401, 'shop has its own secret: the shared one does not sign for it');
  assert.match(shared.text, /not one allowed for the repository/);
  const borrowed = await s.post(otherPush, { secret: 'shop-secret' });
  assert.equal(borrowed.status, 401, 'shop\'s secret does not sign for another repository');
  assert.match(borrowed.text, /not one allowed for the repository/);
  const noRepo = JSON.stringify(examplePayload('installation', 'created'));
  assert.equal((await s.post(noRepo, { secret: 'shop-secret', event: 'installation' })).status, 401, 'no repository: shared secret only');
  assert.equal((await s.post(shopPush, { secret: 'shop-secret' })).status, 202);
  assert.equal((await s.post(otherPush, { secret: SECRET })).status, 202);
  await eventually('both accepted deliveries acted', async () => s.pokes.length === 2);
  assert.deepEqual(s.pokes.sort(), [other.cloneUrl, shop.cloneUrl]);
});

test('no secret at all: every delivery is refused', async (t) => {
  const s = await start({ route: { secrets: async () => ({ repos: new Map() }) } });
  t.after(() => s.close());
  assert.equal((await s.post(JSON.stringify(pushPayload(shop, { ref: 'refs/heads/main', after: 'f'.repeat(40) })))).status, 401);
});

test('maxConnections: connections past the limit are closed at once', async (t) => {
  const s = await start({ limits: { maxConnections: 2, headersTimeoutMs: 30_000, requestTimeoutMs: 60_000 } });
  t.after(() => s.close());
  const held = [await rawConnect(s.server.url), await rawConnect(s.server.url)];
  t.after(() => held.forEach((c) => c.destroy()));
  // The two held connections are accepted before the third (one event loop, in order).
  const extra = await rawConnect(s.server.url);
  extra.write(head({ 'content-length': 0 }));
  const answer = await extra.closed;
  assert.equal(answer.status, undefined, 'closed without an answer');
  held[0]!.write(requestHead('GET', '/nope', { host: 'x' }));
  assert.equal((await held[0]!.response).status, 404, 'the held connections still work');
});
