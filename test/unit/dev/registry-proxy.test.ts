import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import { connect as netConnect, type Socket, type AddressInfo } from 'node:net';
import { publishReadOnlyRegistry, readOnlyVerdict } from '../../../engine/dev/cluster/registry-proxy.js';
import { manifestExists } from '../../../engine/registry/manifest-check.js';
import { parseImageRef } from '../../../engine/registry/image-ref.js';

const DIGEST = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

/** A tiny registry: one manifest; records every request that reaches it (method, path, Host, body). */
async function tinyRegistry() {
  const seen: Array<{ method: string; url: string; host: string; body: string }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, host: req.headers.host ?? '', body: Buffer.concat(chunks).toString() });
      if (req.url === '/v2/ria/shop/web/manifests/abc123') {
        const body = '{"schemaVersion":2}';
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': DIGEST, 'content-length': String(body.length) });
        res.end(req.method === 'HEAD' ? undefined : body);
      } else if (req.method === 'PUT') { res.writeHead(201); res.end(); } else { res.writeHead(404); res.end(); }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  // As the node's connect(): a TCP connection to the registry's name inside the namespace.
  const connect = (host: string, p: number) => new Promise<Socket>((resolve, reject) => {
    assert.deepEqual([host, p], ['registry.node', 5000]);
    const s = netConnect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  return { seen, connect, close: () => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }) };
}

/** The proxy in front of a tiny registry for `body`, both closed after it. */
async function withProxy(body: (proxy: { port: number }, registry: Awaited<ReturnType<typeof tinyRegistry>>) => Promise<void>): Promise<void> {
  const registry = await tinyRegistry();
  const proxy = await publishReadOnlyRegistry(registry.connect, 'registry.node', 5000);
  try {
    await body(proxy, registry);
  } finally {
    await proxy.close();
    await registry.close();
  }
}

function send(port: number, method: string, path: string, host = `127.0.0.1:${port}`, body?: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false, headers: { host, ...(body ? { 'content-length': String(body.length) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('registry proxy: GET and HEAD of the registry API pass, with the answer\'s status, headers and body; Host is the registry\'s upstream', async () => {
  await withProxy(async (proxy, registry) => {
    const got = await send(proxy.port, 'GET', '/v2/ria/shop/web/manifests/abc123');
    assert.equal(got.status, 200);
    assert.equal(got.headers['docker-content-digest'], DIGEST);
    assert.equal(got.body, '{"schemaVersion":2}');
    const head = await send(proxy.port, 'HEAD', '/v2/ria/shop/web/manifests/abc123', `localhost:${proxy.port}`);
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], '19');
    assert.equal((await send(proxy.port, 'HEAD', '/v2/ria/shop/web/manifests/other')).status, 404);
    // A body sent with a GET is dropped, never forwarded.
    assert.equal((await send(proxy.port, 'GET', '/v2/ria/shop/web/manifests/abc123', undefined, 'smuggled')).status, 200);
    assert.deepEqual(registry.seen.map((r) => [r.method, r.host, r.body]), [
      ['GET', 'registry.node:5000', ''], ['HEAD', 'registry.node:5000', ''], ['HEAD', 'registry.node:5000', ''], ['GET', 'registry.node:5000', ''],
    ]);
  });
});

test('registry proxy: a push (PUT, POST, PATCH, DELETE) is refused with 405, a rebound Host with 403, another path with 404; none reaches the registry', async () => {
  await withProxy(async (proxy, registry) => {
    for (const method of ['PUT', 'POST', 'PATCH', 'DELETE']) {
      const res = await send(proxy.port, method, '/v2/ria/shop/web/manifests/abc123', undefined, '{"schemaVersion":2}');
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.allow, 'GET, HEAD');
    }
    // DNS rebinding: the page's own name (resolved to 127.0.0.1) arrives as the Host.
    assert.equal((await send(proxy.port, 'GET', '/v2/ria/shop/web/manifests/abc123', `attacker.example:${proxy.port}`)).status, 403);
    assert.equal((await send(proxy.port, 'GET', '/v2/ria/shop/web/manifests/abc123', '127.0.0.1')).status, 403, 'no port');
    assert.equal((await send(proxy.port, 'GET', '/v2/ria/shop/web/manifests/abc123', `127.0.0.1:${proxy.port + 1}`)).status, 403);
    assert.equal((await send(proxy.port, 'GET', '/metrics')).status, 404);
    assert.deepEqual(registry.seen, []);
  });
});

test('registry proxy: the engine\'s image check works through it; an unreachable registry is a 502 (the engine then builds)', async () => {
  await withProxy(async (proxy) => {
    const base = { baseUrl: `http://127.0.0.1:${proxy.port}`, timeoutMs: 5_000 };
    assert.equal(await manifestExists(parseImageRef('registry.node:5000/ria/shop/web:abc123'), base), true);
    assert.equal(await manifestExists(parseImageRef('registry.node:5000/ria/shop/web:def456'), base), false);
  });
  const down = await publishReadOnlyRegistry(() => Promise.reject(new Error('refused')), 'registry.node', 5000);
  try {
    assert.equal((await send(down.port, 'HEAD', '/v2/ria/shop/web/manifests/abc123')).status, 502);
  } finally {
    await down.close();
  }
});

test('registry proxy verdict: methods, Host and path (pure)', () => {
  assert.equal(readOnlyVerdict('GET', '/v2/', '127.0.0.1:5001', 5001), undefined);
  assert.equal(readOnlyVerdict('HEAD', '/v2/a/manifests/b', 'LOCALHOST:5001', 5001), undefined);
  assert.equal(readOnlyVerdict('OPTIONS', '/v2/', '127.0.0.1:5001', 5001)?.status, 405);
  assert.equal(readOnlyVerdict('GET', '/v2/', undefined, 5001)?.status, 403);
  assert.equal(readOnlyVerdict('GET', '/v2/', '[::1]:5001', 5001)?.status, 403, 'the proxy listens on 127.0.0.1 only');
  assert.equal(readOnlyVerdict('GET', 'http://127.0.0.1:5001/v2/', '127.0.0.1:5001', 5001)?.status, 404, 'absolute form');
});
