import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { FIXTURES, fixture, issuesOf } from './helpers.js';

interface Expected {
  line: number;
  column: number;
  path: string;
  message: string;
  kind: string;
}

const expected = JSON.parse(fixture('invalid/expected.json')) as Record<string, Expected[]>;
const files = readdirSync(FIXTURES + 'invalid').filter((f) => f.endsWith('.yaml')).sort();

test('every invalid fixture has an expectation, and every expectation a fixture', () => {
  assert.deepEqual(files, Object.keys(expected).sort());
  assert.ok(files.length >= 40, `only ${files.length} invalid fixtures`);
});

for (const file of files) {
  test(`invalid/${file}: exact error`, () => {
    const issues = issuesOf(fixture(`invalid/${file}`), { file });
    assert.deepEqual(
      issues.map(({ line, column, path, message, kind }) => ({ line, column, path, message, kind })),
      expected[file],
    );
    for (const issue of issues) assert.equal(issue.file, file);
  });
}
