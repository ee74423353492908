import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ObjectCaches, packBytesOnDisk } from '../../../engine/git/object-cache.js';
import { tempDir } from '../../support/temp-dir.js';

const MiB = 2 ** 20;

test('object caches: past the byte cap the least recently used directories are forgotten, never the one in use', () => {
  // Setup: pack bytes per directory, as a fetch changes them.
  const sizes = new Map([['/a', 30 * MiB], ['/b', 30 * MiB], ['/c', 10 * MiB], ['/huge', 200 * MiB]]);
  const caches = new ObjectCaches(64, 64 * MiB, (dir) => sizes.get(dir) ?? 0);
  // Test
  const a = caches.for('/a');
  const b = caches.for('/b');
  assert.deepEqual(caches.size, { directories: 2, bytes: 60 * MiB });
  caches.for('/a'); // /a is now the most recent
  caches.for('/c'); // 70 MiB: /b, the least recent, goes
  assert.deepEqual(caches.size, { directories: 2, bytes: 40 * MiB });
  assert.equal(caches.for('/a'), a);
  assert.notEqual(caches.for('/b'), b, '/b was forgotten: a new cache object');
  // A repository larger than the cap is held alone while it is in use.
  const huge = caches.for('/huge');
  assert.deepEqual(caches.size, { directories: 1, bytes: 200 * MiB });
  assert.equal(caches.for('/huge'), huge);
  caches.for('/c');
  assert.deepEqual(caches.size, { directories: 1, bytes: 10 * MiB });
});

test('object caches: a fetch that grew a directory counts at once (resized), and a dropped one counts no more', () => {
  const sizes = new Map([['/a', 10 * MiB], ['/b', 10 * MiB]]);
  const caches = new ObjectCaches(64, 64 * MiB, (dir) => sizes.get(dir) ?? 0);
  caches.for('/a');
  caches.for('/b');
  sizes.set('/b', 60 * MiB);
  caches.resized('/b');
  assert.deepEqual(caches.size, { directories: 1, bytes: 60 * MiB }, '/a went to make room');
  caches.drop('/b');
  assert.deepEqual(caches.size, { directories: 0, bytes: 0 });
  caches.resized('/unknown');
  assert.deepEqual(caches.size, { directories: 0, bytes: 0 });
});

test('packBytesOnDisk: the sum of the .pack files (not the indexes) of a cache directory; 0 without any', () => {
  const dir = tempDir('ria-object-cache-');
  assert.equal(packBytesOnDisk(dir), 0);
  mkdirSync(join(dir, 'objects', 'pack'), { recursive: true });
  writeFileSync(join(dir, 'objects', 'pack', 'pack-1.pack'), Buffer.alloc(1000));
  writeFileSync(join(dir, 'objects', 'pack', 'pack-1.idx'), Buffer.alloc(300));
  writeFileSync(join(dir, 'objects', 'pack', 'pack-2.pack'), Buffer.alloc(24));
  assert.equal(packBytesOnDisk(dir), 1024);
});
