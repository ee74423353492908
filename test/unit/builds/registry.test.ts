/**
 * The registry check behind image reuse: references parsed as registries read them, credentials
 * found in a .dockerconfigjson, the scheme Kaniko's flags imply, and the manifest HEAD against a
 * real HTTP server playing a registry with the token flow (401 + Bearer challenge) and Basic auth.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseImageRef } from '../../../engine/registry/image-ref.js';
import { credentialFor } from '../../../engine/registry/docker-config.js';
import { registryAccess } from '../../../engine/registry/access.js';
import { manifestExists, parseChallenge } from '../../../engine/registry/manifest-check.js';
import { defaultSettings } from '../../../engine/config/load.js';

test('image references: host, repository, tag or digest; Docker Hub defaults', () => {
  assert.deepEqual(parseImageRef('127.0.0.1:5000/ria/shop/api:abc'), { host: '127.0.0.1:5000', repository: 'ria/shop/api', reference: 'abc' });
  assert.deepEqual(parseImageRef('ghcr.io/acme/shop@sha256:00ff'), { host: 'ghcr.io', repository: 'acme/shop', reference: 'sha256:00ff' });
  assert.deepEqual(parseImageRef('localhost/x'), { host: 'localhost', repository: 'x', reference: 'latest' });
  assert.deepEqual(parseImageRef('nginx'), { host: 'docker.io', repository: 'library/nginx', reference: 'latest' });
  assert.deepEqual(parseImageRef('acme/web:1.2'), { host: 'docker.io', repository: 'acme/web', reference: '1.2' });
});

test('.dockerconfigjson: auth or username/password, under the host or its URL forms', () => {
  const auth = Buffer.from('robot:s3cret').toString('base64');
  assert.deepEqual(credentialFor(JSON.stringify({ auths: { 'https://reg.example.com': { auth } } }), 'reg.example.com'), { username: 'robot', password: 's3cret' });
  assert.deepEqual(credentialFor(JSON.stringify({ auths: { 'reg.example.com': { username: 'u', password: 'p' } } }), 'reg.example.com'), { username: 'u', password: 'p' });
  assert.deepEqual(credentialFor(JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth } } }), 'docker.io'), { username: 'robot', password: 's3cret' });
  assert.equal(credentialFor(JSON.stringify({ auths: { 'other.example.com': { auth } } }), 'reg.example.com'), undefined);
  assert.equal(credentialFor('not json', 'reg.example.com'), undefined);
});

test('the scheme follows Kaniko\'s flags; registryEndpoint applies to the configured registry only', () => {
  const s = (extraArgs: string[], more: Record<string, string> = {}) => ({ registry: 'reg.local:5000/ria', builder: { ...defaultSettings().builder, extraArgs, ...more } });
  assert.deepEqual(registryAccess(s([]), 'reg.local:5000'), { baseUrl: 'https://reg.local:5000', verifyTls: true });
  assert.deepEqual(registryAccess(s(['--insecure']), 'reg.local:5000'), { baseUrl: 'http://reg.local:5000', verifyTls: true });
  assert.deepEqual(registryAccess(s(['--insecure-registry=reg.local:5000']), 'reg.local:5000'), { baseUrl: 'http://reg.local:5000', verifyTls: true });
  assert.deepEqual(registryAccess(s(['--insecure-registry=other:5000']), 'reg.local:5000'), { baseUrl: 'https://reg.local:5000', verifyTls: true });
  assert.deepEqual(registryAccess(s(['--skip-tls-verify']), 'reg.local:5000'), { baseUrl: 'https://reg.local:5000', verifyTls: false });
  assert.deepEqual(registryAccess(s([], { registryEndpoint: 'http://127.0.0.1:5999/' }), 'reg.local:5000'), { baseUrl: 'http://127.0.0.1:5999', verifyTls: true });
  assert.deepEqual(registryAccess(s([], { registryEndpoint: 'http://127.0.0.1:5999' }), 'ghcr.io'), { baseUrl: 'https://ghcr.io', verifyTls: true });
  assert.equal(registryAccess(s([]), 'docker.io').baseUrl, 'https://registry-1.docker.io');
});

test('WWW-Authenticate challenges are parsed', () => {
  assert.deepEqual(parseChallenge('Bearer realm="https://auth.example.com/token",service="registry",scope="repository:a/b:pull"'),
    { scheme: 'bearer', params: { realm: 'https://auth.example.com/token', service: 'registry', scope: 'repository:a/b:pull' } });
});

/** A registry on loopback: `have` lists repository:tag; auth 'bearer' | 'basic' | 'none'. */
async function fakeRegistry(auth: 'bearer' | 'basic' | 'none', have: string[], status?: number) {
  const seen: Array<{ method?: string; url?: string; authorization?: string; accept?: string }> = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization, accept: req.headers.accept });
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    if (req.url?.startsWith('/token')) {
      const ok = req.headers.authorization === `Basic ${Buffer.from('robot:pw').toString('base64')}`;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(ok ? JSON.stringify({ token: 'tok-123' }) : '{}');
      return;
    }
    if (status) { res.writeHead(status).end(); return; }
    const authorized = auth === 'none' || req.headers.authorization === (auth === 'bearer' ? 'Bearer tok-123' : `Basic ${Buffer.from('robot:pw').toString('base64')}`);
    if (!authorized) {
      res.writeHead(401, { 'www-authenticate': auth === 'bearer' ? `Bearer realm="${base}/token",service="fake"` : 'Basic realm="fake"' }).end();
      return;
    }
    const m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(req.url ?? '');
    res.writeHead(m && have.includes(`${m[1]}:${decodeURIComponent(m[2]!)}`) ? 200 : 404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { baseUrl, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

test('manifest HEAD: present, absent, through the token flow and Basic auth; unknown when it cannot tell', async () => {
  const ref = parseImageRef('127.0.0.1:1/ria/shop/api:abc');
  const credential = { username: 'robot', password: 'pw' };
  const open = await fakeRegistry('none', ['ria/shop/api:abc']);
  assert.equal(await manifestExists(ref, { baseUrl: open.baseUrl }), true);
  assert.equal(await manifestExists({ ...ref, reference: 'other' }, { baseUrl: open.baseUrl }), false);
  assert.equal(open.seen[0]!.method, 'HEAD');
  assert.match(open.seen[0]!.accept ?? '', /application\/vnd\.oci\.image\.index\.v1\+json/);
  await open.close();

  const bearer = await fakeRegistry('bearer', ['ria/shop/api:abc']);
  assert.equal(await manifestExists(ref, { baseUrl: bearer.baseUrl, credential }), true);
  const tokenCall = bearer.seen.find((r) => r.url?.startsWith('/token'))!;
  assert.match(tokenCall.url!, /service=fake/);
  assert.match(decodeURIComponent(tokenCall.url!), /scope=repository:ria\/shop\/api:pull/);
  assert.equal(await manifestExists(ref, { baseUrl: bearer.baseUrl }), undefined, 'no credential: the token is refused, cannot tell');
  await bearer.close();

  const basic = await fakeRegistry('basic', ['ria/shop/api:abc']);
  assert.equal(await manifestExists(ref, { baseUrl: basic.baseUrl, credential }), true);
  assert.equal(await manifestExists(ref, { baseUrl: basic.baseUrl }), undefined);
  await basic.close();

  const broken = await fakeRegistry('none', [], 503);
  assert.equal(await manifestExists(ref, { baseUrl: broken.baseUrl }), undefined, 'a 5xx is no answer');
  await broken.close();
  assert.equal(await manifestExists(ref, { baseUrl: broken.baseUrl, timeoutMs: 2000 }), undefined, 'unreachable');
});
