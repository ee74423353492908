import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitFiles, createRepo } from '../../../engine/dev/git-fixtures.js';
import { configRoot, readConfigFiles } from '../../../engine/controller/config/files.js';

test('configRoot: ".", "./", "" and "/" are the repository root; other paths lose "./" and slashes and never climb out', () => {
  for (const root of ['', '.', './', '/']) assert.equal(configRoot(root), '', JSON.stringify(root));
  assert.equal(configRoot('./clusters/eu/'), 'clusters/eu');
  assert.equal(configRoot('../x'), 'x');
});

test('the config is read at the root when the path is "." (ria install\'s default) as when it is empty', async () => {
  // Setup
  const root = await mkdtemp(join(tmpdir(), 'ria-config-files-'));
  try {
    await createRepo({ root }, 'config');
    const sha = await commitFiles({ root }, 'config', 'main', { 'ria.yaml': 'domain: a.test\n', 'apps/web.yaml': 'repo: x\n' }, 'config');

    // Test
    for (const path of ['', '.', './']) {
      const files = await readConfigFiles(fs, join(root, 'config.git'), sha, path);
      assert.deepEqual([...files.keys()].sort(), ['apps/web.yaml', 'ria.yaml'], `path ${JSON.stringify(path)}`);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
