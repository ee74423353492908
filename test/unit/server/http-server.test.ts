import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpServer } from '../../../engine/server/http-server.js';
import { silentLogger } from '../../../engine/observe/logger.js';
import { Counter, MetricsRegistry, METRICS_CONTENT_TYPE } from '../../../engine/observe/metrics.js';

test('healthz, readyz, metrics, extra routes, 404 and 405', async (t) => {
  // Setup
  const registry = new MetricsRegistry();
  new Counter({ name: 'hits_total', help: 'Hits.', registers: [registry] }).inc();
  let ready: boolean | { ready: boolean; reason?: string } = { ready: false, reason: 'config repository not loaded yet' };
  const server = await startHttpServer({
    host: '127.0.0.1', port: 0, logger: silentLogger, metrics: registry, isReady: () => ready,
    routes: [
      { method: 'POST', path: '/webhooks/github', handler: async (req, res) => {
        let body = '';
        for await (const chunk of req) body += String(chunk);
        res.writeHead(202).end(`got ${body}`);
      } },
      { method: 'GET', path: '/boom', handler: () => { throw new Error('kaput'); } },
    ],
  });
  t.after(() => server.close());
  const get = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);

  // Test
  assert.ok(server.port > 0);
  assert.equal((await get('/healthz')).status, 200);
  let res = await get('/readyz');
  assert.equal(res.status, 503);
  assert.equal(await res.text(), 'not ready: config repository not loaded yet\n');
  ready = true;
  assert.equal((await get('/readyz?verbose')).status, 200);
  ready = false;
  assert.equal(await (await get('/readyz')).text(), 'not ready: starting\n');

  res = await get('/metrics');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), METRICS_CONTENT_TYPE);
  assert.match(await res.text(), /^hits_total 1$/m);

  res = await get('/webhooks/github', { method: 'POST', body: 'payload' });
  assert.equal(res.status, 202);
  assert.equal(await res.text(), 'got payload');
  res = await get('/webhooks/github');
  assert.equal(res.status, 405);
  assert.equal(res.headers.get('allow'), 'POST');
  assert.equal((await get('/nope')).status, 404);
  assert.equal((await get('/boom')).status, 500);
  assert.equal((await get('/healthz', { method: 'HEAD' })).status, 200);
});

test('a route on a built-in path is refused', async () => {
  await assert.rejects(startHttpServer({
    host: '127.0.0.1', port: 0, logger: silentLogger, metrics: new MetricsRegistry(), isReady: () => true,
    routes: [{ method: 'POST', path: '/metrics', handler: () => {} }],
  }), /clashes with a built-in path/);
});

test('close() returns even with a keep-alive connection open', async () => {
  const server = await startHttpServer({ host: '127.0.0.1', port: 0, logger: silentLogger, metrics: new MetricsRegistry(), isReady: () => true });
  await (await fetch(`${server.url}/healthz`, { keepalive: true })).text();
  await server.close();
  await assert.rejects(fetch(`${server.url}/healthz`));
});

test('without metrics and readiness (the webhook port) there are no probes or /metrics', async (t) => {
  const server = await startHttpServer({ host: '127.0.0.1', port: 0, logger: silentLogger, name: 'webhook',
    routes: [{ method: 'POST', path: '/hooks/github', handler: (_req, res) => { res.writeHead(202).end(); } }] });
  t.after(() => server.close());
  for (const path of ['/healthz', '/readyz', '/metrics']) assert.equal((await fetch(`${server.url}${path}`)).status, 404, path);
  assert.equal((await fetch(`${server.url}/hooks/github`, { method: 'POST' })).status, 202);
});
