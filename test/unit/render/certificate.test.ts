import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from '../../../engine/render/index.js';
import { parseRiofile } from '../../../engine/riofile/index.js';
import { appRenderSettings } from '../../../engine/controller/environment/cluster-settings.js';
import { loadConfig } from '../../../engine/config/load.js';
import { environmentNamespace } from '../../../engine/render/names.js';
import type { Environment } from '../../../engine/render/types.js';

// Setup: app shop with custom domains; ria.yaml with a cert-manager issuer.
const config = (certificates = 'certificates: {issuer: letsencrypt}\n') => loadConfig(new Map([
  ['ria.yaml', `domain: apps.example.com\n${certificates}`],
  ['apps/shop.yaml', 'repo: https://git.example.com/shop.git\ndomains: [www.shop.example.com, shop.example.com]\n'],
]));
const riofile = parseRiofile('services:\n  web:\n    image: nginx\n    ports: 80/http\n', { file: 'Riofile' });
const main: Environment = { app: 'shop', kind: 'branch', branch: 'main', commit: 'abcdef0' };
const certificates = (c = config(), env: Environment = main, production = true) =>
  render({ riofile, environment: env, ...appRenderSettings(c.settings, c.apps[0]!.spec, 'ria-system', undefined, production) }).objects.filter((o) => o.kind === 'Certificate');

test('certificates: the production environment gets one Certificate for its custom domains, from ria.yaml\'s issuer', () => {
  const [cert, ...rest] = certificates();
  assert.equal(rest.length, 0);
  assert.equal(cert!.apiVersion, 'cert-manager.io/v1');
  assert.equal(cert!.metadata.namespace, environmentNamespace(main));
  const spec = cert!.spec as { secretName: string; dnsNames: string[]; issuerRef: unknown };
  assert.deepEqual(spec.dnsNames, ['shop.example.com', 'www.shop.example.com']);
  assert.deepEqual(spec.issuerRef, { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'letsencrypt' });
  assert.match(spec.secretName, /^shop-domains-tls$/);
  assert.equal(cert!.metadata.labels?.['app.kubernetes.io/managed-by'], 'ria');
});

test('certificates: none for a preview or another branch, none without ria.yaml certificates, Issuer kind when asked', () => {
  assert.deepEqual(certificates(config(), { app: 'shop', kind: 'pr', pr: 3, commit: 'abcdef0' }, false), []);
  assert.deepEqual(certificates(config(), main, false), []);
  assert.deepEqual(certificates(config('')), []);
  assert.equal((certificates(config('certificates: {issuer: ca, kind: Issuer}\n'))[0]!.spec as { issuerRef: { kind: string } }).issuerRef.kind, 'Issuer');
});
