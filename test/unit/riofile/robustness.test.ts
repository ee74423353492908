import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { parseRiofile, RiofileError } from '../../../engine/riofile/index.js';
import { FIXTURES, fixture } from './helpers.js';

/** Deterministic pseudo-random numbers, so a failure can be replayed. */
function random(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % n;
  };
}

const PIECES = [':', '-', ' ', '\n', '{', '}', '[', ']', '"', "'", '${X}', '{{ if .Values.X }}', '{{ end }}', 'null', '&a', '*a', '<<: *a', '80/http', '#', '\t', '? ', 'template:\n  envSubst: true\n  goTemplate: true\n'];

test('mangled Riofiles fail with located RiofileErrors, never with a crash', () => {
  const sources = [
    ...readdirSync(FIXTURES + 'rio').filter((f) => /^(0[1-9]|1[0-5]|2[3-6]).*\.yaml$/.test(f)).map((f) => fixture(`rio/${f}`)),
    ...readdirSync(FIXTURES + 'invalid').filter((f) => f.endsWith('.yaml')).map((f) => fixture(`invalid/${f}`)),
  ];
  const rnd = random(20261125);
  let failures = 0;
  for (let run = 0; run < 600; run++) {
    let src = sources[rnd(sources.length)]!;
    for (let edit = 0, edits = 1 + rnd(4); edit < edits; edit++) {
      const at = rnd(src.length + 1);
      src = rnd(2) === 0 ? src.slice(0, at) + PIECES[rnd(PIECES.length)] + src.slice(at) : src.slice(0, at) + src.slice(at + 1 + rnd(5));
    }
    try {
      parseRiofile(src, { answers: { X: '1' } });
    } catch (err) {
      assert.ok(err instanceof RiofileError, `run ${run}: ${String((err as Error).stack)}\n--- input ---\n${src}`);
      // parseRiofile turns any crash into RIOFILE_INTERNAL (for users); here a crash is still a bug to fix.
      assert.ok(err.issues.every((i) => i.code !== 'RIOFILE_INTERNAL'), `run ${run}: ${err.message}\n--- input ---\n${src}`);
      failures++;
      const lines = src.split('\n').length;
      for (const issue of err.issues) assert.ok(issue.line >= 1 && issue.line <= lines + 1 && issue.column >= 1, `run ${run}: bad position ${JSON.stringify(issue)}`);
    }
  }
  assert.ok(failures > 100, `only ${failures} of 600 mangled files were refused`);
});
