import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ObjectCaches, packBytesOnDisk } from '../../../engine/git/object-cache.js';
import { tempDir } from '../../support/temp-dir.js';

const MiB = 2 ** 20;

/** One read of `dir` that has ended: its cache object. */
function read(caches: ObjectCaches, dir: string): object {
  const use = caches.use(dir);
  use.release();
  return use.cache;
}

test('object caches: past the byte cap the least recently used directories are forgotten, never the most recent', () => {
  // Setup: pack bytes per directory, as a fetch changes them.
  const sizes = new Map([['/a', 30 * MiB], ['/b', 30 * MiB], ['/c', 10 * MiB], ['/huge', 200 * MiB]]);
  const caches = new ObjectCaches(64, 64 * MiB, (dir) => sizes.get(dir) ?? 0);
  // Test
  const a = read(caches, '/a');
  const b = read(caches, '/b');
  assert.deepEqual(caches.size, { directories: 2, bytes: 60 * MiB });
  read(caches, '/a'); // /a is now the most recent
  read(caches, '/c'); // 70 MiB: /b, the least recent, goes
  assert.deepEqual(caches.size, { directories: 2, bytes: 40 * MiB });
  assert.equal(read(caches, '/a'), a);
  assert.notEqual(read(caches, '/b'), b, '/b was forgotten: a new cache object');
  // A repository larger than the cap is held alone while it is the most recent.
  const huge = read(caches, '/huge');
  assert.deepEqual(caches.size, { directories: 1, bytes: 200 * MiB });
  assert.equal(read(caches, '/huge'), huge);
  read(caches, '/c');
  assert.deepEqual(caches.size, { directories: 1, bytes: 10 * MiB });
});

test('object caches: a cache in use is not evicted past the byte cap (its reader goes on filling it); it counts all along and goes at its release', () => {
  // Setup
  const sizes = new Map([['/a', 40 * MiB], ['/b', 40 * MiB], ['/c', 30 * MiB]]);
  const caches = new ObjectCaches(64, 64 * MiB, (dir) => sizes.get(dir) ?? 0);
  // Test
  const reading = caches.use('/a');
  read(caches, '/b');
  assert.deepEqual(caches.size, { directories: 2, bytes: 80 * MiB }, '/a is still read: not evicted, still counted');
  read(caches, '/c');
  assert.deepEqual(caches.size, { directories: 2, bytes: 70 * MiB }, '/b, the least recent not in use, went instead');
  const alsoReading = caches.use('/a');
  assert.equal(alsoReading.cache, reading.cache, 'a second reader of /a shares its cache, no copy beside it');
  alsoReading.release();
  assert.deepEqual(caches.size, { directories: 1, bytes: 40 * MiB }, '/c went to make room for /a, now the most recent');
  read(caches, '/c');
  assert.deepEqual(caches.size, { directories: 2, bytes: 70 * MiB }, '/a is still read by its first reader');
  reading.release();
  assert.deepEqual(caches.size, { directories: 1, bytes: 30 * MiB }, 'at its last release /a goes: the cap holds again');
  reading.release();
  assert.deepEqual(caches.size, { directories: 1, bytes: 30 * MiB }, 'a second release does nothing');
});

test('object caches: a fetch that grew a directory counts at once (resized), and a dropped one counts no more', () => {
  const sizes = new Map([['/a', 10 * MiB], ['/b', 10 * MiB]]);
  const caches = new ObjectCaches(64, 64 * MiB, (dir) => sizes.get(dir) ?? 0);
  read(caches, '/a');
  read(caches, '/b');
  sizes.set('/b', 60 * MiB);
  caches.resized('/b');
  assert.deepEqual(caches.size, { directories: 1, bytes: 60 * MiB }, '/a went to make room');
  caches.drop('/b');
  assert.deepEqual(caches.size, { directories: 0, bytes: 0 });
  caches.resized('/unknown');
  assert.deepEqual(caches.size, { directories: 0, bytes: 0 });
});

test('object caches: a directory dropped while in use (a fetch past its deadline still fills its cache) counts until its release; the next reader gets a new cache', () => {
  const caches = new ObjectCaches(64, 64 * MiB, () => 40 * MiB);
  const abandoned = caches.use('/a');
  caches.drop('/a');
  assert.deepEqual(caches.size, { directories: 0, bytes: 40 * MiB });
  const next = caches.use('/a');
  assert.notEqual(next.cache, abandoned.cache, 'the emptied directory\'s packs are not read from the old cache');
  assert.deepEqual(caches.size, { directories: 1, bytes: 80 * MiB });
  abandoned.release();
  abandoned.release();
  assert.deepEqual(caches.size, { directories: 1, bytes: 40 * MiB });
  next.release();
  assert.deepEqual(caches.size, { directories: 1, bytes: 40 * MiB });
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
