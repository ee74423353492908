import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builderNamespaceObjects, jobSecrets } from '../../../engine/controller/environment/builder-namespace.js';
import { builderNamespace, appRenderSettings } from '../../../engine/controller/environment/cluster-settings.js';
import { loadConfig } from '../../../engine/config/load.js';
import { render } from '../../../engine/render/index.js';
import { parseRiofile } from '../../../engine/riofile/index.js';

test('builds run in their own namespace (not Ria\'s), enforcing Pod Security baseline', () => {
  const [ns, ...rest] = builderNamespaceObjects(builderNamespace('ria-system'), undefined);
  assert.equal(ns!.metadata.name, 'ria-system-builds');
  assert.equal(ns!.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'baseline');
  assert.equal(rest.length, 0, 'no egress configured: no NetworkPolicy');
});

test('builder.egress becomes a NetworkPolicy: DNS and the named ranges only, no ingress', () => {
  const [, policy] = builderNamespaceObjects('ria-system-builds', [{ cidr: '10.0.0.5/32', ports: [443] }, { cidr: '10.0.1.0/24' }]);
  const spec = policy!.spec as { podSelector: object; policyTypes: string[]; ingress?: unknown; egress: Array<{ to: Array<Record<string, any>>; ports?: Array<{ port: number; protocol: string }> }> };
  assert.deepEqual(spec.podSelector, {});
  assert.deepEqual(spec.policyTypes, ['Ingress', 'Egress']);
  assert.equal(spec.ingress, undefined, 'Ingress with no rules: nothing may connect to build pods');
  assert.deepEqual(spec.egress[0]!.ports, [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }]);
  assert.equal(spec.egress[0]!.to[0]!.podSelector.matchLabels['k8s-app'], 'kube-dns');
  assert.deepEqual(spec.egress[1], { to: [{ ipBlock: { cidr: '10.0.0.5/32' } }], ports: [{ protocol: 'TCP', port: 443 }] });
  assert.deepEqual(spec.egress[2], { to: [{ ipBlock: { cidr: '10.0.1.0/24' } }] });
});

test('a build Job from the config: its namespace, timeout and Secrets are the config\'s; only those are copied to the builder namespace', () => {
  const config = loadConfig(new Map([
    ['ria.yaml', 'registry: registry.example.com/ria\nbuilder:\n  pushSecret: main-push\n  timeout: 20m\n  previews:\n    pushSecret: preview-push\n  egress:\n  - cidr: 10.0.0.5/32\n    ports: [443]\n'],
    ['apps/shop.yaml', 'repo: https://git.example.com/shop.git\ncloneSecret: shop-clone\n'],
  ]));
  assert.equal(config.settingsError, undefined);
  assert.deepEqual(config.settings.builder.egress, [{ cidr: '10.0.0.5/32', ports: [443] }]);
  const settings = appRenderSettings(config.settings, config.apps[0]!.spec, 'ria-system');
  const riofile = parseRiofile('services:\n  web:\n    build:\n      timeout: 2h\n');
  const branch = render({ riofile, environment: { app: 'shop', kind: 'branch', branch: 'main', commit: 'a'.repeat(40) }, ...settings }).buildJobs[0]!;
  assert.equal(branch.metadata.namespace, 'ria-system-builds');
  assert.equal((branch.spec as { activeDeadlineSeconds: number }).activeDeadlineSeconds, 1200);
  assert.deepEqual(jobSecrets(branch), ['main-push', 'shop-clone']);
  const preview = render({ riofile, environment: { app: 'shop', kind: 'pr', pr: 3, commit: 'a'.repeat(40) }, ...settings }).buildJobs[0]!;
  assert.deepEqual(jobSecrets(preview), ['preview-push', 'shop-clone']);
});
