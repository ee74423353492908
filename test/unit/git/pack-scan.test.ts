/**
 * How far a pack inflates, checked as it streams (engine/git/pack-scan.ts): packs written byte by
 * byte (test/support/packs.ts), fed in small pieces as a server's answer would come, and a real
 * pack of git's own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { InflationTooLargeError, PackFormatError, UploadPackScan, OBJECT_OVERHEAD_BYTES, RESOLVE_CACHE_BYTES } from '../../../engine/git/pack-scan.js';
import { deltaSize, gitId, makePack, uploadPackAnswer } from '../../support/packs.js';
import { tempDir } from '../../support/temp-dir.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Feeds `answer` to a scan in pieces of `piece` bytes; returns the scan, or throws what it threw. */
function scan(answer: Buffer, limit: { maxObjectBytes: number; maxTotalBytes: number }, piece = 1000): UploadPackScan {
  const s = new UploadPackScan(limit);
  for (let i = 0; i < answer.length; i += piece) s.push(answer.subarray(i, i + piece));
  return s;
}

const refused = (what: 'object' | 'inflated', detail: RegExp) => (err: unknown) => {
  assert.ok(err instanceof InflationTooLargeError, String(err));
  assert.equal(err.what, what);
  assert.match(err.detail, detail);
  return true;
};

test('a blob whose header states more than maxObjectBytes is refused before a byte of it is inflated', () => {
  // Setup: 64 MiB of zeros, a pack of 64 KiB.
  const pack = makePack([{ type: 'blob', data: Buffer.alloc(64 * MiB) }]);
  assert.ok(pack.length < 100 * KiB);
  // Test
  let s: UploadPackScan | undefined;
  assert.throws(() => { s = scan(uploadPackAnswer(pack), { maxObjectBytes: 8 * MiB, maxTotalBytes: Infinity }); }, refused('object', /^a blob of 67108864 bytes at offset 12 of the pack$/));
  assert.equal(s, undefined);
});

test('a blob that inflates past the size its header states is refused there, not inflated to its end', () => {
  // Setup: states 100 bytes, inflates to 64 MiB.
  const pack = makePack([{ type: 'blob', data: Buffer.alloc(64 * MiB), statedSize: 100 }]);
  // Test
  const s = new UploadPackScan({ maxObjectBytes: 8 * MiB, maxTotalBytes: Infinity });
  const started = process.hrtime.bigint();
  assert.throws(() => s.push(uploadPackAnswer(pack)), (err) => err instanceof PackFormatError && /inflates past the 100 bytes its header states/.test(err.message));
  assert.ok(s.total < 64 * KiB + OBJECT_OVERHEAD_BYTES, `${s.total} bytes inflated`);
  assert.ok(process.hrtime.bigint() - started < 1_000_000_000n, 'stopped at once');
});

