import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createPki } from '../../../engine/dev/cluster/pki.js';
import { fromAccessConfig } from '../../../engine/kube/kube-access.js';
import { KubeRest, type KubeRestOptions } from '../../../engine/kube/rest.js';
import { KubeApiError } from '../../../engine/kube/errors.js';
import { nextRetry, retryAfterMs, type RetryNote } from '../../../engine/kube/retry.js';
import { listEnvironments } from '../../../engine/cli/ps-command.js';
import { KubeObjects } from '../../../engine/kube/objects.js';
import type { ResourcePaths } from '../../../engine/kube/resources.js';
import { leaseApi } from '../../../engine/leader/lease-api.js';
import { tempDir } from '../../support/temp-dir.js';

type Answer = { status: number; headers?: Record<string, string>; body?: string };
type Seen = { method: string; path: string; body: string };

/** The API server's answer in the CI failure of session 8 (a CRD's storage re-initialising), headers as sent. */
const STORAGE_INITIALIZING: Answer = {
  status: 429,
  headers: { 'content-type': 'application/json', 'retry-after': '1', connection: 'close' },
  body: '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"storage is (re)initializing","reason":"TooManyRequests","details":{"retryAfterSeconds":1},"code":429}\n',
};
const ok = (body: unknown): Answer => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const status = (code: number, reason: string, message: string, retryAfter?: string): Answer => ({
  status: code, headers: { 'content-type': 'application/json', ...(retryAfter !== undefined ? { 'retry-after': retryAfter } : {}) },
  body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code }),
});

/**
 * A fake API server answering from a script (the last answer repeats), recording every request;
 * a KubeRest to it whose sleep records the waits instead of waiting.
 */
async function scripted(t: { after: (fn: () => void) => void }, script: Answer[], options: { tls?: boolean; rest?: KubeRestOptions } = {}) {
  const seen: Seen[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      const answer = script[Math.min(seen.length - 1, script.length - 1)]!;
      res.writeHead(answer.status, answer.headers ?? {}).end(answer.body ?? '');
    });
  };
  const pki = options.tls ? await createPki(tempDir('ria-retry-')) : undefined;
  const server = pki
    ? createHttpsServer({ key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverCert) }, handler)
    : createHttpServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => { server.closeAllConnections(); server.close(); });
  const waits: number[] = [];
  const notes: RetryNote[] = [];
  const rest = new KubeRest(fromAccessConfig({
    server: `${pki ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`, ...(pki ? { ca: readFileSync(pki.caCert) } : {}),
  }), { sleep: async (ms) => { waits.push(ms); }, onRetry: (n) => notes.push(n), ...options.rest });
  t.after(() => rest.close());
  return { seen, waits, notes, rest };
}

const get = (rest: KubeRest) => rest.call<{ items: unknown[] }>({ verb: 'list', method: 'GET', path: '/api/v1/namespaces/a/configmaps' });

test('a 429 "storage is (re)initializing" with Retry-After: 1 (over TLS, the connection closed) is waited out and sent again: `ria dev`\'s first list of Environments succeeds', async (t) => {
  // Setup
  const env = { apiVersion: 'ria.dev/v1alpha1', kind: 'Environment', metadata: { name: 'hello-main', namespace: 'ria-dev' } };
  const api = await scripted(t, [STORAGE_INITIALIZING, ok({ items: [env], metadata: { resourceVersion: '7' } })], { tls: true });
  // Test
  const list = await listEnvironments(api.rest, 'ria-dev');
  assert.deepEqual(list.items.map((e) => e.metadata.name), ['hello-main']);
  assert.equal(list.metadata?.resourceVersion, '7');
  assert.deepEqual(api.seen.map((s) => `${s.method} ${s.path}`), Array(2).fill('GET /apis/ria.dev/v1alpha1/namespaces/ria-dev/environments'));
  assert.deepEqual(api.waits, [1000], 'waited the Retry-After once');
  assert.deepEqual(api.notes, [{ reason: 'too_many_requests', verb: 'list', status: 429, waitMs: 1000, attempt: 1 }]);
  assert.deepEqual(api.rest.stats.retries, { too_many_requests: 1 });
  assert.equal(api.rest.stats.reads, 2, 'each time it was sent is a read');
});

