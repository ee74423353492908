import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fromAccessConfig } from '../../../engine/kube/kube-access.js';
import { KubeRest } from '../../../engine/kube/rest.js';
import { listEnvironments, watchEnvironments } from '../../../engine/cli/ps-command.js';
import type { Environment } from '../../../engine/crds/types.js';

const env = (name: string, rv: number) => ({ apiVersion: 'ria.dev/v1alpha1', kind: 'Environment', metadata: { name, namespace: 'ria', resourceVersion: String(rv) }, spec: { app: name } });

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('watchEnvironments over KubeRest: watches from the list\'s resourceVersion, and after an ERROR (410 Gone) lists again and watches from there', async (t) => {
  // Setup
  const lists = [{ items: [env('a', 4)], metadata: { resourceVersion: '5' } }, { items: [env('b', 8)], metadata: { resourceVersion: '9' } }];
  const watches: Array<{ query: URLSearchParams; res: ServerResponse }> = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    assert.equal(url.pathname, '/apis/ria.dev/v1alpha1/namespaces/ria/environments');
    if (url.searchParams.get('watch') !== '1') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(lists.shift()));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.flushHeaders();
    watches.push({ query: url.searchParams, res });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => { server.closeAllConnections(); server.close(); });
  const rest = new KubeRest(fromAccessConfig({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  t.after(() => rest.close());
  const seen: string[][] = [];
  const interrupted: unknown[] = [];
  const stop = new AbortController();

  // Test
  const initial = await listEnvironments(rest, 'ria');
  const watching = watchEnvironments(rest, 'ria', initial, (envs: Environment[]) => seen.push(envs.map((e) => e.metadata.name).sort()),
    (err) => interrupted.push(err), stop.signal);
  await until('the first watch', () => watches.length === 1);
  assert.equal(watches[0]!.query.get('resourceVersion'), '5');
  assert.equal(watches[0]!.query.get('allowWatchBookmarks'), 'true');
  watches[0]!.res.write(`${JSON.stringify({ type: 'ADDED', object: env('b', 6) })}\n`);
  await until('a and b', () => seen.at(-1)?.join() === 'a,b');
  watches[0]!.res.end(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 6 (8)' } })}\n`);
  await until('the second watch, after a list', () => watches.length === 2);
  assert.equal(watches[1]!.query.get('resourceVersion'), '9');
  await until('b alone (a was deleted while no watch was open)', () => seen.at(-1)?.join() === 'b');
  stop.abort();
  await watching;
  assert.deepEqual(interrupted, [], 'a watch the server ends is no interruption');
});
