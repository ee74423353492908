import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMITS, parseRiofile } from '../../../engine/riofile/index.js';
import { issuesOf } from './helpers.js';

const only = (source: string) => {
  const issues = issuesOf(source);
  assert.equal(issues.length, 1, issues.map((i) => i.message).join('\n'));
  return issues[0]!;
};

test('a Riofile over 1 MiB is refused before parsing', () => {
  const big = `services:\n  web:\n    image: nginx\n# ${'x'.repeat(LIMITS.maxBytes)}\n`;
  const issue = only(big);
  assert.deepEqual([issue.kind, issue.line, issue.column], ['RiofileLimit', 1, 1]);
  assert.match(issue.message, /^file is \d+ bytes; the limit is 1048576 \(1 MiB\)$/);
});

test('a template cannot expand a file past the limit', () => {
  const src = `services:\n  web:\n    image: nginx\n    env: ["A=${'${BIG}'}"]\ntemplate:\n  envSubst: true\n`;
  const issue = issuesOf(src, { answers: { BIG: 'y'.repeat(LIMITS.maxBytes) } })[0]!;
  assert.equal(issue.kind, 'RiofileLimit');
  assert.match(issue.message, /^after template expansion: file is \d+ bytes/);
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
  assert.match(issue.message, /^nesting too deep: a line is indented 257 columns; the limit is 256$/);
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
