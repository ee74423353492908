import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authorizeDelivery, candidateSecrets, MAX_SECRETS_TRIED, repoUrlsIn, secretsForUrls } from '../../../engine/github/webhook-secrets.js';
import { createWebhookSecretStore, toWebhookSecrets } from '../../../engine/github/webhook-secret-store.js';
import { normalizeRepoUrl } from '../../../engine/github/repo.js';
import { parseSignature, declaredTooLarge } from '../../../engine/github/webhook-body.js';

const app = (repo: string, webhookSecret?: string) => ({ spec: { repo, branches: ['main'], riofile: 'Riofile', ...(webhookSecret ? { webhookSecret } : {}) } });
const push = (cloneUrl: string) => ({ ref: 'refs/heads/main', repository: { clone_url: cloneUrl } });

test('repository URLs match whatever their scheme, credentials, case or .git suffix', () => {
  const key = normalizeRepoUrl('https://github.com/acme/shop');
  for (const url of ['https://github.com/acme/shop.git', 'http://github.com/Acme/Shop', 'https://x-access-token:t@github.com/acme/shop.git/', 'https://github.com/acme/shop/']) {
    assert.equal(normalizeRepoUrl(url), key, url);
  }
  assert.notEqual(normalizeRepoUrl('https://github.com/acme/shop2'), key);
});

test('per-repository secrets from Apps: own secrets, shared for the rest, unreadable Secret refuses', () => {
  // Setup
  const secrets = toWebhookSecrets([
    app('https://github.com/acme/shop.git', 'shop-hook'), app('https://github.com/acme/shop', 'shop-hook'),
    app('https://github.com/acme/blog', 'blog-hook'), app('https://github.com/acme/plain'),
  ], new Map([['shop-hook', 'S1'], ['blog-hook', undefined]]), 'SHARED');

  // Test
  assert.deepEqual([...secrets.repos], [['https://github.com/acme/shop', ['S1']], ['https://github.com/acme/blog', []]]);
  assert.deepEqual(candidateSecrets(secrets).sort(), ['S1', 'SHARED']);
  assert.deepEqual(authorizeDelivery(secrets, ['S1'], push('https://github.com/acme/shop.git')), { ok: true });
  assert.equal(authorizeDelivery(secrets, ['SHARED'], push('https://github.com/acme/shop.git')).ok, false, 'shared secret does not sign for shop');
  assert.deepEqual(authorizeDelivery(secrets, ['SHARED'], push('https://github.com/acme/plain.git')), { ok: true });
  assert.equal(authorizeDelivery(secrets, ['S1'], push('https://github.com/acme/plain.git')).ok, false, 'shop\'s secret does not sign for plain');
  const blog = authorizeDelivery(secrets, ['SHARED'], push('https://github.com/acme/blog.git'));
  assert.deepEqual(blog, { ok: false, reason: 'this repository\'s webhook Secret could not be read' });
  assert.equal(authorizeDelivery(secrets, ['S1'], { zen: 'no repository' }).ok, false);
  assert.deepEqual(authorizeDelivery(secrets, ['SHARED'], { zen: 'no repository' }), { ok: true });
  assert.equal(authorizeDelivery({ repos: new Map() }, [], push('https://github.com/acme/plain.git')).ok, false, 'no secret at all');
});