test('the objects of a pack together: refused once their inflated bytes (and 512 bytes an object) pass maxTotalBytes', () => {
  // Setup: ten blobs of 1 MiB each (a pack of a few KiB).
  const blobs = Array.from({ length: 10 }, (_, i) => ({ type: 'blob' as const, data: Buffer.alloc(MiB, i) }));
  const answer = uploadPackAnswer(makePack(blobs));
  // Test
  assert.throws(() => scan(answer, { maxObjectBytes: 2 * MiB, maxTotalBytes: 5 * MiB }), refused('inflated', /^inflating the objects of the pack, at offset \d+: 52\d{5} bytes$/));
  assert.equal(scan(answer, { maxObjectBytes: MiB, maxTotalBytes: 10 * MiB + 10 * OBJECT_OVERHEAD_BYTES }).total, 10 * MiB + 10 * OBJECT_OVERHEAD_BYTES, 'exactly at both bounds: read');
  // A count of objects that alone is over the total, refused from the pack's header.
  const header = Buffer.from('PACK\0\0\0\x02\xff\xff\xff\xff', 'latin1');
  assert.throws(() => scan(uploadPackAnswer(header), { maxObjectBytes: MiB, maxTotalBytes: 32 * MiB }), refused('inflated', /^the pack's 4294967295 objects/));
});

test('a delta is held to what applying it builds: its target and 64 bytes an instruction; a delta against an offset that is no object is refused', () => {
  // Setup: a 64 KiB base; a delta of 2,000 one-byte copies of all of it (128,000 KiB built from
  // 2 KiB of instructions, which deflate to almost nothing), stating a target of 10 bytes.
  const base = { type: 'blob' as const, data: Buffer.alloc(64 * KiB, 1) };
  const copies = Buffer.concat([deltaSize(64 * KiB), deltaSize(10), Buffer.alloc(2000, 0x80)]);
  // Test
  assert.throws(() => scan(uploadPackAnswer(makePack([base, { type: 'ofs-delta', base: 0, data: copies }])), { maxObjectBytes: 8 * MiB, maxTotalBytes: Infinity }),
    refused('object', /^an ofs-delta at offset \d+ of the pack that builds \d+ bytes or more$/));
  // Many empty instructions (an insert of 0 bytes): each costs a view in isomorphic-git.
  const empties = Buffer.concat([deltaSize(64 * KiB), deltaSize(0), Buffer.alloc(200 * KiB, 0)]);
  assert.throws(() => scan(uploadPackAnswer(makePack([base, { type: 'ofs-delta', base: 0, data: empties }])), { maxObjectBytes: 8 * MiB, maxTotalBytes: Infinity }),
    refused('object', /ofs-delta .* builds \d+ bytes or more/));
  // A true delta (copy the base, insert 3 bytes) is read and charged what it builds.
  const copyAll = Buffer.from([0x80 | 0x40, 0x01]); // copy offset 0, size 0x010000 (byte 2 of the size)
  const real = Buffer.concat([deltaSize(64 * KiB), deltaSize(64 * KiB + 3), copyAll, Buffer.from([3]), Buffer.from('end')]);
  const s = scan(uploadPackAnswer(makePack([base, { type: 'ofs-delta', base: 0, data: real }])), { maxObjectBytes: 8 * MiB, maxTotalBytes: Infinity }, 7);
  assert.equal(s.total, 2 * OBJECT_OVERHEAD_BYTES + 64 * KiB + real.length + 64 * KiB + 3 + 2 * 64);
  // A distance into the middle of the base's data (where isomorphic-git would inflate whatever is there).
  assert.throws(() => scan(uploadPackAnswer(makePack([base, { type: 'ofs-delta', base: 0, distance: 5, data: real }])), { maxObjectBytes: 8 * MiB, maxTotalBytes: Infinity }),
    (err) => err instanceof PackFormatError && /a delta against offset \d+, which is no object of the pack/.test(err.message));
});

test('a pack git wrote (commits, trees, blobs, deltas) is read whole in any pieces and charged what it inflates; not pkt-lines is refused; nothing after channel 3 is read', () => {
  // Setup: a repository with similar files over a few commits, packed by git with deltas.
  const dir = tempDir('ria-pack-scan-');
  const git = (...args: string[]) => execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { stdio: 'pipe' });
  git('init', '-q');
  for (let c = 0; c < 3; c++) {
    for (let f = 0; f < 5; f++) writeFileSync(join(dir, `f${f}.txt`), Array.from({ length: 400 }, (_, l) => `line ${l} of file ${f} ${l === c ? 'changed' : ''}\n`).join(''));
    git('add', '.');
    git('commit', '-q', '-m', `c${c}`);
  }
  git('repack', '-a', '-d', '-q');
  const packDir = join(dir, '.git', 'objects', 'pack');
  const pack = readFileSync(join(packDir, readdirSync(packDir).find((n) => n.endsWith('.pack'))!));
  const verify = execFileSync('git', ['-C', dir, 'verify-pack', '-v', join(packDir, readdirSync(packDir).find((n) => n.endsWith('.idx'))!)]).toString();
  const deltas = verify.split('\n').filter((l) => /^[0-9a-f]{40} \w+ +\d+ \d+ \d+ \d+ [0-9a-f]{40}$/.test(l)).length;
  assert.ok(deltas > 0, 'the pack has deltas');
  // Test
  const limit = { maxObjectBytes: MiB, maxTotalBytes: MiB };
  const totals = [1, 3, 1000, 65515].map((piece) => scan(uploadPackAnswer(pack, 500), limit, piece).total);
  assert.ok(totals.every((t) => t === totals[0]), totals.join(', '));
  assert.throws(() => scan(Buffer.concat([Buffer.from('0008NAK\n'), pack]), limit), PackFormatError);
  const fatal = Buffer.concat([Buffer.from('0008NAK\n'), Buffer.from('000a\x03fatal\n'), uploadPackAnswer(makePack([{ type: 'blob', data: Buffer.alloc(64 * MiB) }]))]);
  assert.equal(scan(fatal, limit).total, 0);
});

test('a ref-delta must name a whole object of the pack before it: against an object outside the pack (a thin pack), after it, or a delta, it is refused at its header, nothing of it inflated (review9 F5)', () => {
  // Setup: a 64 KiB base, and a delta of it building one byte (an insert).
  const base = Buffer.alloc(64 * KiB, 1);
  const oneByte = Buffer.concat([deltaSize(64 * KiB), deltaSize(1), Buffer.from([1]), Buffer.from('x')]);
  const limit = { maxObjectBytes: 8 * MiB, maxTotalBytes: 16 * MiB };
  const outside = (err: unknown, at: RegExp) => err instanceof PackFormatError && at.test(err.message)
    && /a delta against [0-9a-f]{40}, which is no whole object \(no delta\) earlier in the pack/.test(err.message);
  // Test: against a blob of the pack before it, read and charged.
  const within = scan(uploadPackAnswer(makePack([{ type: 'blob', data: base }, { type: 'ref-delta', baseId: gitId('blob', base), data: oneByte }])), limit);
  assert.equal(within.total, 2 * OBJECT_OVERHEAD_BYTES + 64 * KiB + oneByte.length + 1 + 64);
  // The crafted pack of the review: 28,000 deltas of a byte against one blob the cache holds
  // (isomorphic-git inflated it once per delta), a pack of about 1 MiB: refused at the first.
  const cached = gitId('blob', Buffer.alloc(8 * MiB));
  const thin = makePack(Array.from({ length: 28_000 }, () => ({ type: 'ref-delta' as const, baseId: cached, data: oneByte })));
  assert.ok(thin.length < 2 * MiB, `${thin.length} bytes`);
  let s: UploadPackScan | undefined;
  assert.throws(() => { s = scan(uploadPackAnswer(thin), limit); }, (err) => outside(err, /^object at 12: /));
  assert.equal(s, undefined);
  // Against a blob that comes after it, or against a delta of the pack (its id is unknown until resolved).
  assert.throws(() => scan(uploadPackAnswer(makePack([{ type: 'ref-delta', baseId: gitId('blob', base), data: oneByte }, { type: 'blob', data: base }])), limit),
    (err) => outside(err, /^object at 12: /));
  assert.throws(() => scan(uploadPackAnswer(makePack([{ type: 'blob', data: base }, { type: 'ofs-delta', base: 0, data: oneByte },
    { type: 'ref-delta', baseId: gitId('blob', Buffer.from('x')), data: Buffer.concat([deltaSize(1), deltaSize(1), Buffer.from([1]), Buffer.from('y')]) }])), limit),
  (err) => outside(err, /^object at \d+: /));
});

test('a thin pack git wrote (deltas against the objects of the commit before) is refused; the same objects packed whole are read', () => {
  // Setup: a file of 400 lines, one line changed in the second commit.
  const dir = tempDir('ria-pack-thin-');
  const git = (args: string[], input?: string) => execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { stdio: 'pipe', ...(input ? { input } : {}) });
  git(['init', '-q']);
  for (let c = 0; c < 2; c++) {
    writeFileSync(join(dir, 'f.txt'), Array.from({ length: 400 }, (_, l) => `line ${l} ${l === 7 ? c : ''}\n`).join(''));
    git(['add', '.']);
    git(['commit', '-q', '-m', `c${c}`]);
  }
  const limit = { maxObjectBytes: MiB, maxTotalBytes: MiB };
  // Test
  const thin = git(['pack-objects', '--revs', '--thin', '--delta-base-offset', '--stdout', '-q'], 'HEAD\n^HEAD~1\n');
  assert.throws(() => scan(uploadPackAnswer(thin), limit), (err) => err instanceof PackFormatError && /a delta against [0-9a-f]{40}, which is no whole object/.test(err.message));
  const whole = git(['pack-objects', '--revs', '--delta-base-offset', '--stdout', '-q'], 'HEAD\n^HEAD~1\n');
  assert.ok(scan(uploadPackAnswer(whole), limit).total > 400 * 8);
});

