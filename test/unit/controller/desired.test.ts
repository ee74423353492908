import { test } from 'node:test';
import assert from 'node:assert/strict';
import { desiredBranchEnvironments } from '../../../engine/controller/app/desired.js';
import { branchMatches } from '../../../engine/config/load.js';

const spec = (branches: string[]) => ({ repo: 'https://git.example/shop.git', branches, riofile: 'Riofile' });
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

test('odd branch names become distinct DNS-1123 environment names of at most 63 characters', () => {
  const long = `feature/${'x'.repeat(200)}`;
  const refs = new Map([
    ['refs/heads/feature/x', 'a'.repeat(40)], ['refs/heads/feature-x', 'b'.repeat(40)],
    ['refs/heads/Fix_Ünïcode.v2', 'c'.repeat(40)], [`refs/heads/${long}`, 'd'.repeat(40)],
    ['refs/tags/v1', 'e'.repeat(40)], ['refs/pull/3/head', 'f'.repeat(40)],
  ]);
  const envs = desiredBranchEnvironments('shop', spec(['**']), refs);
  assert.equal(envs.length, 4, 'tags and pull refs are not branches');
  const names = envs.map((e) => e.name);
  assert.equal(new Set(names).size, 4, `distinct: ${names.join(', ')}`);
  for (const e of envs) {
    assert.match(e.name, DNS_LABEL);
    assert.ok(e.name.length <= 63, e.name);
    assert.equal(e.spec.namespace, e.name);
  }
  const unicode = envs.find((e) => e.spec.branch === 'Fix_Ünïcode.v2');
  assert.equal(unicode?.spec.target, 'Fix_Ünïcode.v2', 'the branch is kept as written for people');
  assert.equal(unicode?.spec.commit, 'c'.repeat(40));
  assert.ok(envs.find((e) => e.spec.branch === long)?.name.startsWith('shop--feature-xxx'));
});

test('branch globs: * stays within a path segment, ** crosses them, and regex characters are literal', () => {
  assert.equal(branchMatches('release/1.2', ['release/*']), true);
  assert.equal(branchMatches('release/1.2/hotfix', ['release/*']), false);
  assert.equal(branchMatches('release/1.2/hotfix', ['release/**']), true);
  assert.equal(branchMatches('main', ['ma.n']), false);
  assert.equal(branchMatches('ma.n', ['ma.n']), true);
  const envs = desiredBranchEnvironments('shop', spec(['main', 'release/*']), new Map([
    ['refs/heads/main', '1'.repeat(40)], ['refs/heads/release/1', '2'.repeat(40)], ['refs/heads/dev', '3'.repeat(40)],
  ]));
  assert.deepEqual(envs.map((e) => e.spec.target), ['main', 'release/1']);
});
