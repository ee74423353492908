import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addHeadSymref } from '../../../engine/git/missing-head.js';
import { toRemoteRefs } from '../../../engine/git/list-refs.js';
import { fullRef } from '../../../engine/git/fetch-commit.js';

const pkt = (s: string) => (s.length + 4).toString(16).padStart(4, '0') + s;
const A = 'a'.repeat(40);

test('addHeadSymref adds symref=HEAD when the advertisement has no HEAD', () => {
  const advert = pkt('# service=git-upload-pack\n') + '0000' + pkt(`${A} refs/heads/develop\0shallow agent=git/2.39\n`) + '0000';
  const out = Buffer.from(addHeadSymref(Buffer.from(advert), 'refs/heads/develop')).toString();
  assert.equal(out, pkt('# service=git-upload-pack\n') + '0000' + pkt(`${A} refs/heads/develop\0shallow agent=git/2.39 symref=HEAD:refs/heads/develop\n`) + '0000');
});

test('addHeadSymref leaves advertisements that name HEAD untouched', () => {
  const withHead = pkt('# service=git-upload-pack\n') + '0000' + pkt(`${A} HEAD\0symref=HEAD:refs/heads/main shallow\n`) + pkt(`${A} refs/heads/main\n`) + '0000';
  assert.equal(Buffer.from(addHeadSymref(Buffer.from(withHead), 'refs/heads/main')).toString(), withHead);
  const garbage = 'zzzz not pkt-lines';
  assert.equal(Buffer.from(addHeadSymref(Buffer.from(garbage), 'refs/heads/main')).toString(), garbage);
});

test('toRemoteRefs filters by prefix and keeps the HEAD target', () => {
  const refs = toRemoteRefs(
    [
      { ref: 'HEAD', oid: A, target: 'refs/heads/main' },
      { ref: 'refs/heads/main', oid: A },
      { ref: 'refs/tags/v1', oid: A },
      { ref: 'refs/pull/1/head', oid: A },
    ],
    ['refs/heads/', 'refs/pull/'],
  );
  assert.deepEqual([...refs.refs.keys()], ['refs/heads/main', 'refs/pull/1/head']);
  assert.equal(refs.headTarget, 'refs/heads/main');
});

test('fullRef: bare names are branches', () => {
  assert.equal(fullRef('main'), 'refs/heads/main');
  assert.equal(fullRef('refs/pull/3/head'), 'refs/pull/3/head');
  assert.equal(fullRef('HEAD'), 'HEAD');
});
