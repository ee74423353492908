import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRiofile } from '../../../engine/riofile/index.js';
import { render } from '../../../engine/render/index.js';
import { loadConfig } from '../../../engine/config/load.js';
import { appRenderSettings } from '../../../engine/controller/environment/cluster-settings.js';
import { allowOf } from '../../../engine/policy/allow.js';
import { DEFAULT_POD_SECURITY, podSecurityFor } from '../../../engine/policy/pod-security.js';
import { find } from '../render/helpers.js';

const environment = { app: 'shop', kind: 'branch' as const, branch: 'main', commit: 'a'.repeat(40) };
const cluster = { domain: 'apps.example.com', registry: 'registry.example.com/ria' };

test('pod security: every environment namespace carries the PSA labels, baseline enforced and restricted warned by default', () => {
  const result = render({ riofile: parseRiofile('services:\n  web:\n    image: nginx\n'), environment, cluster });
  const labels = find(result, 'Namespace').metadata.labels!;
  assert.equal(labels['pod-security.kubernetes.io/enforce'], 'baseline');
  assert.equal(labels['pod-security.kubernetes.io/warn'], 'restricted');
  assert.equal(labels['pod-security.kubernetes.io/audit'], 'restricted');
});

test('pod security: a manifest cannot lower its own namespace\'s levels', () => {
  const source = 'services:\n  web:\n    image: nginx\nkubernetes:\n  manifest: |-\n    apiVersion: v1\n    kind: Namespace\n    metadata:\n      name: shop--main\n      labels:\n        pod-security.kubernetes.io/enforce: privileged\n        team: a\n';
  const result = render({ riofile: parseRiofile(source), environment, cluster, podSecurity: { enforce: 'restricted', warn: 'restricted', audit: 'restricted' } });
  const labels = find(result, 'Namespace').metadata.labels!;
  assert.equal(labels['pod-security.kubernetes.io/enforce'], 'restricted');
  assert.equal(labels.team, undefined, 'nor set labels of its own (the policy refuses them too)');
});

test('pod security: the level follows ria.yaml, lowered only as far as the app\'s allow needs', () => {
  assert.deepEqual(podSecurityFor(DEFAULT_POD_SECURITY, allowOf({})), DEFAULT_POD_SECURITY);
  const restricted = { enforce: 'restricted', warn: 'restricted', audit: 'restricted' } as const;
  assert.equal(podSecurityFor(restricted, allowOf({})).enforce, 'restricted');
  assert.equal(podSecurityFor(restricted, allowOf({ allow: { runAsRoot: true } })).enforce, 'baseline');
  assert.equal(podSecurityFor(restricted, allowOf({ allow: { capabilities: ['NET_BIND_SERVICE'] } })).enforce, 'restricted');
  assert.equal(podSecurityFor(restricted, allowOf({ allow: { capabilities: ['CHOWN'] } })).enforce, 'baseline');
  assert.equal(podSecurityFor(restricted, allowOf({ allow: { capabilities: ['NET_ADMIN'] } })).enforce, 'privileged');
  for (const key of ['privileged', 'hostNamespaces', 'hostPath', 'hostPorts'] as const) {
    assert.equal(podSecurityFor(DEFAULT_POD_SECURITY, allowOf({ allow: { [key]: true } })).enforce, 'privileged', key);
  }
  // Never raised: a cluster that enforces nothing keeps enforcing nothing.
  assert.equal(podSecurityFor({ ...DEFAULT_POD_SECURITY, enforce: 'privileged' }, allowOf({})).enforce, 'privileged');
});

test('pod security: ria.yaml podSecurity is read (and a wrong level is a located config error)', () => {
  const ok = loadConfig(new Map([['ria.yaml', 'podSecurity:\n  enforce: restricted\n'], ['apps/shop.yaml', 'repo: https://example.com/shop.git\nallow:\n  hostPath: true\n']]));
  assert.deepEqual(ok.settings.podSecurity, { enforce: 'restricted', warn: 'restricted', audit: 'restricted' });
  const app = ok.apps[0]!;
  assert.equal(appRenderSettings(ok.settings, app.spec, 'ria-system').podSecurity?.enforce, 'privileged');
  const bad = loadConfig(new Map([['ria.yaml', 'podSecurity:\n  enforce: strict\n']]));
  assert.equal(bad.settingsError?.issues[0]?.line, 2);
  assert.equal(bad.settingsError?.issues[0]?.path, 'podSecurity.enforce');
});
