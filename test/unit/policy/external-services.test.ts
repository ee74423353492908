/**
 * Riofile `externalservices`, and ExternalName Services, EndpointSlices and Endpoints in manifests,
 * need `allow.externalServices` (policy/external-services.ts): traffic sent to them, through the
 * shared gateway too, goes wherever they name. Loopback, link-local and unspecified addresses are
 * refused even then.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseRiofile } from '../../../engine/riofile/index.js';
import { checkPolicy, type PolicyInput } from '../../../engine/policy/check.js';
import { specialAddress } from '../../../engine/policy/external-services.js';
import type { AppSpec } from '../../../engine/crds/types.js';

// Setup
function input(source: string, allow: AppSpec['allow'] = {}): PolicyInput {
  return {
    riofile: parseRiofile(source, { file: 'Riofile' }), source, file: 'Riofile', app: 'shop', spec: { repo: 'r', branches: ['main'], riofile: 'Riofile', allow }, namespace: 'shop--main', kind: 'branch',
    environment: { app: 'shop', kind: 'branch', branch: 'main', commit: 'c' }, cluster: { domain: 'ria.localhost', gateway: { namespace: 'ria-system', name: 'ria' } },
  };
}
const issuesOf = (source: string, allow: AppSpec['allow'] = {}) => checkPolicy(input(source, allow))?.issues ?? [];
const web = 'services:\n  web:\n    image: nginx\n';
const manifest = (yaml: string) => `${web}kubernetes:\n  manifest: |-\n${yaml.split('\n').map((l) => `    ${l}`).join('\n')}\n`;

test('external services: each kind (addresses, fqdn, another Service) is refused at its line without allow.externalServices, naming the key; accepted with it', () => {
  const src = `${web}externalservices:\n  db:\n    ipAddresses:\n    - 203.0.113.10\n  mail:\n    fqdn: smtp.example.com\n  billing:\n    service: billing--main/api\n`;
  // Test
  const issues = issuesOf(src);
  assert.deepEqual(issues.map((i) => [i.path, i.line]), [['externalservices.db', 5], ['externalservices.mail', 8], ['externalservices.billing', 10]]);
  assert.match(issues[0]!.message, /^external service "db" sends the traffic of a Service of the environment to addresses of its own \(203\.0\.113\.10: an EndpointSlice\), which app "shop" is not allowed: set "allow: \{ externalServices: true \}" in apps\/shop\.yaml of the config repository$/);
  assert.match(issues[1]!.message, /whatever smtp\.example\.com names/);
  assert.match(issues[2]!.message, /another Service by its DNS name \(api in billing--main/);
  assert.equal(checkPolicy(input(src, { externalServices: true })), undefined);
  // Under its alias too, located where written.
  assert.deepEqual(issuesOf(`${web}external_services:\n  db:\n    fqdn: x.example.com\n`).map((i) => [i.path, i.line]), [['externalservices.db', 5]]);
  // Another key does not grant it.
  assert.equal(issuesOf(src, { permissions: true, hostPorts: true, routes: true }).length, 3);
});

test('external services: loopback, link-local (the metadata address), unspecified and link-local multicast addresses are refused even when allowed, IPv4-mapped IPv6 included', () => {
  const src = `${web}externalservices:\n  db:\n    ipAddresses:\n    - 198.51.100.7\n    - 169.254.169.254\n    - ::ffff:127.0.0.1\n    - fe80::1\n    - 2001:db8::1\n`;
  // Test
  const issues = issuesOf(src, { externalServices: true });
  assert.deepEqual(issues.map((i) => [i.path, i.line]), [['externalservices.db.ipAddresses[1]', 8], ['externalservices.db.ipAddresses[2]', 9], ['externalservices.db.ipAddresses[3]', 10]]);
  assert.match(issues[0]!.message, /^external service "db": 169\.254\.169\.254 is link-local .*metadata.*; no allow key grants this$/);
  for (const ip of ['127.0.0.1', '127.255.0.9', '::1', '0.0.0.0', '::', '169.254.0.1', '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', 'FE80::abcd', 'febf::1', '224.0.0.251', 'ff02::1']) assert.ok(specialAddress(ip), ip);
  for (const ip of ['1.1.1.1', '10.0.0.1', '192.168.1.1', '2001:db8::1', 'fec0::1', '::127.0.0.1', '224.0.1.1', 'not an ip']) assert.equal(specialAddress(ip), undefined, ip);
});

test('external services in manifests: an ExternalName Service, an EndpointSlice (whatever its managed-by label) and Endpoints are refused without the key; a ClusterIP Service passes', () => {
  const src = manifest([
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: meta\nspec:\n  type: ExternalName\n  externalName: metadata.google.internal',
    'apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: meta-1\n  labels:\n    kubernetes.io/service-name: plain\n    endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io\naddressType: IPv4\nendpoints:\n- addresses: [10.0.0.1]',
    'apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: plain\nsubsets: []',
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: plain\nspec:\n  ports:\n  - port: 80',
  ].join('\n---\n'));
  // Test
  const issues = issuesOf(src);
  assert.deepEqual(issues.map((i) => i.path), ['kubernetes.manifest[0].spec.type', 'kubernetes.manifest[1].kind', 'kubernetes.manifest[2].kind']);
  assert.equal(issues[0]!.line, 11);
  assert.match(issues[0]!.message, /Service meta is of type ExternalName: .*allow: \{ externalServices: true \}/);
  assert.match(issues[1]!.message, /EndpointSlice meta-1 lists addresses of its own for a Service/);
  assert.equal(checkPolicy(input(src, { externalServices: true })), undefined);
});

test('external services: Rio\'s export fixture (an address and an fqdn) has a clear path: refused naming the key, accepted with it', () => {
  const src = readFileSync(new URL('../../../../fixtures/riofiles/rio/23-fixture-riofile-export.yaml', import.meta.url), 'utf8');
  // Test
  const issues = issuesOf(src);
  assert.deepEqual(issues.filter((i) => i.path.startsWith('externalservices')).map((i) => i.path), ['externalservices.es-bar', 'externalservices.es-foo']);
  assert.ok(issues.filter((i) => i.path.startsWith('externalservices')).every((i) => /externalServices: true/.test(i.message)));
  assert.equal((checkPolicy(input(src, { externalServices: true }))?.issues ?? []).filter((i) => i.path.startsWith('externalservices')).length, 0);
});
