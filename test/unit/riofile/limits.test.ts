import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMITS, parseRiofile, type ParseOptions } from '../../../engine/riofile/index.js';
import { issuesOf } from './helpers.js';

const only = (source: string, options: ParseOptions = {}) => {
  const issues = issuesOf(source, options);
  assert.equal(issues.length, 1, issues.map((i) => i.message).join('\n'));
  return issues[0]!;
};

test('a Riofile over 1 MiB is refused before parsing', () => {
  const big = `services:\n  web:\n    image: nginx\n# ${'x'.repeat(LIMITS.maxBytes)}\n`;
  const issue = only(big);
  assert.deepEqual([issue.kind, issue.line, issue.column], ['RiofileLimit', 1, 1]);
  assert.match(issue.message, /^file is \d+ bytes; the limit is 1048576 \(1 MiB\)$/);
});

test('a template cannot expand a file past the limit: stopped at the expansion that crosses it', () => {
  const src = `services:\n  web:\n    image: nginx\n    env: ["A=${'${BIG}'}"]\ntemplate:\n  envSubst: true\n`;
  const issue = only(src, { answers: { BIG: 'y'.repeat(LIMITS.maxBytes) } });
  assert.deepEqual([issue.kind, issue.code, issue.line, issue.column], ['RiofileLimit', 'RIOFILE_TEMPLATE_OUTPUT_TOO_LARGE', 4, 14]);
  assert.match(issue.message, /^template output passes 1048576 bytes \(1 MiB\) here/);
});

test('more than 1000 services is refused at the services key', () => {
  const lines = ['services:'];
  for (let i = 0; i <= LIMITS.maxServices; i++) lines.push(`  s${i}: {image: nginx}`);
  const issue = only(lines.join('\n'));
  assert.deepEqual([issue.kind, issue.line, issue.path, issue.message], ['RiofileLimit', 1, 'services', '1001 services; the limit is 1000']);
});

test('deeply nested flow collections are refused before they reach the parser', () => {
  const depth = 100_000; // would exhaust the YAML parser's stack and memory
  const issue = only(`a: ${'['.repeat(depth)}${']'.repeat(depth)}`);
  assert.deepEqual([issue.kind, issue.line, issue.column, issue.message], ['RiofileLimit', 1, 4 + LIMITS.maxFlowDepth, 'nesting too deep: more than 64 levels of [ ] or { }']);
});

test('deeply nested block mappings are refused', () => {
  const lines: string[] = [];
  for (let i = 0; i < 300; i++) lines.push(`${' '.repeat(i)}k:`);
  const issue = only(lines.join('\n'));
  assert.equal(issue.kind, 'RiofileLimit');
  assert.equal(issue.line, LIMITS.maxIndent + 2);
  assert.equal(issue.code, 'RIOFILE_TOO_DEEP');
  assert.match(issue.message, /^nesting too deep: a line's content starts more than 256 columns in/);
});

test('an alias bomb is refused without being expanded', () => {
  const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 9; i++) levels.push(`l${i}: &l${i} [${Array(10).fill(i === 1 ? '*a' : `*l${i - 1}`).join(', ')}]`);
  const issue = only(levels.join('\n'));
  assert.deepEqual([issue.kind, issue.message], ['RiofileLimit', 'too many YAML aliases (more than 100): refusing a possible alias bomb']);
});

test('brackets and quotes inside strings and comments do not count as nesting', () => {
  const src = `services:\n  web:\n    image: nginx # ${'['.repeat(100)}\n    env: ["A=${'{'.repeat(100)}", 'B=${'['.repeat(100)}']\n`;
  const env = parseRiofile(src).services.web!.env;
  assert.deepEqual(env, [{ name: 'A', value: '{'.repeat(100) }, { name: 'B', value: '['.repeat(100) }]);
});

// The inputs of issue 11, and nastier ones: each is refused with a located RiofileError carrying
// a searchable code, before the step that would have been slow or overflowed the stack.

test('a 600 KB list of 300k items is refused before parsing, at the entry that crosses the budget', () => {
  const issue = only(`services:\n  web:\n    image: nginx\nx: [${Array(300_000).fill('1').join(',')}]\n`);
  assert.deepEqual([issue.kind, issue.code, issue.line], ['RiofileLimit', 'RIOFILE_TOO_MANY_NODES', 4]);
  assert.ok(issue.column > 90_000 && issue.column < 110_000, String(issue.column));
  const block = only(`x:\n${'- 1\n'.repeat(200_000)}`);
  assert.deepEqual([block.code, block.line], ['RIOFILE_TOO_MANY_NODES', LIMITS.maxNodes + 1]);
});

test('commas outside flow collections (CSV in a config, prose) are not entries', () => {
  const csv = Array.from({ length: 2_000 }, (_, i) => `      ${i},a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z`).join('\n');
  const rf = parseRiofile(`configs:\n  data:\n    content: |\n${csv}\nservices:\n  web:\n    image: nginx\n`);
  assert.equal(Object.keys(rf.configs).length, 1);
});

