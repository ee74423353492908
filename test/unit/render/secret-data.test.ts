/**
 * A manifest's Secret is applied as the API server stores it: `stringData` moved into `data`
 * (base64), so what Ria applies is what it reads back and the drift check compares the fields
 * that hold the values. Drift against the real API server: test/integration/engine/secret-drift.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { secretWithData } from '../../../engine/render/secret-data.js';
import { render } from '../../../engine/render/index.js';
import { parseRiofile } from '../../../engine/riofile/index.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const secret = (extra: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, type: 'Opaque', ...extra });

test('secretWithData: stringData becomes data (base64 of UTF-8), its keys win over data\'s, as the API server merges them', () => {
  // Test
  assert.deepEqual(secretWithData(secret({ stringData: { password: 'hunter2', user: 'app' } })),
    secret({ data: { password: b64('hunter2'), user: b64('app') } }));
  assert.deepEqual(secretWithData(secret({ data: { password: b64('old'), token: b64('t') }, stringData: { password: 'new', 'ünï': 'ç€' } })),
    secret({ data: { password: b64('new'), token: b64('t'), 'ünï': b64('ç€') } }));
  assert.deepEqual(secretWithData(secret({ stringData: {} })), secret({}), 'nothing to store: no data either');
  assert.deepEqual(secretWithData(secret({ stringData: null })), secret({}));
  assert.deepEqual(Object.keys((secretWithData(secret({ stringData: { b: '1', a: '2' } })) as unknown as { data: object }).data), ['a', 'b'], 'keys in order');
});

test('secretWithData: other kinds, and values the API server would refuse, are left as written', () => {
  const data = secret({ data: { a: b64('x') } });
  assert.equal(secretWithData(data), data, 'no stringData: the same object');
  const other = { apiVersion: 'example.com/v1', kind: 'Secret', metadata: { name: 'x' }, stringData: { a: 'x' } };
  assert.equal(secretWithData(other), other, 'a Secret of another group is not the core Secret');
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, stringData: { a: 'x' } };
  assert.equal(secretWithData(cm), cm);
  const number = secret({ stringData: { port: 5432 } });
  assert.equal(secretWithData(number), number, 'not a string: the API server refuses it and says why');
  const list = secret({ stringData: ['a'] });
  assert.equal(secretWithData(list), list);
});

test('a Riofile manifest\'s Secret with stringData renders as data; the Riofile\'s own object is not changed', () => {
  // Setup
  const riofile = parseRiofile('services:\n  web:\n    image: nginx\nkubernetes:\n  manifest: |-\n    apiVersion: v1\n    kind: Secret\n    metadata:\n      name: db\n    stringData:\n      password: hunter2\n');

  // Test
  const { objects } = render({ riofile, environment: { app: 'shop', kind: 'branch', branch: 'main', commit: 'a'.repeat(40) }, cluster: { domain: 'apps.test', registry: 'registry.test' } });
  const rendered = objects.find((o) => o.kind === 'Secret' && o.metadata.name === 'db')!;
  assert.deepEqual(rendered.data, { password: b64('hunter2') });
  assert.equal(rendered.stringData, undefined);
  assert.equal(rendered.metadata.namespace, 'shop--main');
  assert.equal(rendered.metadata.labels?.['app.kubernetes.io/managed-by'], 'ria');
  assert.deepEqual(riofile.kubernetesManifests[0]!.stringData, { password: 'hunter2' });
});