test('a 429 that lasts ends in a KubeApiError after 10 retries, with the server\'s message and how long it was retried', async (t) => {
  // Setup
  const api = await scripted(t, [STORAGE_INITIALIZING]);
  // Test
  const err = await listEnvironments(api.rest, 'ria-dev').then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof KubeApiError, String(err));
  assert.equal(err.status, 429);
  assert.equal(err.reason, 'TooManyRequests');
  assert.equal(err.message, 'list Environment/ria-dev/: storage is (re)initializing (sent 11 times over 10.0 s: the API server\'s Retry-After each time)');
  assert.equal(api.seen.length, 11);
  assert.deepEqual(api.waits, Array(10).fill(1000));
});

test('Retry-After is capped at 10 s a wait and 30 s in all; a 429 without Retry-After (or with an HTTP date) is final, as in client-go', async (t) => {
  // Setup
  const long = await scripted(t, [status(429, 'TooManyRequests', 'too many requests', '120')]);
  const bare = await scripted(t, [status(429, 'TooManyRequests', 'Cannot evict pod as it would violate the pod\'s disruption budget.')]);
  const dated = await scripted(t, [status(429, 'TooManyRequests', 'slow down', 'Wed, 21 Oct 2026 07:28:00 GMT')]);
  // Test
  await assert.rejects(get(long.rest), /too many requests \(sent 4 times over 30\.0 s/);
  assert.deepEqual(long.waits, [10_000, 10_000, 10_000]);
  await assert.rejects(get(bare.rest), (e: unknown) => e instanceof KubeApiError && e.status === 429 && !e.message.includes('sent'));
  assert.equal(bare.seen.length, 1);
  await assert.rejects(get(dated.rest), (e: unknown) => e instanceof KubeApiError && e.status === 429);
  assert.equal(dated.seen.length, 1);
});

test('a 429 is sent again whatever the method (the server did nothing); a 5xx with Retry-After only when repeating is safe: a GET or a server-side apply, not a POST', async (t) => {
  // Setup
  const busy = status(429, 'TooManyRequests', 'the server has received too many requests and has asked us to try again later', '2');
  const timeout = status(500, 'ServerTimeout', 'The create operation against configmaps could not be completed at this time, please try again.', '1');
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'a' } };
  const create = (rest: KubeRest) => rest.call({ verb: 'create', method: 'POST', path: '/api/v1/namespaces/a/configmaps', body: cm });
  const apply = (rest: KubeRest) => rest.call({ verb: 'apply', method: 'PATCH', path: '/api/v1/namespaces/a/configmaps/c', body: cm, contentType: 'application/apply-patch+yaml', query: { fieldManager: 'ria' } });
  const posted429 = await scripted(t, [busy, ok(cm)]);
  const posted503 = await scripted(t, [status(503, 'ServiceUnavailable', 'etcdserver: leader changed', '1'), ok(cm)]);
  const posted500 = await scripted(t, [timeout, ok(cm)]);
  const applied = await scripted(t, [timeout, ok(cm)]);
  const read = await scripted(t, [status(503, 'ServiceUnavailable', 'etcdserver: leader changed', '1'), ok({ items: [] })]);
  const webhook = await scripted(t, [status(500, 'InternalError', 'Internal error occurred: failed calling webhook "x.example"'), ok({ items: [] })]);
  // Test
  assert.deepEqual(await create(posted429.rest), cm);
  assert.deepEqual(posted429.seen.map((s) => s.method), ['POST', 'POST']);
  assert.deepEqual(posted429.waits, [2000]);
  assert.equal(posted429.rest.stats.writes, 2);

  await assert.rejects(create(posted503.rest), (e: unknown) => e instanceof KubeApiError && e.status === 503 && e.message === 'create: etcdserver: leader changed');
  assert.equal(posted503.seen.length, 1, 'a POST that got a 503 is not sent again: it may have been done');
  await assert.rejects(create(posted500.rest), (e: unknown) => e instanceof KubeApiError && e.status === 500);
  assert.equal(posted500.seen.length, 1);
  assert.deepEqual([posted503.waits, posted500.waits], [[], []]);

  assert.deepEqual(await apply(applied.rest), cm);
  assert.deepEqual(applied.seen.map((s) => s.method), ['PATCH', 'PATCH']);
  assert.equal(applied.seen[1]!.body, JSON.stringify(cm), 'the same body again');
  assert.deepEqual(applied.notes.map((n) => `${n.reason} ${n.verb} ${n.status}`), ['server_error apply 500']);

  assert.deepEqual(await get(read.rest), { items: [] });
  assert.equal(read.seen.length, 2);
  await assert.rejects(get(webhook.rest), /failed calling webhook/);
  assert.equal(webhook.seen.length, 1, 'a 5xx without Retry-After is final');
});

