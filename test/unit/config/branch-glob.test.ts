import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileBranchGlob, matchBranchGlob } from '../../../engine/config/branch-glob.js';
import { branchMatches } from '../../../engine/config/load.js';

/** The RegExp the matcher replaced: same meaning, exponential on bad patterns. Only fed small inputs here. */
function reference(pattern: string, text: string): boolean {
  const re = pattern.split('**').map((part) => part.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')).join('.*');
  return new RegExp(`^${re}$`).test(text);
}

test('globs: * within a segment, ** across, the rest literal', () => {
  const cases: Array<[string, string, boolean]> = [
    ['main', 'main', true], ['main', 'mainx', false], ['main', 'xmain', false], ['', '', true], ['', 'a', false],
    ['*', '', true], ['*', 'feature', true], ['*', 'feature/x', false], ['**', 'feature/x/y', true], ['**', '', true],
    ['release/*', 'release/1.2', true], ['release/*', 'release/', true], ['release/*', 'release/1.2/hotfix', false],
    ['release/**', 'release/1.2/hotfix', true], ['release/**', 'release', false],
    ['ma.n', 'main', false], ['ma.n', 'ma.n', true], ['a+b', 'a+b', true], ['a+b', 'aab', false], ['(x)', '(x)', true],
    ['*-*', 'a-b', true], ['*-*', 'ab', false], ['*-*', 'a-b-c', true], ['*/x', 'a/b/x', false], ['**/x', 'a/b/x', true],
    ['***', 'a/b', true], ['a*b*c', 'aXbYc', true], ['a*b*c', 'aXcYb', false], ['*x', 'xxxx', true],
  ];
  for (const [pattern, text, expected] of cases) {
    assert.equal(matchBranchGlob(compileBranchGlob(pattern), text), expected, `${pattern} vs ${text}`);
    assert.equal(reference(pattern, text), expected, `reference: ${pattern} vs ${text}`);
  }
  assert.equal(branchMatches('release/1', ['main', 'release/*']), true);
  assert.equal(branchMatches('dev', ['main', 'release/*']), false);
});

test('globs agree with the old RegExp on every short pattern and name over a small alphabet', () => {
  // Exhaustive over {a, -, /, *} patterns up to 5 and {a, -, /} names up to 5: ~1,400 x ~360 pairs.
  const words = (alphabet: string[], max: number) => {
    const out = [''];
    for (let len = 1, layer = ['']; len <= max; len++) {
      layer = layer.flatMap((w) => alphabet.map((c) => w + c));
      out.push(...layer);
    }
    return out;
  };
  const patterns = words(['a', '-', '/', '*'], 5);
  const names = words(['a', '-', '/'], 5);
  for (const p of patterns) {
    const glob = compileBranchGlob(p);
    for (const n of names) assert.equal(matchBranchGlob(glob, n), reference(p, n), `${JSON.stringify(p)} vs ${JSON.stringify(n)}`);
  }
});

test('adversarial globs cost at most (name length x pattern length) steps, whatever they are', () => {
  const name60 = `${'a-'.repeat(29)}ab`; // 60 characters, many '-', no trailing x: the 23 s case of the issue
  const adversarial = [
    '*-*-*-*-*-*-*-*-x',
    `${'*'.repeat(200)}x`,
    `${'*a'.repeat(100)}x`,
    `${'**-'.repeat(50)}x`,
    `${'*-**/'.repeat(40)}x`,
  ];
  for (const pattern of adversarial) {
    for (const name of [name60, 'a'.repeat(255), `${'a/'.repeat(120)}b`, '-'.repeat(250)]) {
      const glob = compileBranchGlob(pattern);
      const work = { steps: 0 };
      assert.equal(matchBranchGlob(glob, name, work), false, `${pattern} vs ${name}`);
      assert.ok(work.steps <= name.length * glob.tokens.length, `${work.steps} steps for ${pattern} vs ${name}`);
    }
  }
  // Still matches when it should, at the same bound.
  const work = { steps: 0 };
  assert.equal(matchBranchGlob(compileBranchGlob('*-*-*-*-*-*-*-*-x'), `${'a-'.repeat(29)}x`, work), true);
  assert.ok(work.steps <= 59 * 17);
});