test('a delta isomorphic-git cannot apply is refused (it would retry it, inflating its base again for it alone): a wrong base size, a copy outside the base, instructions that make other than the target, none, or one cut short', () => {
  // Setup: a 64 KiB base, then deltas against it.
  const base = { type: 'blob' as const, data: Buffer.alloc(64 * KiB, 1) };
  const limit = { maxObjectBytes: 8 * MiB, maxTotalBytes: 16 * MiB };
  const withDelta = (data: Buffer) => uploadPackAnswer(makePack([base, { type: 'ofs-delta', base: 0, data }]));
  const bad = (data: Buffer, message: RegExp) => assert.throws(() => scan(withDelta(data), limit), (err) => err instanceof PackFormatError && message.test(err.message), message.source);
  const insertX = Buffer.from([1, 0x78]);
  // Test
  assert.ok(scan(withDelta(Buffer.concat([deltaSize(64 * KiB), deltaSize(1), insertX])), limit).total > 64 * KiB, 'a valid one is read');
  // The pack that took 1.5 s to index instead of 0.2 (100 such deltas against 1 MiB) is refused at its first delta.
  const wrongBase = Buffer.concat([deltaSize(1), deltaSize(1), insertX]);
  assert.throws(() => scan(uploadPackAnswer(makePack([base, ...Array.from({ length: 100 }, () => ({ type: 'ofs-delta' as const, base: 0, data: wrongBase }))])), limit),
    (err) => err instanceof PackFormatError && /^object at \d+: a delta stating a base of 1 bytes, against a base of 65536$/.test(err.message));
  bad(Buffer.concat([deltaSize(64 * KiB), deltaSize(16), Buffer.from([0x80 | 0x01 | 0x02 | 0x10, 0xf8, 0xff, 0x10])]), /a delta copying bytes 65528 to 65544 of a base of 65536$/);
  bad(Buffer.concat([deltaSize(64 * KiB), deltaSize(2), insertX]), /a delta that does not build its target \(1 bytes made of 2 stated\)$/);
  bad(Buffer.concat([deltaSize(64 * KiB), deltaSize(1), insertX, insertX]), /a delta that does not build its target \(2 bytes made of 1 stated\)$/);
  bad(Buffer.concat([deltaSize(64 * KiB), deltaSize(0)]), /a delta that does not build its target \(0 bytes made of 0 stated, no instruction\)$/);
  bad(Buffer.concat([deltaSize(64 * KiB), deltaSize(2), Buffer.from([2, 0x78])]), /a delta that does not build its target \(2 bytes made of 2 stated, its last instruction cut short\)$/);
  // Against a delta of the pack: its base is what that delta builds.
  const deltaOfDelta = makePack([base, { type: 'ofs-delta', base: 0, data: Buffer.concat([deltaSize(64 * KiB), deltaSize(1), insertX]) },
    { type: 'ofs-delta', base: 1, data: Buffer.concat([deltaSize(1), deltaSize(2), Buffer.from([0x80 | 0x10, 1]), insertX]) }]);
  assert.ok(scan(uploadPackAnswer(deltaOfDelta), limit).total > 64 * KiB);
});

