import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { profilePhase } from '../../../bench/peers/pprof.js';
import { tempDir } from '../../support/temp-dir.js';

test('profilePhase: back-to-back windows per server until stopped, the last one waited for; windows that cannot be merged are kept and said', async () => {
  // Setup: sources that answer as soon as asked (a window of the real thing takes its seconds).
  const dir = tempDir('ria-pprof-');
  const asked: Record<string, number[]> = { a: [], b: [] };
  let release: () => void = () => {};
  const held = new Promise<void>((r) => { release = r; });
  const errors: string[] = [];
  const profiles = profilePhase({
    dir, phase: 'floor', windowS: 7, onError: (l) => errors.push(l),
    sources: {
      a: async (s) => { asked.a!.push(s); if (asked.a!.length === 3) await held; return Buffer.from(`a${asked.a!.length}`); },
      b: async () => { throw new Error('HTTP 404'); },
    },
  });
  // Test: a's third window is under way when the phase ends; stop waits for it.
  while (asked.a!.length < 3) await new Promise((r) => setTimeout(r, 1));
  const stopping = profiles.stop();
  release();
  const files = await stopping;
  assert.deepEqual(asked.a, [7, 7, 7]);
  // Fake bytes are no profile: `go tool pprof -proto` refuses them (or there is no go), so the windows stay.
  assert.deepEqual(files, [0, 1, 2].map((k) => join(dir, `floor-a-${k}.pb.gz`)));
  assert.deepEqual((await readdir(dir)).sort(), ['floor-a-0.pb.gz', 'floor-a-1.pb.gz', 'floor-a-2.pb.gz']);
  assert.equal(await readFile(join(dir, 'floor-a-2.pb.gz'), 'utf8'), 'a3');
  assert.ok(errors.some((e) => /b not profiled: HTTP 404/.test(e)), errors.join('; '));
  assert.ok(errors.some((e) => /a's windows not merged/.test(e)), errors.join('; '));
});
