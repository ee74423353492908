/**
 * The Certificate Ria renders for an app's custom domains (ria.yaml `certificates`, apps/<app>.yaml
 * `domains`) is accepted by the real kube-apiserver with cert-manager's own CRDs installed (pinned
 * in test/cluster/versions.json, cached by test/cluster/build.sh from cert-manager's Go module),
 * and the CRDs' schema does refuse a broken one.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { testClients, uniqueName } from '../../support/kube.js';
import { applyObject } from '../../support/apply.js';
import { installCertManagerCrds } from '../../support/gateway-api.js';
import { render } from '../../../engine/render/index.js';
import { parseRiofile } from '../../../engine/riofile/index.js';
import { loadConfig } from '../../../engine/config/load.js';
import { appRenderSettings } from '../../../engine/controller/environment/cluster-settings.js';
import { environmentNamespace } from '../../../engine/render/names.js';
import type { Environment } from '../../../engine/render/types.js';

const { ria } = testClients();

before(async () => {
  await installCertManagerCrds(ria);
});

test('the Certificate of an app\'s custom domains is valid for cert-manager\'s CRDs on the API server', async () => {
  // Setup
  const app = uniqueName('certs');
  const config = loadConfig(new Map([
    ['ria.yaml', 'domain: apps.example.com\ncertificates: {issuer: letsencrypt}\n'],
    [`apps/${app}.yaml`, 'repo: https://git.example.com/shop.git\ndomains: [shop.example.com, www.shop.example.com]\n'],
  ]));
  const environment: Environment = { app, kind: 'branch', branch: 'main', commit: '3f2a1c9e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39' };
  const riofile = parseRiofile('services:\n  web:\n    image: nginx\n    ports: 80/http\n', { file: 'Riofile' });
  const result = render({ riofile, environment, ...appRenderSettings(config.settings, config.apps[0]!.spec, 'ria-system', undefined, true) });
  const certificate = result.objects.find((o) => o.kind === 'Certificate');
  assert.ok(certificate, 'rendered');
  await applyObject(ria, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: environmentNamespace(environment) } });

  // Test: accepted as rendered (the CRDs' OpenAPI schema and CEL rules are the server's).
  await applyObject(ria, certificate);
  const live = await ria.get<{ spec?: { dnsNames?: string[]; issuerRef?: { name?: string } } }>({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', namespace: certificate.metadata.namespace!, name: certificate.metadata.name });
  assert.deepEqual(live?.spec?.dnsNames, ['shop.example.com', 'www.shop.example.com']);
  assert.equal(live?.spec?.issuerRef?.name, 'letsencrypt');
  // The schema is really checked: a Certificate without issuerRef is refused.
  const broken = structuredClone(certificate);
  broken.metadata.name = 'broken';
  delete (broken.spec as Record<string, unknown>).issuerRef;
  await assert.rejects(applyObject(ria, broken, { dryRun: true }), /issuerRef/);
  await ria.delete({ apiVersion: 'v1', kind: 'Namespace', name: environmentNamespace(environment) }).catch(() => undefined);
});
