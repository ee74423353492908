import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Advertisements, isV1Advert } from '../../../engine/git/advertisements.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const advert = (refs: Record<string, string>) => ({ body: Buffer.from('advert'), refs: new Map(Object.entries(refs)) });

test('an advertisement answers a fetch of a ref it lists at the wanted SHA, within its time, with the same credentials', () => {
  let now = 0;
  const adverts = new Advertisements(60_000, 8, () => now);
  const auth = { username: 'bot', password: 'token' };
  adverts.keep('https://git.example/app.git', auth, advert({ 'refs/heads/main': A }));
  assert.ok(adverts.take('https://git.example/app.git', auth, 'refs/heads/main', A));
  assert.ok(adverts.take('https://git.example/app.git', auth, 'refs/heads/main', A), 'more than once (two environments of one listing)');
  assert.equal(adverts.take('https://git.example/app.git', auth, 'refs/heads/main', B), undefined, 'another SHA: ask the server');
  assert.equal(adverts.take('https://git.example/app.git', auth, 'refs/heads/main', undefined), undefined, 'no SHA (a webhook\'s fetch): ask');
  assert.equal(adverts.take('https://git.example/app.git', auth, 'refs/heads/other', A), undefined, 'a ref it does not list');
  assert.equal(adverts.take('https://git.example/app.git', undefined, 'refs/heads/main', A), undefined, 'other credentials');
  assert.equal(adverts.take('https://git.example/app.git', { ...auth, password: 'x' }, 'refs/heads/main', A), undefined, 'other credentials');
  now = 60_000;
  assert.equal(adverts.take('https://git.example/app.git', auth, 'refs/heads/main', A), undefined, 'too old');
  assert.equal(adverts.size, 0);
});

test('dropped after a failed fetch; at most `max` kept, the oldest go first', () => {
  let now = 0;
  const adverts = new Advertisements(60_000, 2, () => now);
  adverts.keep('u1', undefined, advert({ 'refs/heads/main': A }));
  adverts.drop('u1', undefined);
  assert.equal(adverts.take('u1', undefined, 'refs/heads/main', A), undefined);
  for (const u of ['u1', 'u2', 'u3']) { now++; adverts.keep(u, undefined, advert({ 'refs/heads/main': A })); }
  assert.equal(adverts.size, 2);
  assert.equal(adverts.take('u1', undefined, 'refs/heads/main', A), undefined);
  assert.ok(adverts.take('u3', undefined, 'refs/heads/main', A));
});

test('an advertisement larger than maxBodyBytes is not kept (held memory stays bounded whatever the listing limit)', () => {
  const adverts = new Advertisements(60_000, 8, () => 0, 10);
  adverts.keep('u1', undefined, { body: Buffer.alloc(11), refs: new Map([['refs/heads/main', A]]) });
  assert.equal(adverts.size, 0);
  assert.equal(adverts.take('u1', undefined, 'refs/heads/main', A), undefined, 'the fetch asks the server');
  adverts.keep('u1', undefined, { body: Buffer.alloc(10), refs: new Map([['refs/heads/main', A]]) });
  assert.ok(adverts.take('u1', undefined, 'refs/heads/main', A));
});

test('a v0/v1 ref advertisement is told from protocol v2\'s capabilities', () => {
  assert.equal(isV1Advert(Buffer.from(`001e# service=git-upload-pack\n0000${'0'.repeat(4)}`)), true);
  assert.equal(isV1Advert(Buffer.from('001e# service=git-upload-pack\n0000000eversion 2\n0000')), false);
  assert.equal(isV1Advert(Buffer.from('000eversion 2\n0000')), false);
});
