import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decidePreview, previewConfig, SkipReason } from '../../../engine/github/preview-policy.js';
import type { PullRequest } from '../../../engine/github/pull-request.js';

const DAY = 86_400_000;
const pr = (over: Partial<PullRequest> = {}): PullRequest => ({ number: 3, state: 'open', headSha: 'a'.repeat(40), headRef: 'f', draft: false, labels: [], fork: false, updatedAt: '2026-01-01T00:00:00Z', ...over });
const config = (previews: Record<string, unknown>) => previewConfig({ previews: { enabled: true, ...previews } });

test('config defaults: forks and drafts off, no labels, no TTL, no preview secrets', () => {
  assert.deepEqual(previewConfig({}), { enabled: false, forks: false, drafts: false, labels: [], secretsFrom: [] });
  assert.deepEqual(previewConfig({ previews: { secretsFrom: ['a', 3] } }).secretsFrom, ['a']);
  assert.equal(config({ ttl: '7d' }).ttlMs, 7 * DAY);
});

test('a PR from the same repository is built', () => {
  assert.deepEqual(decidePreview(pr(), config({}), 0, 0), { build: true });
});

test('forks: not built unless the app opts in or a maintainer adds the label (case-insensitive)', () => {
  const skipped = decidePreview(pr({ fork: true }), config({ forkLabel: 'safe-to-preview' }), 0, 0);
  assert.equal(skipped.build, false);
  if (!skipped.build) {
    assert.equal(skipped.reason, SkipReason.Fork);
    assert.match(skipped.description, /"safe-to-preview"/);
    assert.ok(skipped.description.length <= 140);
  }
  assert.equal(decidePreview(pr({ fork: true }), config({}), 0, 0).build, false);
  const head = pr({ fork: true, labels: ['Safe-To-Preview'] }).headSha;
  assert.equal(decidePreview(pr({ fork: true, labels: ['Safe-To-Preview'] }), config({ forkLabel: 'safe-to-preview' }), 0, 0, new Map([['safe-to-preview', head]])).build, true);
  // A label whose addition Ria did not see (restart, failover) vouches for nothing.
  const unknown = decidePreview(pr({ fork: true, labels: ['Safe-To-Preview'] }), config({ forkLabel: 'safe-to-preview' }), 0, 0);
  assert.equal(unknown.build, false);
  assert.match(!unknown.build ? unknown.description : '', /has not seen "safe-to-preview" added at this commit/);
  assert.ok(!unknown.build && unknown.description.length <= 140);
  assert.equal(decidePreview(pr({ fork: true }), config({ forks: true }), 0, 0).build, true);
  // The fork label is not a way around a fork check when none is configured.
  assert.equal(decidePreview(pr({ fork: true, labels: ['safe-to-preview'] }), config({}), 0, 0).build, false);
});

test('drafts follow previews.drafts', () => {
  const d = decidePreview(pr({ draft: true }), config({}), 0, 0);
  assert.equal(!d.build && d.reason, SkipReason.Draft);
  assert.equal(decidePreview(pr({ draft: true }), config({ drafts: true }), 0, 0).build, true);
});

test('required labels: all must be present', () => {
  const d = decidePreview(pr({ labels: ['preview'] }), config({ labels: ['preview', 'qa'] }), 0, 0);
  assert.equal(!d.build && d.description, 'preview not built: needs the label "qa"');
  const none = decidePreview(pr(), config({ labels: ['preview', 'qa'] }), 0, 0);
  assert.equal(!none.build && none.description, 'preview not built: needs the labels "preview", "qa"');
  assert.equal(decidePreview(pr({ labels: ['qa', 'preview'] }), config({ labels: ['preview', 'qa'] }), 0, 0).build, true);
});

test('TTL: a head older than the TTL is removed; a new commit brings it back', () => {
  const now = 10 * DAY;
  const stale = decidePreview(pr(), config({ ttl: '7d' }), now - 8 * DAY, now);
  assert.equal(!stale.build && stale.reason, SkipReason.Stale);
  assert.match(!stale.build ? stale.description : '', /no new commit for 7d/);
  assert.equal(decidePreview(pr(), config({ ttl: '7d' }), now - 6 * DAY, now).build, true);
});

test('a fork label vouches for the commit it was added on, not for later pushes', () => {
  const cfg = config({ forkLabel: 'safe-to-preview' });
  const head = 'a'.repeat(40);
  const labelled = pr({ fork: true, labels: ['safe-to-preview'], headSha: head });
  assert.equal(decidePreview(labelled, cfg, 0, 0, new Map([['safe-to-preview', head]])).build, true);
  const pushed = decidePreview({ ...labelled, headSha: 'b'.repeat(40) }, cfg, 0, 0, new Map([['safe-to-preview', head]]));
  assert.equal(pushed.build, false);
  assert.match(!pushed.build ? pushed.description : '', /new commits on a fork since "safe-to-preview" was added/);
  // Not a fork: labels vouch for nothing and are not needed.
  assert.equal(decidePreview({ ...labelled, fork: false, headSha: 'b'.repeat(40) }, cfg, 0, 0, new Map([['safe-to-preview', head]])).build, true);
});
