import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endpointHost, endpointLabel, environmentNamespace, environmentSlug, PART_HASH_LENGTH } from '../../../engine/render/names.js';
import { loadConfig, reservedAppName } from '../../../engine/config/load.js';
import { parseRiofile, RiofileError } from '../../../engine/riofile/index.js';
import type { Environment } from '../../../engine/render/types.js';

const COMMIT = 'a'.repeat(40);
const DOMAIN = 'apps.example.com';
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const branch = (app: string, name: string): Environment => ({ app, kind: 'branch', branch: name, commit: COMMIT });
const pr = (app: string, n: number): Environment => ({ app, kind: 'pr', pr: n, commit: COMMIT });
const host = (service: string, env: Environment) => endpointHost([service], env, DOMAIN);

test('the collisions of issue 11 are gone: a + b-main vs a-b + main, x-a of b vs x of a-b, ria/kube + system', () => {
  assert.equal(environmentNamespace(branch('a', 'b-main')), 'a--b-main');
  assert.equal(environmentNamespace(branch('a-b', 'main')), 'a-b--main');
  assert.equal(host('web', branch('a', 'b-main')), 'web--a--b-main.apps.example.com');
  assert.equal(host('web', branch('a-b', 'main')), 'web--a-b--main.apps.example.com');
  assert.equal(host('x-a', branch('b', 'main')), 'x-a--b--main.apps.example.com');
  assert.equal(host('x', branch('a-b', 'main')), 'x--a-b--main.apps.example.com');
  // Were ria-system and kube-system; the config refuses those app names as well (below).
  assert.equal(environmentNamespace(branch('ria', 'system')), 'ria--system');
  assert.equal(environmentNamespace(branch('kube', 'system')), 'kube--system');
});

test('a branch never takes a pull request\'s namespace or hostnames (shop + branch pr-1 vs PR #1)', () => {
  const previews = [1, 7, 42, 12345].map((n) => pr('shop', n));
  const branches = ['pr-1', 'PR-1', 'pr_1', 'pr/1', 'Pr-7', 'pr-42', 'pr-12345', 'pr--1', 'pr-01'].map((b) => branch('shop', b));
  const prNames = new Set(previews.map((e) => environmentNamespace(e)));
  const prHosts = new Set(previews.map((e) => host('web', e)));
  assert.deepEqual([...prNames], ['shop--pr-1', 'shop--pr-7', 'shop--pr-42', 'shop--pr-12345'], 'previews keep their readable names');
  for (const b of branches) {
    const ns = environmentNamespace(b);
    assert.ok(!prNames.has(ns), `${b.kind === 'branch' ? b.branch : ''} -> ${ns}`);
    assert.ok(!prHosts.has(host('web', b)), ns);
    assert.match(ns, DNS_LABEL);
    assert.ok(ns.length <= 63);
  }
  assert.equal(new Set(branches.map((b) => environmentNamespace(b))).size, branches.length, 'and branches stay distinct from each other');
  assert.equal(environmentNamespace(branch('shop', 'prod-1')), 'shop--prod-1', 'names that merely start with pr are left alone');
  assert.throws(() => environmentSlug(pr('shop', -1)), RangeError, 'a negative number would read pr--1');
  assert.throws(() => environmentSlug(pr('shop', 1.5)), RangeError);
  assert.equal(environmentSlug(pr('shop', 10 ** 15 - 1)), 'pr-999999999999999');
  assert.throws(() => environmentSlug(pr('shop', 10 ** 15)), RangeError, 'pr- and 16 digits would read as a hashed branch part');
});

test('a branch cannot be named after another branch\'s hashed name, and lossy slugs stay apart', () => {
  const hashed = environmentSlug(branch('shop', 'feature/login'));
  assert.match(hashed, new RegExp(`^feature-login-[0-9a-f]{${PART_HASH_LENGTH}}$`));
  // Someone pushes a branch literally named like it: it is hash-shaped, so it is hashed too.
  const forged = branch('shop', hashed);
  assert.notEqual(environmentNamespace(forged), environmentNamespace(branch('shop', 'feature/login')));
  assert.notEqual(host('web', forged), host('web', branch('shop', 'feature/login')));
  const lossy = ['feature/x', 'feature-x', 'feature--x', 'Feature-X', 'feature_x', 'feature.x', 'feature x', 'a--b', 'a-b', 'a---b'];
  const names = lossy.map((b) => environmentNamespace(branch('shop', b)));
  assert.equal(new Set(names).size, lossy.length, names.join(' '));
  assert.ok(names.every((n) => n.split('--').length === 2), `one "--" in each: ${names.join(' ')}`);
});

test('over-long names: every namespace and hostname is at most 63 characters, hashes keep them apart', () => {
  const app40 = 'a'.repeat(40);
  const long = 'feature/' + 'x'.repeat(100);
  const envs = [branch(app40, long), branch(app40, long + 'y'), branch(app40, 'b'.repeat(21)), branch(app40, 'b'.repeat(22)), branch('s', long), branch('s', 'b'.repeat(60)), branch('s', 'b'.repeat(61))];
  const namespaces = envs.map((e) => environmentNamespace(e));
  for (const ns of namespaces) {
    assert.match(ns, DNS_LABEL);
    assert.ok(ns.length <= 63, `${ns}: ${ns.length}`);
  }
  assert.equal(new Set(namespaces).size, envs.length);
  assert.equal(namespaces[2], `${app40}--${'b'.repeat(21)}`, 'a name that fits is kept');
  assert.equal(namespaces[5], `s--${'b'.repeat(60)}`);
  const hosts = envs.flatMap((e) => ['web', 'a'.repeat(63), 'a'.repeat(62)].map((s) => endpointLabel([s], e)));
  for (const h of hosts) {
    assert.match(h, DNS_LABEL);
    assert.ok(h.length <= 63, `${h}: ${h.length}`);
  }
  assert.equal(new Set(hosts).size, hosts.length, hosts.join('\n'));
});

