import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../engine/config/load.js';

// Setup: a config repository whose apps list custom domains.
const files = (apps: Record<string, string[]>, settings = 'domain: apps.example.com\n') => new Map([
  ['ria.yaml', settings],
  ...Object.entries(apps).map(([name, domains]) => [`apps/${name}.yaml`, `repo: https://git.example.com/${name}.git\ndomains: ${JSON.stringify(domains)}\n`] as [string, string]),
]);

test('config: an app\'s custom domains are read into its spec', () => {
  const loaded = loadConfig(files({ shop: ['shop.example.com', 'www.shop.example.com'] }));
  assert.deepEqual(loaded.apps[0]!.spec.domains, ['shop.example.com', 'www.shop.example.com']);
});

test('config: a custom domain belongs to one app; the later file is refused, naming the owner', () => {
  const loaded = loadConfig(files({ blog: ['blog.example.com', 'shared.example.com'], shop: ['shop.example.com', 'shared.example.com'] }));
  assert.deepEqual(loaded.apps.map((a) => a.name), ['blog']);
  const issues = loaded.appErrors.get('shop')!.issues;
  assert.equal(issues.length, 1);
  assert.match(issues[0]!.message, /"shared\.example\.com" is already a domain of app "blog" \(apps\/blog\.yaml\)/);
});

test('config: a custom domain under ria.yaml\'s domain is refused (it could be another environment\'s generated hostname)', () => {
  const loaded = loadConfig(files({ shop: ['web--blog--main.apps.example.com'] }));
  assert.match(loaded.appErrors.get('shop')!.issues[0]!.message, /under ria\.yaml's domain apps\.example\.com/);
});

test('config: a custom domain must be a hostname (the schema)', () => {
  const loaded = loadConfig(files({ shop: ['https://shop.example.com/'] }));
  assert.ok(loaded.appErrors.get('shop'));
});