test('a watch and a log stream refused with 429 at their start are sent again; an abort during the wait ends them quietly', async (t) => {
  // Setup
  const event = (name: string) => JSON.stringify({ type: 'ADDED', object: { metadata: { name, resourceVersion: '3' } } });
  const api = await scripted(t, [STORAGE_INITIALIZING, { status: 200, headers: { 'content-type': 'application/json' }, body: `${event('a')}\n${event('b')}\n` }]);
  const logs = await scripted(t, [STORAGE_INITIALIZING, { status: 200, headers: { 'content-type': 'text/plain' }, body: 'line 1\nline 2\n' }]);
  const stopped = new AbortController();
  const quiet = await scripted(t, [STORAGE_INITIALIZING], { rest: { sleep: async () => { stopped.abort(); } } });
  // Test
  const lines: string[] = [];
  await api.rest.watch({ path: '/api/v1/configmaps', query: { watch: 1 }, idleMs: 5_000, signal: new AbortController().signal }, (l) => lines.push(l));
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as { object: { metadata: { name: string } } }).object.metadata.name), ['a', 'b']);
  assert.deepEqual(api.waits, [1000]);
  assert.equal(api.rest.stats.byVerb.watch, 2);

  const chunks: Buffer[] = [];
  await logs.rest.stream({ verb: 'get', path: '/api/v1/namespaces/a/pods/p/log', query: { follow: true } }, (c) => chunks.push(c), new AbortController().signal);
  assert.equal(Buffer.concat(chunks).toString(), 'line 1\nline 2\n');
  assert.deepEqual(logs.waits, [1000]);

  await quiet.rest.watch({ path: '/api/v1/configmaps', query: { watch: 1 }, idleMs: 5_000, signal: stopped.signal }, () => assert.fail('no event'));
  assert.equal(quiet.seen.length, 1, 'not sent again after the abort');
});

test('the Lease\'s calls take the first answer as final: the election retries on its own and must step down by its renew deadline', async (t) => {
  // Setup
  const api = await scripted(t, [STORAGE_INITIALIZING, STORAGE_INITIALIZING, ok({})]);
  const other = await scripted(t, [STORAGE_INITIALIZING]);
  const paths = { path: async () => '/apis/coordination.k8s.io/v1/namespaces/ria/leases/ria' } as unknown as ResourcePaths;
  const objects = new KubeObjects(api.rest, { paths });
  const lease = leaseApi(objects);
  // Test
  await assert.rejects(lease.replaceNamespacedLease({ name: 'ria', namespace: 'ria', body: { metadata: { name: 'ria', resourceVersion: '4' }, spec: { holderIdentity: 'a' } } }),
    (e: unknown) => e instanceof KubeApiError && e.status === 429);
  assert.equal(api.seen.length, 1);
  assert.deepEqual(api.waits, []);
  await objects.get({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'ria', name: 'ria' });
  assert.equal(api.seen.length, 3, 'the same client\'s other calls still wait the 429 out');
  assert.deepEqual(api.waits, [1000]);
  await assert.rejects(new KubeObjects(other.rest, { paths }).withoutRetries().as('system:serviceaccount:a:b').get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'a', name: 'c' }), /storage is/);
  assert.equal(other.seen.length, 1, 'as() keeps withoutRetries()');
});

test('nextRetry and retryAfterMs: the rule on its own', () => {
  const fresh = { retries: 0, waitedMs: 0 };
  const get = { method: 'GET', verb: 'get' };
  assert.equal(retryAfterMs('3'), 3000);
  assert.equal(retryAfterMs(' 0 '), 0);
  assert.equal(retryAfterMs(undefined), undefined);
  assert.equal(retryAfterMs('-1'), undefined);
  assert.equal(retryAfterMs('1.5'), undefined);
  assert.deepEqual(nextRetry({ status: 429, retryAfter: '1' }, { method: 'DELETE', verb: 'delete' }, fresh), { waitMs: 1000, reason: 'too_many_requests' });
  assert.deepEqual(nextRetry({ status: 504, retryAfter: '2' }, get, fresh), { waitMs: 2000, reason: 'server_error' });
  assert.equal(nextRetry({ status: 504, retryAfter: '2' }, { method: 'PATCH', verb: 'patch' }, fresh), undefined, 'a merge patch is a write like any other');
  assert.equal(nextRetry({ status: 409, retryAfter: '1' }, get, fresh), undefined);
  assert.equal(nextRetry({ status: 429, retryAfter: '1' }, get, { retries: 10, waitedMs: 10_000 }), undefined);
  assert.equal(nextRetry({ status: 429, retryAfter: '5' }, get, { retries: 5, waitedMs: 26_000 }), undefined, 'past 30 s of waiting');
});