test('property: about 100,000 generated (app, environment, service) triples never share a namespace or a hostname', () => {
  // A fixed linear congruential generator: the same triples on every run. Small alphabets made of
  // the characters that collided (`-`, `/`, `p`, `r`, digits) so that near-misses are common.
  let seed = 11;
  const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  const pick = (alphabet: string, max: number) => Array.from({ length: 1 + next(max) }, () => alphabet[next(alphabet.length)]).join('');
  const apps = new Set<string>();
  while (apps.size < 60) {
    const app = pick('ab-', 6).replace(/^-+|-+$/g, '').replace(/-{2,}/g, '-');
    if (app && !reservedAppName(app)) apps.add(app); // what the config lets through
  }
  apps.add('a'.repeat(40)).add('b'.repeat(39));
  const branches = new Set<string>(['main', 'pr-1', 'pr-2', 'b-main', 'a-b', 'a--b', 'x'.repeat(70)]);
  while (branches.size < 120) branches.add(pick('ab-/pr1_A.', 9));
  const services = new Set<string>(['a', 'b', 'a-b', 'x-a', 'x', 'web']);
  while (services.size < 12) services.add(pick('ab-', 5).replace(/^-+|-+$/g, '').replace(/-{2,}/g, '-') || 'z');
  const envs: Environment[] = [];
  for (const app of apps) {
    for (const b of branches) envs.push(branch(app, b));
    for (const n of [1, 2, 10]) envs.push(pr(app, n));
  }
  const byNamespace = new Map<string, string>();
  const byHost = new Map<string, string>();
  let triples = 0;
  for (const env of envs) {
    const identity = JSON.stringify([env.app, env.kind, env.kind === 'pr' ? env.pr : env.branch]);
    const ns = environmentNamespace(env);
    assert.match(ns, DNS_LABEL, identity);
    assert.ok(ns.length <= 63, ns);
    const before = byNamespace.get(ns);
    assert.ok(before === undefined, `${before} and ${identity} share namespace ${ns}`);
    byNamespace.set(ns, identity);
    for (const service of [env.app, ...services]) {
      const label = endpointLabel([service], env);
      assert.match(label, DNS_LABEL);
      assert.ok(label.length <= 63, label);
      const who = `${identity} service ${service}`;
      const previous = byHost.get(label);
      assert.ok(previous === undefined || previous === who, `${previous} and ${who} share host ${label}`);
      byHost.set(label, who);
      triples++;
    }
  }
  assert.ok(triples >= 90_000, `${triples} triples`);
});

test('app names that would land on reserved namespaces or break the separator are refused in the config, located', () => {
  for (const name of ['kube', 'kube-system', 'kube-x', 'default', 'ria', 'ria-system']) assert.ok(reservedAppName(name), name);
  for (const name of ['kubernetes', 'shop', 'riak', 'defaults', 'ria-dashboard']) assert.equal(reservedAppName(name), undefined, name);
  const repo = 'repo: https://git.example/x.git\n';
  const bad = { 'a--b': /contains "--", which separates the app, environment and service/, [`web-${'0'.repeat(16)}`]: /ends like Ria's hash suffix/, ['x'.repeat(41)]: /longer than 40/, 'Shop': /not a DNS label/ };
  const config = loadConfig(new Map([
    ...['kube', 'ria', 'default', 'shop', 'a-b', ...Object.keys(bad)].map((n) => [`apps/${n}.yaml`, repo] as [string, string]),
  ]));
  assert.deepEqual(config.apps.map((a) => a.name), ['a-b', 'shop']);
  for (const name of ['kube', 'ria', 'default']) {
    const issue = config.appErrors.get(name)?.issues[0];
    assert.deepEqual([issue?.file, issue?.line, issue?.code], [`apps/${name}.yaml`, 1, 'CONFIG_APP_NAME_RESERVED'], name);
    assert.match(issue!.message, /is reserved/);
  }
  for (const [name, why] of Object.entries(bad)) {
    const issue = config.appErrors.get(name)?.issues[0];
    assert.deepEqual([issue?.file, issue?.line, issue?.code], [`apps/${name}.yaml`, 1, 'CONFIG_APP_NAME_INVALID'], name);
    assert.match(issue!.message, why, name);
    assert.match(issue!.message, /<app>--<env>/, 'the message names the rule');
  }
});

test('Riofile service, app, version and router names with "--" are refused, located at their line', () => {
  const source = 'services:\n  a--b:\n    image: nginx\n  web:\n    image: nginx\n    app: x--y\n    version: v--1\nrouters:\n  r--s:\n    routes: []\n';
  let error: unknown;
  try { parseRiofile(source, { file: 'Riofile' }); } catch (err) { error = err; }
  assert.ok(error instanceof RiofileError, String(error));
  assert.deepEqual(error.issues.map((i) => [i.line, i.path]), [[2, 'services.a--b'], [6, 'services.web.app'], [7, 'services.web.version'], [9, 'routers.r--s']]);
  for (const issue of error.issues) assert.match(`${issue.message} ${issue.expected}`, /"--" is refused: it separates service, app and environment in hostnames/);
  assert.doesNotThrow(() => parseRiofile('services:\n  a-b:\n    image: nginx\n    app: x-y\n    version: v-1\n', { file: 'Riofile' }), 'single "-" is fine');
});
