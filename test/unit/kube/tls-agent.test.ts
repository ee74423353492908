import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createPki, issueClientCert } from '../../../engine/dev/cluster/pki.js';
import { fromAccessConfig, type KubeAccess } from '../../../engine/kube/kube-access.js';
import { KubeRest } from '../../../engine/kube/rest.js';
import { TlsAgents, sameTls, tlsMaterial } from '../../../engine/kube/tls-agent.js';
import { tempDir } from '../../support/temp-dir.js';

test('sameTls: by reference, by bytes for Buffers, and any field that differs makes it another agent', () => {
  const ca = Buffer.from('ca-bytes');
  const base = tlsMaterial({ ca, cert: Buffer.from('cert'), key: Buffer.from('key'), host: 'ignored', method: 'GET' });
  assert.deepEqual(Object.keys(base).sort(), ['ca', 'cert', 'key']);
  assert.equal(sameTls(base, { ...base }), true);
  assert.equal(sameTls(base, { ...base, ca: Buffer.from('ca-bytes') }), true);
  assert.equal(sameTls(base, { ...base, key: Buffer.from('other key') }), false);
  assert.equal(sameTls(base, { ...base, rejectUnauthorized: false }), false);
  assert.equal(sameTls(base, { ...base, servername: 'api.example' }), false);
  assert.equal(sameTls({ ca: [Buffer.from('a'), 'b'] }, { ca: [Buffer.from('a'), 'b'] }), true);
});

test('TlsAgents: one agent while the material is the same (new Buffers of equal bytes too), a new one and the old closed when it changes', () => {
  const agents = new TlsAgents();
  const first = agents.for({ ca: Buffer.from('ca'), key: Buffer.from('k1') });
  assert.equal(agents.for({ ca: Buffer.from('ca'), key: Buffer.from('k1') }), first);
  assert.equal(agents.created, 1);
  let destroyed = false;
  const destroy = first.destroy.bind(first);
  first.destroy = () => { destroyed = true; destroy(); };
  const rotated = agents.for({ ca: Buffer.from('ca'), key: Buffer.from('k2') });
  assert.notEqual(rotated, first);
  assert.equal(destroyed, true);
  assert.equal(agents.created, 2);
  agents.close();
});

test('TlsAgents: the connection pool is named by the address alone, not by the certificate and key bytes', () => {
  const agents = new TlsAgents();
  const key = Buffer.from('-----BEGIN PRIVATE KEY-----'.padEnd(2_000, 'k'));
  const agent = agents.for({ key });
  const name = agent.getName({ host: '127.0.0.1', port: 6443, key, cert: key, ca: key });
  assert.equal(name.includes('PRIVATE KEY'), false);
  assert.ok(name.length < 64, name);
  assert.notEqual(name, agent.getName({ host: '127.0.0.1', port: 6444 }));
  agents.close();
});

/** An HTTPS server that requires a client certificate of its CA; counts connections and answers with the client's CN. */
async function mutualTlsServer(t: { after: (fn: () => void) => void }) {
  const pki = await createPki(tempDir('ria-tls-agent-'));
  const other = await issueClientCert(pki, 'other', '/CN=rotated');
  const state = { connections: 0 };
  const server = createServer({ key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverCert), ca: readFileSync(pki.caCert), requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      const cn = (req.socket as TLSSocket).getPeerCertificate().subject?.CN;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ cn }));
    });
  server.on('secureConnection', () => { state.connections++; });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => { server.closeAllConnections(); server.close(); });
  const access = (certFile: string, keyFile: string): KubeAccess => fromAccessConfig({
    server: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ca: readFileSync(pki.caCert), cert: readFileSync(certFile), key: readFileSync(keyFile),
  });
  return { pki, other, state, access };
}

test('KubeRest over mutual TLS: 20 calls on one kept-alive connection, also when each call gets new Buffers of the same bytes; a rotated client certificate opens a new one', async (t) => {
  // Setup
  const tls = await mutualTlsServer(t);
  const admin = tls.access(tls.pki.adminCert, tls.pki.adminKey);
  let copies = false;
  let rotated = false;
  const rotatedAccess = tls.access(tls.other.cert, tls.other.key);
  const kc: KubeAccess = {
    getCurrentCluster: () => admin.getCurrentCluster(),
    async applyToHTTPSOptions(options) {
      await (rotated ? rotatedAccess : admin).applyToHTTPSOptions(options);
      // client-node's KubeConfig reads its files again per request: new Buffers, same bytes.
      if (copies) for (const f of ['ca', 'cert', 'key'] as const) options[f] = Buffer.from(options[f] as Buffer);
    },
  };
  const rest = new KubeRest(kc);
  t.after(() => rest.close());
  const get = () => rest.call<{ cn: string }>({ verb: 'get', method: 'GET', path: '/api' });

  // Test
  for (let i = 0; i < 10; i++) assert.equal((await get()).cn, 'ria-admin');
  copies = true;
  for (let i = 0; i < 10; i++) assert.equal((await get()).cn, 'ria-admin');
  assert.equal(tls.state.connections, 1);
  assert.equal(rest.stats.connections, 1);
  rotated = true;
  assert.equal((await get()).cn, 'rotated');
  assert.equal(tls.state.connections, 2);
});
