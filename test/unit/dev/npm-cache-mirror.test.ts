import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { contentPath, readCacheIndex, startNpmCacheMirror } from '../../../engine/dev/npm-cache-mirror.js';

/** Writes one response into a cacache directory the way npm does: content by integrity, an index line by key. */
async function cacheResponse(dir: string, url: string, body: string, contentType: string): Promise<void> {
  const integrity = `sha512-${createHash('sha512').update(body).digest('base64')}`;
  const file = contentPath(dir, integrity)!;
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, body);
  const key = `make-fetch-happen:request-cache:${url}`;
  const bucket = createHash('sha256').update(key).digest('hex');
  const entry = JSON.stringify({ key, integrity, time: 1, size: body.length, metadata: { url, resHeaders: { 'content-type': contentType } } });
  const index = join(dir, 'index-v5', bucket.slice(0, 2), bucket.slice(2, 4), bucket.slice(4));
  await mkdir(dirname(index), { recursive: true });
  await writeFile(index, `\n${createHash('sha1').update(entry).digest('hex')}\t${entry}`, { flag: 'a' });
}

test('contentPath follows cacache: content-v2/<algo>/<hex[0:2]>/<hex[2:4]>/<rest>', () => {
  const hex = 'ab'.repeat(64);
  const integrity = `sha512-${Buffer.from(hex, 'hex').toString('base64')}`;
  assert.equal(contentPath('/c', integrity), `/c/content-v2/sha512/ab/ab/${hex.slice(4)}`);
  assert.equal(contentPath('/c', 'nonsense'), undefined);
});

test('the mirror serves cached documents and tarballs by path (scoped names encoded or not) and 404s the rest', async () => {
  // Setup
  const dir = await mkdtemp(join(tmpdir(), 'ria-npm-cache-'));
  await cacheResponse(dir, 'https://registry.npmjs.org/yaml', '{"name":"yaml"}', 'application/json');
  await cacheResponse(dir, 'https://registry.npmjs.org/yaml/-/yaml-2.9.1.tgz', 'TARBALL', 'application/octet-stream');
  await cacheResponse(dir, 'https://registry.npmjs.org/@types%2fnode', '{"name":"@types/node"}', 'application/json');
  const mirror = await startNpmCacheMirror({ cacheDir: dir });
  try {
    // Test
    assert.equal((await readCacheIndex(dir)).size, 3);
    const doc = await fetch(`${mirror.url}yaml`);
    assert.equal(doc.status, 200);
    assert.equal(doc.headers.get('content-type'), 'application/json');
    assert.equal(await doc.text(), '{"name":"yaml"}');
    assert.equal(await (await fetch(`${mirror.url}yaml/-/yaml-2.9.1.tgz`)).text(), 'TARBALL');
    assert.equal(await (await fetch(`${mirror.url}@types%2Fnode`)).text(), '{"name":"@types/node"}');
    const miss = await fetch(`${mirror.url}left-pad`);
    assert.equal(miss.status, 404);
    assert.match(await miss.text(), /not in this machine's npm cache/);
    assert.deepEqual(mirror.misses, ['/left-pad']);
  } finally {
    await mirror.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a later index line for the same key wins; a null integrity removes the entry', async () => {
  // Setup
  const dir = await mkdtemp(join(tmpdir(), 'ria-npm-cache-'));
  await cacheResponse(dir, 'https://registry.npmjs.org/a', 'old', 'application/json');
  await cacheResponse(dir, 'https://registry.npmjs.org/a', 'new', 'application/json');
  await cacheResponse(dir, 'https://registry.npmjs.org/b', 'b', 'application/json');
  const key = 'make-fetch-happen:request-cache:https://registry.npmjs.org/b';
  const bucket = createHash('sha256').update(key).digest('hex');
  await writeFile(join(dir, 'index-v5', bucket.slice(0, 2), bucket.slice(2, 4), bucket.slice(4)), `\nx\t${JSON.stringify({ key, integrity: null })}`, { flag: 'a' });

  // Test
  const mirror = await startNpmCacheMirror({ cacheDir: dir });
  try {
    assert.equal(await (await fetch(`${mirror.url}a`)).text(), 'new');
    assert.equal((await fetch(`${mirror.url}b`)).status, 404);
  } finally {
    await mirror.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
