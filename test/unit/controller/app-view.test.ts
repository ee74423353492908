/**
 * The engine's view of the App objects (app-view.ts): every source (the watch, the config sync's
 * write answers, the resync's list) feeds it, and a copy is taken only when newer than the one
 * held, by resourceVersion, so an older spec never replaces a newer one (a revoked `allow` put
 * back by a late watch event). And the copy a reconcile may use (usableAppCopy).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppView, compareResourceVersions, type ViewedApp } from '../../../engine/controller/app-view.js';
import { usableAppCopy } from '../../../engine/controller/engine.js';
import { API_VERSION, type Environment } from '../../../engine/crds/types.js';

function app(rv: string, allow: boolean, uid = 'u1', name = 'shop'): ViewedApp {
  return { apiVersion: API_VERSION, kind: 'App', metadata: { name, namespace: 'ria', uid, resourceVersion: rv },
    spec: { repo: 'https://git.example.com/shop.git', branches: ['main'], riofile: 'Riofile', ...(allow ? { allow: { permissions: true } } : {}) } };
}

test('compareResourceVersions: decimal integers compared by length, then value (KEP-5504); anything else is not compared', () => {
  assert.equal(compareResourceVersions('9', '10'), -1);
  assert.equal(compareResourceVersions('100', '99'), 1);
  assert.equal(compareResourceVersions('42', '42'), 0);
  assert.equal(compareResourceVersions('123456789012345678901', '123456789012345678900'), 1, 'past 2^53');
  assert.equal(compareResourceVersions('012', '12'), undefined, 'a leading zero is not the rule');
  assert.equal(compareResourceVersions('abc', '12'), undefined);
  assert.equal(compareResourceVersions(undefined, '12'), undefined);
});

test('AppView: a copy older than the one held is not taken, from whatever source (the config sync wrote v2, the watch then delivers v1)', () => {
  // Setup
  const view = new AppView();
  assert.deepEqual(view.seen(app('10', true)), { taken: true, previous: undefined });
  // Test: the config sync's write answers at 20 (allow revoked); the watch, behind, delivers 15 (a status write before it).
  const written = view.seen(app('20', false));
  assert.equal(written.taken, true);
  assert.equal(view.seen(app('15', true)).taken, false);
  assert.equal(view.get('shop')?.spec.allow, undefined, 'the revocation stays');
  assert.equal(view.seen(app('20', false)).taken, false, 'the watch delivering the write itself changes nothing');
  assert.equal(view.seen(app('21', false)).taken, true, 'a newer one is taken');
  assert.equal(view.trusted, true);
});

test('AppView: the uid does not order copies, the version does: an App recreated under the same name replaces the old one, and the old one\'s late events are refused', () => {
  // Setup
  const view = new AppView();
  view.seen(app('10', true, 'old'));
  // Test: deleted at 12, recreated at 14 (another App, no allow)
  view.removed('shop', '12');
  assert.equal(view.get('shop'), undefined);
  assert.equal(view.seen(app('11', true, 'old')).taken, false, 'a late copy of the deleted App does not bring it back');
  const recreated = view.seen(app('14', false, 'new'));
  assert.deepEqual(recreated, { taken: true, previous: undefined });
  assert.equal(view.seen(app('11', true, 'old')).taken, false);
  assert.equal(view.removed('shop', '12'), undefined, 'a late delete of the old App leaves the new one');
  assert.equal(view.get('shop')?.metadata.uid, 'new');
});

test('AppView: a list removes what it does not hold and is newer than, keeps what was written after it, and refuses copies older than it of Apps it did not hold', () => {
  // Setup
  const view = new AppView();
  view.seen(app('10', false, 'u1', 'shop'));
  view.seen(app('11', false, 'u2', 'blog'));
  view.seen(app('30', false, 'u3', 'wiki')); // written by this process after the list below was served
  // Test
  const { taken, removed } = view.listed([app('10', false, 'u1', 'shop'), app('18', true, 'u4', 'docs')], '20');
  assert.deepEqual(taken.map((t) => t.app.metadata.name), ['docs']);
  assert.deepEqual(removed.map((a) => a.metadata.name), ['blog'], 'blog was deleted by 20; wiki is newer than the list');
  assert.ok(view.get('wiki'));
  assert.equal(view.seen(app('19', false, 'u2', 'blog')).taken, false, 'a late copy older than the list, of an App the list did not have');
  assert.equal(view.seen(app('25', false, 'u5', 'blog')).taken, true, 'one newer than the list is taken');
  assert.equal(view.trusted, true);
});

test('AppView: versions it cannot compare make it untrusted for good, and the latest copy wins (as the old list did)', () => {
  const view = new AppView();
  view.seen({ ...app('10', true), metadata: { ...app('10', true).metadata, resourceVersion: 'abc' } });
  assert.equal(view.trusted, false);
  assert.equal(view.seen(app('5', false)).taken, true);
  assert.equal(view.get('shop')?.spec.allow, undefined);
  view.seen(app('9', true));
  assert.equal(view.trusted, false);
});

test('usableAppCopy: only once trusted, only the Environment\'s own App (by uid), and a copy', () => {
  const viewed = app('10', true, 'u1');
  const env = (uid?: string) => ({ apiVersion: API_VERSION, kind: 'Environment',
    metadata: { name: 'shop--main', namespace: 'ria', ...(uid ? { ownerReferences: [{ apiVersion: API_VERSION, kind: 'App', name: 'shop', uid, controller: true }] } : {}) },
    spec: { app: 'shop', kind: 'branch', target: 'main', commit: 'a'.repeat(40), namespace: 'shop--main' } }) as Environment;
  assert.equal(usableAppCopy(viewed, env('u1'), false), undefined, 'the watch has not listed: read');
  assert.equal(usableAppCopy(undefined, env('u1'), true), undefined, 'not in the view: read');
  assert.equal(usableAppCopy(viewed, env('u0'), true), undefined, 'owned by another App of this name: read');
  const copy = usableAppCopy(viewed, env('u1'), true);
  assert.deepEqual(copy, viewed);
  assert.notEqual(copy, viewed);
  assert.deepEqual(usableAppCopy(viewed, env(), true), viewed, 'no owner recorded: the name decides');
});