test('with limits raised past isomorphic-git\'s cache of resolved objects (32 MiB, 8 MiB an object), a delta whose base it no longer holds is charged its base chain again; ref-deltas in such a pack are refused', () => {
  // Setup: one-byte deltas against a 9 MiB blob (never cached) and against an 8 MiB one (cached).
  const limit = { maxObjectBytes: 16 * MiB, maxTotalBytes: 64 * MiB };
  const againstBlobOf = (size: number) => {
    const blob = Buffer.alloc(size, 'ab');
    const oneByte = Buffer.concat([deltaSize(size), deltaSize(1), Buffer.from([1]), Buffer.from('x')]);
    return uploadPackAnswer(makePack([{ type: 'blob', data: blob }, ...Array.from({ length: 20 }, () => ({ type: 'ofs-delta' as const, base: 0, data: oneByte }))]));
  };
  // Test: isomorphic-git took 0.9 s to index the first, 0.2 s the second (it inflated the 9 MiB blob 21 times).
  assert.throws(() => scan(againstBlobOf(9 * MiB), limit),
    refused('inflated', /^resolving again the delta at offset \d+, whose base isomorphic-git's cache of resolved objects \(32 MiB, 8 MiB an object\) no longer held: \d+ bytes$/));
  assert.ok(scan(againstBlobOf(8 * MiB), limit).total < 9 * MiB, 'a cached base is not charged again');
  // Five blobs of 8 MiB: the first has left the cache when a delta against it comes (charged again), the last has not.
  const blobs = Array.from({ length: 5 }, (_, i) => ({ type: 'blob' as const, data: Buffer.alloc(8 * MiB, i) }));
  const oneByte = Buffer.concat([deltaSize(8 * MiB), deltaSize(1), Buffer.from([1]), Buffer.from('x')]);
  const wide = { maxObjectBytes: 8 * MiB, maxTotalBytes: 128 * MiB };
  const first = scan(uploadPackAnswer(makePack([...blobs, { type: 'ofs-delta', base: 0, data: oneByte }])), wide).total;
  const last = scan(uploadPackAnswer(makePack([...blobs, { type: 'ofs-delta', base: 4, data: oneByte }])), wide).total;
  assert.equal(first - last, 8 * MiB + oneByte.length + 1);
  // A ref-delta is resolved against the last object of its id isomorphic-git resolved, which the scan cannot tell once the cache loses objects.
  const small = Buffer.from('small');
  assert.throws(() => scan(uploadPackAnswer(makePack([{ type: 'blob', data: Buffer.alloc(9 * MiB) }, { type: 'blob', data: small },
    { type: 'ref-delta', baseId: gitId('blob', small), data: Buffer.concat([deltaSize(5), deltaSize(1), Buffer.from([1]), Buffer.from('x')]) }])), limit),
  (err) => err instanceof PackFormatError && /a pack with deltas against object ids whose objects overflow isomorphic-git's cache/.test(err.message));
});

test('the isomorphic-git the scan mirrors: its resolve cache (32 MiB, an object over a quarter never kept), a second pass that keeps chain links past three (a new version: read GitPackIndex.fromPack again)', () => {
  const source = readFileSync(createRequire(import.meta.url).resolve('isomorphic-git'), 'utf8');
  assert.equal(RESOLVE_CACHE_BYTES, 32 * MiB);
  for (const line of ['const RESOLVE_CACHE_BYTES = 32 * 1024 * 1024;', 'if (size > this.maxBytes / 4) return', 'p.readDepth = 0;', 'if (this.readDepth > 3) {',
    'const baseOffset =\n    type === \'ofs-delta\'', 'const getExternalRefDelta = oid => _readObject({ fs, cache, gitdir, oid });']) {
    assert.ok(source.includes(line), `isomorphic-git no longer has ${JSON.stringify(line)}`);
  }
});
