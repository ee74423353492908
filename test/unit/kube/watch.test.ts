import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeRest } from '../../../engine/kube/rest.js';
import { watchCollection } from '../../../engine/controller/informers.js';
import { silentLog } from '../../../engine/controller/context.js';

type Obj = { metadata: { name: string; namespace?: string; resourceVersion: string; uid?: string; labels?: Record<string, string> }; spec?: unknown };
const obj = (name: string, rv: number, extra: Partial<Obj> = {}): Obj => ({ metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: String(rv) }, spec: { big: 'x'.repeat(10) }, ...extra });

/**
 * A fake API server for one collection: answers lists from `items`, and holds each watch open so
 * the test can send it events (`send`) or end it (`end`). Records every request's query.
 */
async function fakeApiServer() {
  const state = { items: [] as Obj[], rv: 10, requests: [] as URLSearchParams[], watches: [] as ServerResponse[], failLists: 0 };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    state.requests.push(url.searchParams);
    if (url.searchParams.get('watch') === '1') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      state.watches.push(res);
      return;
    }
    if (state.failLists > 0) { state.failLists--; res.writeHead(503).end('{"message":"etcd is not ready"}'); return; }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: state.items, metadata: { resourceVersion: String(state.rv) } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }], users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
  const current = () => state.watches.at(-1)!;
  return {
    state, rest: new KubeRest(kc),
    send: (type: string, object: unknown) => current().write(`${JSON.stringify({ type, object })}\n`),
    end: () => current().end(),
    close: () => { server.closeAllConnections(); server.close(); },
  };
}

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('watchCollection: list, then watch from its resourceVersion; reopened from the last one seen; 410 lists again and reports what went missing', async (t) => {
  // Setup
  const api = await fakeApiServer();
  t.after(() => api.close());
  api.state.items = [obj('a', 5), obj('b', 6)];
  const events: string[] = [];
  const handle = watchCollection<Obj>(api.rest, '/api/v1/namespaces/ns/configmaps', 'managed=yes', (o, e) => events.push(`${e} ${o.metadata.name}`), silentLog, { retryMs: 10 });
  t.after(() => handle.stop());

  // Test: the initial list, then a watch from the list's resourceVersion, with bookmarks.
  await until('the first watch', () => api.state.watches.length === 1);
  assert.ok(handle.synced());
  assert.deepEqual(events, ['add a', 'add b']);
  const first = api.state.requests.at(-1)!;
  assert.equal(first.get('resourceVersion'), '10');
  assert.equal(first.get('labelSelector'), 'managed=yes');
  assert.equal(first.get('allowWatchBookmarks'), 'true');

  api.send('MODIFIED', obj('a', 11));
  api.send('ADDED', obj('c', 12));
  api.send('BOOKMARK', { metadata: { resourceVersion: '15' } });
  api.send('DELETED', obj('b', 16));
  await until('four more events', () => events.length === 5);
  assert.deepEqual(events.slice(2), ['update a', 'add c', 'delete b']);

  // The server ends the watch (its timeout): reopened from the last resourceVersion, no list.
  const lists = api.state.requests.filter((q) => !q.has('watch')).length;
  api.end();
  await until('the second watch', () => api.state.watches.length === 2);
  assert.equal(api.state.requests.at(-1)!.get('resourceVersion'), '16');
  assert.equal(api.state.requests.filter((q) => !q.has('watch')).length, lists, 'not listed again');

  // 410 Gone: listed again; c went away meanwhile and is reported deleted (from the name kept).
  api.state.items = [obj('a', 20), obj('d', 21)];
  api.state.rv = 30;
  api.send('ERROR', { kind: 'Status', code: 410, message: 'too old resource version' });
  api.end();
  await until('the third watch', () => api.state.watches.length === 3);
  assert.deepEqual(events.slice(5), ['delete c', 'update a', 'add d']);
  assert.equal(api.state.requests.at(-1)!.get('resourceVersion'), '30');
  assert.equal(api.rest.stats.writes, 0, 'a watch only reads');
});

test('watchCollection: a failing list is retried; stop() ends the open watch', async (t) => {
  const api = await fakeApiServer();
  t.after(() => api.close());
  api.state.failLists = 2;
  api.state.items = [obj('a', 5)];
  const events: string[] = [];
  const handle = watchCollection<Obj>(api.rest, '/api/v1/namespaces/ns/configmaps', undefined, (o, e) => events.push(`${e} ${o.metadata.name}`), silentLog, { retryMs: 10 });
  assert.equal(handle.synced(), false);
  await until('the watch after two failed lists', () => api.state.watches.length === 1);
  assert.deepEqual(events, ['add a']);
  const closed = new Promise<void>((r) => api.state.watches[0]!.once('close', () => r()));
  handle.stop();
  await closed;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(api.state.watches.length, 1, 'not reopened after stop');
});
