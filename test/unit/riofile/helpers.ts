import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { parseRiofile, RiofileError, type ParseOptions, type RiofileIssue } from '../../../engine/riofile/index.js';

/** fixtures/riofiles/ at the repo root (tests run from dist/test/unit/riofile/). */
export const FIXTURES = fileURLToPath(new URL('../../../../fixtures/riofiles/', import.meta.url));

export function fixture(relative: string): string {
  return readFileSync(FIXTURES + relative, 'utf8');
}

/** Parses text that must be invalid and returns its issues; fails the test when it parses. */
export function issuesOf(source: string, options: ParseOptions = {}): RiofileIssue[] {
  try {
    parseRiofile(source, options);
  } catch (err) {
    if (err instanceof RiofileError) return err.issues;
    throw err;
  }
  assert.fail('expected a RiofileError, but the Riofile parsed');
}

/** The single issue of an invalid text, as `LINE:COL PATH: message` (compact for table tests). */
export function oneIssue(source: string, options: ParseOptions = {}): string {
  const issues = issuesOf(source, options);
  assert.equal(issues.length, 1, `expected one issue, got:\n${issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`).join('\n')}`);
  const i = issues[0]!;
  return `${i.line}:${i.column} ${i.path}: ${i.message}`;
}

/** A one-service Riofile with `body` (YAML lines) under the service. */
export function service(body: string): string {
  return `services:\n  web:\n${body
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n')}\n`;
}
