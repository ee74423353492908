import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fastImportStream, seedRepo } from '../../../bench/peers/seed-repo.js';
import { commitFiles } from '../../../engine/dev/git-fixtures.js';
import { tempDir } from '../../support/temp-dir.js';

const git = (dir: string, ...args: string[]) =>
  execFileSync('git', args, { env: { PATH: process.env.PATH, GIT_DIR: dir, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' }, encoding: 'utf8' }).trim();

test('seedRepo: every branch with its files and date, later branches off the first (its files and theirs), HEAD on the first', async () => {
  const root = tempDir('ria-seed-repo-');
  const shas = await seedRepo(root, 'acme/shop', [
    { name: 'main', files: { Riofile: 'services: {}\n', 'apps/ü.yaml': 'name: ünïcode\n' }, message: 'first', date: '2026-01-01T00:00:01Z' },
    { name: 'wip', files: { Riofile: 'services: {}\n', NOTES: 'work in progress\n' }, message: 'wip', date: '2026-01-01T00:00:02Z' },
  ]);
  const dir = join(root, 'acme/shop.git');
  assert.equal(git(dir, 'rev-parse', 'refs/heads/main'), shas.main);
  assert.equal(git(dir, 'rev-parse', 'refs/heads/wip'), shas.wip);
  assert.equal(git(dir, 'symbolic-ref', 'HEAD'), 'refs/heads/main');
  assert.equal(git(dir, 'show', 'main:apps/ü.yaml'), 'name: ünïcode');
  assert.deepEqual(git(dir, 'ls-tree', '--name-only', 'wip').split('\n'), ['NOTES', 'Riofile', 'apps']);
  assert.equal(git(dir, 'rev-parse', 'wip^'), shas.main);
  assert.equal(git(dir, 'log', '-1', '--format=%an <%ae> %at %s', 'main'), 'Ria Fixture <fixture@ria.invalid> 1767225601 first');
  // The fixtures commit on top of a seeded branch as on one they made.
  const next = await commitFiles({ root }, 'acme/shop', 'main', { Riofile: 'services: {a: {image: x}}\n' }, 'round 1');
  assert.equal(git(dir, 'rev-parse', 'main^'), shas.main);
  assert.equal(git(dir, 'rev-parse', 'main'), next);
});

test('fastImportStream: the same input gives the same stream; a bad date is refused', () => {
  const b = [{ name: 'main', files: { a: 'x' }, message: 'm', date: '2026-01-01T00:00:00Z' }];
  assert.equal(fastImportStream(b), fastImportStream(b));
  assert.match(fastImportStream(b), /^commit refs\/heads\/main\nmark :1\n/);
  assert.throws(() => fastImportStream([{ ...b[0]!, date: 'yesterday' }]), RangeError);
});
