import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { startGitServerProcess } from '../../../engine/dev/git-server-process.js';
import { createRepo } from '../../../engine/dev/git-fixtures.js';
import { eventually } from '../../support/kube.js';
import { tempDir } from '../../support/temp-dir.js';

test('a git server process killed with SIGKILL leaves no root behind: its parent removes the root it made', async () => {
  // Setup
  const git = await startGitServerProcess();
  await createRepo(git, 'app');
  assert.ok(existsSync(git.pathFor('app')));

  // Test: the child cannot clean up after SIGKILL; the parent sees it exit and does.
  process.kill(git.pid!, 'SIGKILL');
  await eventually('the root removed', async () => !existsSync(git.root), 10_000, 20);
  await git.stop(); // after the child is gone: settles at once
});

test('stop() removes the root it made, and never a root it was given', async () => {
  const made = await startGitServerProcess();
  await made.stop();
  assert.equal(existsSync(made.root), false);

  const root = tempDir('ria-git-given-');
  const given = await startGitServerProcess({ root });
  assert.equal(given.root, root);
  process.kill(given.pid!, 'SIGKILL');
  await given.stop();
  assert.equal(existsSync(root), true);
});
