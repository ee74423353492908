import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeRest } from '../../../engine/kube/rest.js';
import { KubeObjects } from '../../../engine/kube/objects.js';
import { testKubeConfig } from '../../support/kube.js';

test('KubeRest keeps its connection to the API server alive: 30 requests, one TLS handshake', async () => {
  const rest = new KubeRest(testKubeConfig());
  try {
    for (let i = 0; i < 30; i++) await rest.call({ verb: 'get', method: 'GET', path: '/api/v1/namespaces/default' });
    assert.equal(rest.stats.reads, 30);
    assert.equal(rest.stats.connections, 1, 'every request after the first reused the connection');
    // Concurrent requests open what they need, and later ones reuse those.
    await Promise.all(Array.from({ length: 4 }, () => rest.call({ verb: 'get', method: 'GET', path: '/api/v1/namespaces/default' })));
    const opened = rest.stats.connections;
    assert.ok(opened <= 4, `at most one per concurrent request: ${opened}`);
    await Promise.all(Array.from({ length: 4 }, () => rest.call({ verb: 'get', method: 'GET', path: '/api/v1/namespaces/default' })));
    assert.equal(rest.stats.connections, opened, 'the second burst reused them');
  } finally {
    rest.close();
  }
});

test('a DELETE with a body does not corrupt the kept-alive connection for the next request', async () => {
  const rest = new KubeRest(testKubeConfig());
  const objects = new KubeObjects(rest);
  const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: `rest-${Date.now()}` };
  try {
    for (let i = 0; i < 3; i++) {
      await objects.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ref.name, namespace: 'default' }, data: { i: String(i) } });
      assert.equal(await objects.delete(ref), true); // DeleteOptions in the body
      // Before bodies were framed, the server read the DELETE body as the next request: 400 here.
      assert.equal(await objects.get(ref), undefined);
    }
    assert.equal(rest.stats.connections, 1);
  } finally {
    rest.close();
  }
});
