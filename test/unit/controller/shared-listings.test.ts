import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SharedListings } from '../../../engine/controller/app/shared-listings.js';
import type { Credentials, RemoteRefs } from '../../../engine/git/index.js';
import { cachedCredentials } from '../../../engine/controller/credentials.js';

test('shared listings: one request per repository and credentials within the TTL; failures and invalidated entries are not reused', async () => {
  let now = 0;
  const calls: string[] = [];
  let fail = false;
  const listings = new SharedListings(async (url: string, auth: Credentials | undefined) => {
    calls.push(`${url} ${auth?.username ?? '-'}`);
    if (fail) throw new Error('unreachable');
    return { refs: new Map([['refs/heads/main', 'a'.repeat(40)]]) } as RemoteRefs;
  }, () => 5_000, () => now);
  const mono = 'https://git.example.com/acme/mono.git';
  // Ten apps of one monorepo in one poll round, concurrently: one listing.
  await Promise.all(Array.from({ length: 10 }, () => listings.get(mono, undefined)));
  assert.deepEqual(calls, [`${mono} -`]);
  // Another token is another listing (an app never sees what someone else's token can see).
  await listings.get(mono, { username: 'bot', password: 's3cret' });
  assert.equal(calls.length, 2);
  // The next round lists again.
  now += 5_000;
  await listings.get(mono, undefined);
  assert.equal(calls.length, 3);
  // A webhook said it changed: listed again at once.
  listings.invalidate(mono);
  await listings.get(mono, undefined);
  assert.equal(calls.length, 4);
  // A failure is shared by those waiting on it, and not kept.
  listings.invalidate(mono);
  fail = true;
  const results = await Promise.allSettled([listings.get(mono, undefined), listings.get(mono, undefined)]);
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
  assert.equal(calls.length, 5);
  fail = false;
  await listings.get(mono, undefined);
  assert.equal(calls.length, 6);
});

test('clone Secrets are read once per TTL each; a missing one is read again at the next attempt', async () => {
  let now = 0;
  let exists = false;
  const reads: string[] = [];
  const credentials = cachedCredentials(async (name) => {
    reads.push(name!);
    if (!exists) throw new Error(`clone Secret ${name} does not exist`);
    return { username: 'x-access-token', password: 't' };
  }, 10_000, () => now);
  assert.equal(await credentials(undefined), undefined);
  await assert.rejects(credentials('shop-git'));
  exists = true;
  assert.deepEqual(await credentials('shop-git'), { username: 'x-access-token', password: 't' }, 'created since: read again');
  await Promise.all([credentials('shop-git'), credentials('shop-git')]);
  assert.deepEqual(reads, ['shop-git', 'shop-git']);
  now += 10_000;
  await credentials('shop-git');
  assert.equal(reads.length, 3, 'a rotated token is picked up after the TTL');
});