test('compact nesting on one line ("- - - x", "? ? x") counts as depth, without any indentation', () => {
  for (const src of [`x:\n${'- '.repeat(200_000)}a\n`, `${'? '.repeat(100_000)}a\n`, `x:\n  ${'- '.repeat(129)}a\n`]) {
    const issue = only(src);
    assert.deepEqual([issue.kind, issue.code], ['RiofileLimit', 'RIOFILE_TOO_DEEP'], src.slice(0, 40));
  }
  // 100 levels is deep but within the budget, and parses.
  assert.throws(() => parseRiofile(`x:\n${'- '.repeat(100)}a\n`), (err: Error & { code?: string }) => err.code === 'RiofileInvalid');
});

test('a 400 KB default used 40k times fails fast at the first use that passes 1 MiB', () => {
  const big = 'y'.repeat(400_000);
  const uses = Array.from({ length: 40_000 }, () => '    - A=${X}').join('\n');
  const src = `template:\n  envSubst: true\n  questions:\n  - variable: X\n    default: ${big}\nservices:\n  web:\n    image: nginx\n    env:\n${uses}\n`;
  assert.ok(src.length < LIMITS.maxBytes);
  const issue = only(src);
  assert.deepEqual([issue.kind, issue.code, issue.line, issue.column], ['RiofileLimit', 'RIOFILE_TEMPLATE_OUTPUT_TOO_LARGE', 11, 9], 'the second use crosses 1 MiB (the default itself is 400 KB of the file)');
});

test('a Go-template value used many times, and nested {{ if }}s, are bounded too', () => {
  const uses = '{{ .Values.X }}\n'.repeat(20_000);
  const src = `template:\n  goTemplate: true\n  questions:\n  - variable: X\n    default: ${'z'.repeat(300)}\nservices:\n  web:\n    image: nginx\n# ${uses}`;
  const issue = issuesOf(src)[0]!;
  assert.equal(issue.code, 'RIOFILE_TEMPLATE_OUTPUT_TOO_LARGE');
  const nested = `template:\n  goTemplate: true\nservices: {}\n${'{{ if true }}'.repeat(30_000)}${'{{ end }}'.repeat(30_000)}`;
  const deep = only(nested);
  assert.deepEqual([deep.kind, deep.code, deep.line], ['RiofileLimit', 'RIOFILE_TEMPLATE_TOO_DEEP', 4]);
  assert.equal(deep.column, 13 * LIMITS.maxTemplateDepth + 1, 'at the {{ if }} one level too deep');
});

test('50,000 keys in one map: duplicates found in one pass (yaml\'s own check is quadratic)', () => {
  const keys = Array.from({ length: 40_000 }, (_, i) => `  k${i}: v`);
  keys.push('  k7: again');
  const issue = only(`services:\n  web:\n    image: nginx\nlabels:\n${keys.join('\n')}\n`);
  assert.deepEqual([issue.kind, issue.line, issue.column, issue.path, issue.message], ['RiofileSyntax', 40_005, 3, 'labels.k7', 'Map keys must be unique']);
});

test('codes are shown in format() and survive summary() truncation', async () => {
  const { RiofileError } = await import('../../../engine/riofile/index.js');
  try {
    parseRiofile(`x: [${Array(60_000).fill('1').join(',')}]`);
    assert.fail('parsed');
  } catch (err) {
    assert.ok(err instanceof RiofileError);
    assert.match(err.format(), /\[RIOFILE_TOO_MANY_NODES\]$/);
    assert.match(err.summary(60), /^Riofile:1: .*… \[RIOFILE_TOO_MANY_NODES\]$/);
    assert.ok(err.summary(60).length <= 60);
  }
});

test('an unexpected exception inside the parser becomes a located RiofileError (RIOFILE_INTERNAL), never a raw throw', async () => {
  const { RiofileError } = await import('../../../engine/riofile/index.js');
  // Setup: make a helper the parser relies on fail the way an unforeseen bug would.
  const byteLength = Buffer.byteLength;
  Buffer.byteLength = () => { throw new RangeError('Invalid string length'); };
  let caught: unknown;
  try {
    parseRiofile('services:\n  web:\n    image: nginx\n', { file: 'app/Riofile' });
  } catch (err) {
    caught = err;
  } finally {
    Buffer.byteLength = byteLength;
  }
  // Test
  assert.ok(caught instanceof RiofileError, String(caught));
  assert.equal(caught.code, 'RiofileInternal');
  const [issue] = caught.issues;
  assert.deepEqual([issue?.file, issue?.line, issue?.column, issue?.path, issue?.code], ['app/Riofile', 1, 1, '(root)', 'RIOFILE_INTERNAL']);
  assert.match(caught.format(), /RangeError: Invalid string length.*a bug in Ria.*\[RIOFILE_INTERNAL\]$/);
});
