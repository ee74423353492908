import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PullRequestStore } from '../../../engine/github/pull-store.js';
import type { PullRequest } from '../../../engine/github/pull-request.js';

const pr = (n: number, over: Partial<PullRequest> = {}): PullRequest => ({ number: n, state: 'open', headSha: `${n}`.repeat(40).slice(0, 40), headRef: 'f', draft: false, labels: [], fork: false, updatedAt: '2026-01-01T00:00:00Z', ...over });

test('unknown until a list or a webhook; a list replaces what was open', () => {
  let clock = 1000;
  const store = new PullRequestStore(() => clock);
  assert.equal(store.known('a/b'), false);
  store.fromList('a/b', [pr(1), pr(2)], clock, 'W/"1"');
  assert.equal(store.known('a/b'), true);
  assert.equal(store.etag('a/b'), 'W/"1"');
  clock = 2000;
  store.fromList('a/b', [pr(2)], clock);
  assert.deepEqual(store.open('a/b').map((e) => e.pr.number), [2]);
  assert.equal(store.etag('a/b'), undefined);
});

test('a list that left before a webhook does not undo the webhook', () => {
  let clock = 1000;
  const store = new PullRequestStore(() => clock);
  const requestedAt = clock;
  clock = 1500;
  store.fromWebhook('a/b', pr(3)); // opened while the list request was in flight
  store.fromList('a/b', [], requestedAt);
  assert.deepEqual(store.open('a/b').map((e) => e.pr.number), [3]);
  clock = 1600;
  store.fromWebhook('a/b', pr(3, { state: 'closed' }));
  assert.deepEqual(store.open('a/b'), []);
});

test('the head time moves only with the head commit (preview TTL)', () => {
  let clock = Date.parse('2026-02-01T00:00:00Z');
  const store = new PullRequestStore(() => clock);
  store.fromWebhook('a/b', pr(4, { updatedAt: '2026-01-20T00:00:00Z' }));
  assert.equal(store.open('a/b')[0]!.headSince, Date.parse('2026-01-20T00:00:00Z'), 'first sight: GitHub\'s updated_at');
  clock += 1000;
  store.fromWebhook('a/b', pr(4, { labels: ['x'] }));
  assert.equal(store.open('a/b')[0]!.headSince, Date.parse('2026-01-20T00:00:00Z'), 'a label is not a commit');
  store.fromWebhook('a/b', pr(4, { headSha: 'f'.repeat(40) }));
  assert.equal(store.open('a/b')[0]!.headSince, clock);
});

test('labels remember the head they were added on; removing and re-adding vouches for the new head', () => {
  const store = new PullRequestStore(() => 1000);
  const a = 'a'.repeat(40);
  const b = 'b'.repeat(40);
  store.fromWebhook('a/b', pr(5, { headSha: a, labels: [] })); // opened
  store.fromWebhook('a/b', pr(5, { headSha: a, labels: ['Safe'] })); // labeled: seen being added
  assert.equal(store.open('a/b')[0]!.labelHeads.get('safe'), a);
  store.fromWebhook('a/b', pr(5, { headSha: b, labels: ['Safe'] })); // synchronize: the fork pushed
  assert.equal(store.open('a/b')[0]!.labelHeads.get('safe'), a);
  store.fromWebhook('a/b', pr(5, { headSha: b, labels: [] })); // unlabeled
  store.fromWebhook('a/b', pr(5, { headSha: b, labels: ['safe'] })); // labeled again
  assert.equal(store.open('a/b')[0]!.labelHeads.get('safe'), b);
});

test('a label present at first sight (after a restart) vouches for nothing until restored for that very head', () => {
  const store = new PullRequestStore(() => 1000);
  const a = 'a'.repeat(40);
  const b = 'b'.repeat(40);
  store.fromList('a/b', [pr(6, { headSha: a, labels: ['safe'] })], 1000);
  assert.equal(store.open('a/b')[0]!.labelHeads.has('safe'), false, 'unknown: not vouched');
  store.fromList('a/b', [pr(6, { headSha: a, labels: ['safe'] })], 2000);
  assert.equal(store.open('a/b')[0]!.labelHeads.has('safe'), false, 'seeing it again is not seeing it added');
  store.vouch('a/b', 6, 'Safe', b);
  assert.equal(store.open('a/b')[0]!.labelHeads.has('safe'), false, 'a record for another commit restores nothing');
  store.vouch('a/b', 6, 'Safe', a);
  assert.equal(store.open('a/b')[0]!.labelHeads.get('safe'), a);
  store.fromWebhook('a/b', pr(6, { headSha: b, labels: ['safe'] }));
  assert.equal(store.open('a/b')[0]!.labelHeads.get('safe'), a, 'a later push is not vouched');
});