test('the store reads Apps and Secrets once per TTL, keeps the last good answer when listing fails, and fails with none', async () => {
  // Setup
  let now = 0;
  let lists = 0;
  let failing = false;
  const errors: string[] = [];
  const objects = {
    list: async () => { lists++; if (failing) throw new Error('apiserver down'); return [app('https://github.com/acme/shop', 'shop-hook'), app('https://github.com/acme/x', 'gone')] as never[]; },
    get: async (ref: { name: string }) => (ref.name === 'shop-hook' ? { data: { secret: Buffer.from('S1').toString('base64') } } : undefined) as never,
  };
  const lookup = createWebhookSecretStore({ objects, namespace: 'ria-system', shared: 'SHARED', ttlMs: 1_000, now: () => now, onError: (e) => errors.push(e.message) });

  // Test
  const [a, b] = await Promise.all([lookup(), lookup()]);
  assert.equal(lists, 1, 'concurrent lookups share one read');
  assert.equal(a, b);
  assert.deepEqual([...a.repos], [['https://github.com/acme/shop', ['S1']], ['https://github.com/acme/x', []]]);
  assert.match(errors.join(), /ria-system\/gone is missing/);
  await lookup();
  assert.equal(lists, 1, 'cached within the TTL');
  now = 2_000;
  failing = true;
  assert.equal(await lookup(), a, 'the last good answer while the API server fails');
  assert.equal(lists, 2);
  await lookup();
  assert.equal(lists, 2, 'after a failure, the last answer is used until retryMs (5 s) passed');
  now = 7_500;
  await lookup();
  assert.equal(lists, 3);
  const fresh = createWebhookSecretStore({ objects, namespace: 'ria-system', now: () => now });
  await assert.rejects(fresh(), /apiserver down/);
  await assert.rejects(fresh(), /apiserver down/);
  assert.equal(lists, 4, 'a failure with nothing to fall back on is not retried at once either');
  now = 20_000;
  failing = false;
  assert.equal((await fresh()).repos.size, 2, 'and is retried after retryMs');
});

test('signature header and Content-Length checks, from the headers alone', () => {
  assert.equal(parseSignature(`sha256=${'ab'.repeat(32)}`)?.length, 32);
  assert.equal(parseSignature(`SHA256=${'AB'.repeat(32)}`)?.length, 32);
  for (const bad of [undefined, '', 'sha256=', `sha1=${'a'.repeat(40)}`, `sha256=${'a'.repeat(63)}`, `sha256=${'a'.repeat(65)}`, `sha256=${'g'.repeat(64)}`]) {
    assert.equal(parseSignature(bad), undefined, String(bad));
  }
  const req = (cl?: string) => ({ headers: cl === undefined ? {} : { 'content-length': cl } });
  assert.equal(declaredTooLarge(req(), 10), false, 'chunked: checked while streaming');
  assert.equal(declaredTooLarge(req('10'), 10), false);
  assert.equal(declaredTooLarge(req('11'), 10), true);
  assert.equal(declaredTooLarge(req('1e9'), 10), true);
  assert.equal(declaredTooLarge(req('abc'), 10), true);
});

test('the secrets tried come from the repository URLs the body names, found by a linear scan without parsing (review: parse only after a match)', () => {
  const repos = new Map<string, string[]>(Array.from({ length: 200 }, (_, i) => [`https://github.com/acme/r${i}`, [`S${i}`]]));
  const secrets = { shared: 'SHARED', repos };
  const pr = JSON.stringify({ action: 'opened', pull_request: { head: { repo: { clone_url: 'https://github.com/evil/fork.git' } }, base: { repo: { clone_url: 'https://github.com/acme/r7.git' } } }, repository: { clone_url: 'https://github.com/acme/r7.git' } });
  assert.deepEqual(repoUrlsIn(pr), ['https://github.com/evil/fork.git', 'https://github.com/acme/r7.git']);
  assert.deepEqual(secretsForUrls(secrets, repoUrlsIn(pr)), ['S7', 'SHARED'], 'r7\'s own; the fork has none, so the shared one (authorizeDelivery then judges the real repository)');
  assert.deepEqual(secretsForUrls(secrets, []), ['SHARED']);
  assert.deepEqual(secretsForUrls(secrets, Array.from({ length: 20 }, (_, i) => `https://github.com/acme/r${i}`)).length, MAX_SECRETS_TRIED);
  // Hostile bodies cost a scan, not a parse: 4 MiB of nesting is not parsed before a signature matched.
  assert.deepEqual(repoUrlsIn('['.repeat(4 * 1024 * 1024)), []);
  assert.equal(repoUrlsIn(Array.from({ length: 100 }, (_, i) => `"clone_url":"u${i}"`).join(',')).length, 8);
});
