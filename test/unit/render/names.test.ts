import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dnsLabel, endpointHost, environmentNamespace, environmentSlug, labelValue, serviceName, shorten, slug } from '../../../engine/render/names.js';
import type { Environment } from '../../../engine/render/types.js';
import { COMMIT } from './model.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const branch = (b: string, app = 'shop'): Environment => ({ app, kind: 'branch', branch: b, commit: COMMIT });

test('simple branch names are kept as they are', () => {
  assert.equal(environmentSlug(branch('main')), 'main');
  assert.equal(environmentNamespace(branch('main')), 'shop--main');
  assert.equal(environmentNamespace(branch('release-2')), 'shop--release-2');
  assert.equal(environmentNamespace({ app: 'shop', kind: 'pr', pr: 7, commit: COMMIT }), 'shop--pr-7');
});

test('odd branch names give valid, distinct namespaces', () => {
  const names = ['feature/login', 'feature-login', 'Feature/Login', 'fix_bug.2', 'café/naïve', '日本語', 'a/b/c/d', '--x--', 'x'.repeat(200), 'x'.repeat(199) + 'y', '🚀'];
  const namespaces = names.map((b) => environmentNamespace(branch(b)));
  for (const [i, ns] of namespaces.entries()) {
    assert.match(ns, DNS_LABEL, `${names[i]} -> ${ns}`);
    assert.ok(ns.length <= 63, `${ns} is ${ns.length} characters`);
  }
  assert.equal(new Set(namespaces).size, names.length, `collision among ${namespaces.join(', ')}`);
});

test('slugging is lossy, so a lossy slug carries a hash of the original', () => {
  assert.equal(slug('feature/login'), 'feature-login');
  assert.notEqual(environmentSlug(branch('feature/login')), environmentSlug(branch('feature-login')));
  assert.match(environmentSlug(branch('feature/login')), /^feature-login-[0-9a-f]{16}$/);
  assert.match(environmentSlug(branch('café')), /^cafe-[0-9a-f]{16}$/, 'diacritics are folded, not dropped');
  assert.match(environmentSlug(branch('a--b')), /^a-b-[0-9a-f]{16}$/, 'runs of "-" collapse, and the change is hashed');
  assert.match(dnsLabel('日本語'), /^x-[0-9a-f]{8}$/, 'nothing left after slugging still gives a name');
});

test('a 200-character branch is shortened with a stable hash', () => {
  const env = branch('feature/' + 'very-long-name-'.repeat(13));
  const ns = environmentNamespace(env);
  assert.ok(ns.length <= 63);
  assert.equal(environmentNamespace(env), ns, 'stable');
  assert.match(ns, /^shop--feature-very-long-name-[-a-z]*-[0-9a-f]{16}$/);
});

test('shorten keeps short names and cuts long ones at a hyphen-free boundary', () => {
  assert.equal(shorten('abc'), 'abc');
  const long = shorten('a'.repeat(60) + '-' + 'b'.repeat(10));
  assert.equal(long.length <= 63, true);
  assert.match(long, DNS_LABEL);
  assert.notEqual(shorten('a'.repeat(70)), shorten('a'.repeat(71)));
});

test('Service names never start with a digit (DNS-1035)', () => {
  assert.equal(serviceName('web'), 'web');
  assert.match(serviceName('3d-viewer'), /^[a-z]/);
  assert.match(serviceName('3d-viewer'), DNS_LABEL);
});

test('an endpoint hostname is one DNS label under the domain, at most 63 characters', () => {
  assert.equal(endpointHost(['api'], branch('main'), 'apps.example.com'), 'api--shop--main.apps.example.com');
  assert.equal(endpointHost(['api', 'v2'], branch('main'), 'apps.example.com'), 'api-v2--shop--main.apps.example.com', 'version and port parts join the service with "-"');
  assert.equal(endpointHost(['shop'], branch('main'), 'apps.example.com'), 'shop--main.apps.example.com', 'a service named like the app: <app>--<env>');
  const long = endpointHost(['a-really-long-service-name-for-testing'], branch('feature/' + 'z'.repeat(150), 'an-application-with-a-long-name'), 'apps.example.com');
  const [label, ...rest] = long.split('.');
  assert.equal(rest.join('.'), 'apps.example.com');
  assert.match(label!, DNS_LABEL);
  assert.ok(label!.length <= 63, `${label} is ${label!.length}`);
  assert.ok(!label!.includes('--'), `a shortened label has no "--", so it never equals a full one: ${label}`);
  assert.match(label!, /^a-really-long-service-name-for-testing-an-appl-[0-9a-f]{16}$/);
});

test('label values are valid: kept when valid, otherwise slugged with a hash', () => {
  assert.equal(labelValue('v1.2_rc'), 'v1.2_rc');
  assert.equal(labelValue(''), '');
  for (const raw of ['feature/x', 'x'.repeat(64), 'é', '-a-']) {
    const v = labelValue(raw);
    assert.match(v, LABEL_VALUE, raw);
    assert.ok(v.length <= 63);
  }
  assert.notEqual(labelValue('x'.repeat(64)), labelValue('x'.repeat(65)));
});

test('1,000 generated branch names: every namespace and hostname valid, no two alike', () => {
  // A fixed linear congruential generator: the same names on every run.
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  const alphabet = ['a', 'Z', '0', '9', '/', '_', '.', '-', ' ', 'é', 'ß', '日', '🚀', '#', '@'];
  const seen = new Map<string, string>();
  for (let i = 0; i < 1000; i++) {
    const length = 1 + (next() % 220);
    const branch = Array.from({ length }, () => alphabet[next() % alphabet.length]).join('');
    const env = branch_(branch);
    const ns = environmentNamespace(env);
    const host = endpointHost(['web'], env, 'apps.example.com').split('.')[0]!;
    for (const name of [ns, host]) {
      assert.match(name, DNS_LABEL, JSON.stringify(branch));
      assert.ok(name.length <= 63);
    }
    const previous = seen.get(ns);
    assert.ok(previous === undefined || previous === branch, `${JSON.stringify(previous)} and ${JSON.stringify(branch)} share ${ns}`);
    seen.set(ns, branch);
  }
});

function branch_(b: string): Environment {
  return { app: 'shop', kind: 'branch', branch: b, commit: COMMIT };
}
