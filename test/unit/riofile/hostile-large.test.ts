/**
 * Large hostile Riofiles and config files, each within the byte and entry budgets: the work of
 * validating them must grow with the text, not with (problems x document) or (length^2). Nothing
 * here is timed: the counts say how much locating work is done, and each input below made the
 * old code run from seconds to hours (figures in the commit that added this file), so a return
 * of the quadratic shows as a test that does not finish.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMITS, parseRiofile, RiofileError } from '../../../engine/riofile/index.js';
import { IssueCollector } from '../../../engine/riofile/locate.js';
import { PATTERNS } from '../../../engine/riofile/schema/patterns.js';
import { closest } from '../../../engine/riofile/suggest.js';
import { loadConfig } from '../../../engine/config/load.js';
import { ConfigError } from '../../../engine/config/errors.js';

function refusal(text: string): RiofileError {
  try {
    parseRiofile(text);
  } catch (err) {
    if (err instanceof RiofileError) return err;
    throw err;
  }
  assert.fail('the Riofile was accepted');
}

test('an issue past the budget is counted, never located: its path and offset are computed for the first LIMITS.maxIssues only', () => {
  // Setup
  const issues = new IssueCollector('Riofile', undefined, () => ({ line: 1, column: 1 }));
  let located = 0;
  // Test
  for (let i = 0; i < 50_000; i++) issues.addAt(() => { located++; return i; }, () => { located++; return ['services', `s${i}`]; }, 'bad');
  assert.equal(located, 2 * LIMITS.maxIssues);
  assert.equal(issues.count, 50_000);
  assert.equal(issues.accepting, false);
  assert.equal(issues.reported().at(-1)!.message, `and ${50_000 - LIMITS.maxIssues} more problems, not listed: only the first ${LIMITS.maxIssues} are reported`);
});

test('49,999 duplicate keys (the entry budget) are refused with 100 located errors and a count (each was a walk of the map: 7.5 s for 20,000)', () => {
  const err = refusal(Array.from({ length: 49_999 }, () => 'a: 1').join('\n'));
  assert.equal(err.issues.length, LIMITS.maxIssues + 1);
  assert.deepEqual([err.issues[0]!.line, err.issues[0]!.path, err.issues[0]!.message], [2, 'a', 'Map keys must be unique']);
  assert.equal(err.issues[99]!.line, 101);
  assert.match(err.issues.at(-1)!.message, /^and 49898 more problems/);
});

test('40,000 duplicate keys inside kubernetes.manifest are located at their own lines of the Riofile (each was a split of the manifest: 17.6 s of CPU)', () => {
  const text = `services:\n  a:\n    image: nginx\nkubernetes:\n  manifest: |-\n    apiVersion: v1\n    kind: ConfigMap\n${Array(40_000).fill('    a: 1').join('\n')}\n`;
  const err = refusal(text);
  assert.equal(err.issues.length, LIMITS.maxIssues + 1);
  assert.deepEqual(err.issues.slice(0, 2).map((i) => [i.line, i.column]), [[9, 5], [10, 5]]);
  assert.match(err.issues.at(-1)!.message, /^and 39899 more problems/);
});

test('20,000 `k: ${X}` without an answer on one line: each source line is read once (it was read once per key: 3.8 s)', () => {
  const text = `template:\n  envSubst: true\nservices: {${Array.from({ length: 20_000 }, (_, i) => `k${i}: \${X}`).join(', ')}}\n`;
  const err = refusal(text);
  assert.equal(err.issues.length, 1);
  assert.equal(err.issues[0]!.line, 3);
  assert.match(err.issues[0]!.message, /20000 services; the limit is 1000 \(\$\{X\} had no answer\)/);
});

test('the volume pattern is the same language as before, without its quadratic backtracking ("/", 1 MB of spaces, ",1" never finished)', () => {
  // Setup: the pattern as it was (quadratic: `[^,]*` then `\s*,` can split a run of spaces every way).
  const before = /^(\/[^:,]*|[a-z0-9][-a-z0-9]*)(:\/[^,]*)?(\s*,\s*[A-Za-z]+(=[A-Za-z]*)?)*$/u;
  const now = new RegExp(PATTERNS.volume, 'u');
  const alphabet = ['/', 'a', ':', ',', ' ', '=', 'r', '1', '-'];
  let checked = 0;
  const all = (prefix: string, depth: number): void => {
    checked++;
    assert.equal(now.test(prefix), before.test(prefix), JSON.stringify(prefix));
    if (depth < 6) for (const c of alphabet) all(prefix + c, depth + 1);
  };
  // Test: every string of up to 6 characters of that alphabet.
  all('', 0);
  assert.equal(checked, (9 ** 7 - 1) / 8);
  for (const hostile of ['/' + ' '.repeat(1_000_000) + ',1', '/a:/b' + ' '.repeat(1_000_000) + ',1']) assert.equal(now.test(hostile), false);
  const err = refusal(`services:\n  a:\n    image: nginx\n    volumes: ["/${' '.repeat(1_000_000)},1"]\n`);
  assert.deepEqual([err.issues[0]!.line, err.issues[0]!.path], [4, 'services.a.volumes[0]']);
});

test('a problem message quoting a value of up to 1 MiB keeps its start and end only', () => {
  const err = refusal(`services:\n  a:\n    image: nginx\n    ports: ["80${' '.repeat(900_000)}x"]\n    ${'k'.repeat(900)}: 1\n`);
  assert.equal(err.issues.length, 2);
  for (const issue of err.issues) {
    assert.ok(issue.message.length <= 400, issue.message.slice(0, 80));
    assert.ok((issue.found ?? '').length <= 400);
  }
  assert.match(err.issues[1]!.message, /^unknown key "k{50}/);
});

test('"did you mean" skips candidates too different in length, so a 500 KB key costs no edit distance', () => {
  assert.equal(closest('x'.repeat(500_000), ['image', 'ports', 'x'.repeat(499_990)]), undefined);
  assert.equal(closest('imgae', ['image', 'ports']), 'image');
  assert.equal(closest('Imagee', ['image']), 'image');
});

test('a config app file full of unknown keys (within its 256 KiB) gets the same issue budget: 100 located, the rest counted', () => {
  const text = `repo: https://git.example/shop.git\nbranches: [main]\n${Array.from({ length: 10_000 }, (_, i) => `k${i}${'x'.repeat(10)}: 1`).join('\n')}\n`;
  const config = loadConfig(new Map([['apps/shop.yaml', text]]));
  const err = config.appErrors.get('shop');
  assert.ok(err instanceof ConfigError);
  assert.equal(err.issues.length, LIMITS.maxIssues + 1);
  assert.equal(err.issues[0]!.line, 3);
  assert.match(err.issues.at(-1)!.message, new RegExp(`^and ${10_000 - LIMITS.maxIssues} more problems`));
  // Past the entry budget it is refused before parsing, at the line that crossed it.
  const huge = loadConfig(new Map([['apps/shop.yaml', Array.from({ length: 60_000 }, () => '#\n-').join('')]])).appErrors.get('shop');
  assert.equal(huge?.issues[0]?.code, 'CONFIG_TOO_MANY_NODES');
});
