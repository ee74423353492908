import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endpointHost, environmentNamespace } from '../../../engine/render/names.js';
import { loadConfig, reservedAppName } from '../../../engine/config/load.js';
import type { Environment } from '../../../engine/render/types.js';

const COMMIT = 'a'.repeat(40);
const branch = (app: string, name: string): Environment => ({ app, kind: 'branch', branch: name, commit: COMMIT });
const pr = (app: string, n: number): Environment => ({ app, kind: 'pr', pr: n, commit: COMMIT });

test('a branch never takes a pull request\'s namespace or hostnames (shop + branch pr-1 vs PR #1)', () => {
  const previews = [1, 7, 42, 12345].map((n) => pr('shop', n));
  const branches = ['pr-1', 'PR-1', 'pr_1', 'pr/1', 'Pr-7', 'pr-42', 'pr-12345', 'pr--1'].map((b) => branch('shop', b));
  const prNames = new Set(previews.map((e) => environmentNamespace(e)));
  const prHosts = new Set(previews.map((e) => endpointHost(['web'], e, 'apps.example.com')));
  assert.deepEqual([...prNames], ['shop-pr-1', 'shop-pr-7', 'shop-pr-42', 'shop-pr-12345'], 'previews keep their readable names');
  for (const b of branches) {
    const ns = environmentNamespace(b);
    assert.ok(!prNames.has(ns), `${b.kind === 'branch' ? b.branch : ''} -> ${ns}`);
    assert.ok(!prHosts.has(endpointHost(['web'], b, 'apps.example.com')), ns);
    assert.match(ns, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    assert.ok(ns.length <= 63);
  }
  assert.equal(new Set(branches.map((b) => environmentNamespace(b))).size, branches.length, 'and branches stay distinct from each other');
  assert.equal(environmentNamespace(branch('shop', 'prod-1')), 'shop-prod-1', 'names that merely start with pr are left alone');
});

test('app names that would land on reserved namespaces are refused in the config, located', () => {
  for (const name of ['kube', 'kube-system', 'kube-x', 'default', 'ria', 'ria-system']) assert.ok(reservedAppName(name), name);
  for (const name of ['kubernetes', 'shop', 'riak', 'defaults', 'ria-dashboard']) assert.equal(reservedAppName(name), undefined, name);
  const repo = 'repo: https://git.example/x.git\n';
  const config = loadConfig(new Map([['apps/kube.yaml', repo], ['apps/ria.yaml', repo], ['apps/default.yaml', repo], ['apps/shop.yaml', repo]]));
  assert.deepEqual(config.apps.map((a) => a.name), ['shop']);
  for (const name of ['kube', 'ria', 'default']) {
    const issue = config.appErrors.get(name)?.issues[0];
    assert.deepEqual([issue?.file, issue?.line, issue?.code], [`apps/${name}.yaml`, 1, 'CONFIG_APP_NAME_RESERVED'], name);
    assert.match(issue!.message, /is reserved/);
  }
});
