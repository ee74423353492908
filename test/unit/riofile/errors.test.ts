import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RiaError } from '../../../engine/errors.js';
import { formatIssue, parseRiofile, RiofileError, type RiofileIssue } from '../../../engine/riofile/index.js';

const issue = (line: number, path: string, message: string, extra: Partial<RiofileIssue> = {}): RiofileIssue => ({
  file: 'apps/web/Riofile', line, column: 3, path, message, kind: 'RiofileInvalid', ...extra,
});

test('RiofileError is a RiaError with a stable code and its issues in data', () => {
  const err = new RiofileError([issue(9, 'b', 'second'), issue(2, 'a', 'first', { kind: 'RiofileSyntax' })]);
  assert.ok(err instanceof RiaError);
  assert.equal(err.code, 'RiofileSyntax'); // the first issue by position decides
  assert.deepEqual(err.issues.map((i) => i.line), [2, 9]);
  assert.deepEqual((err.data as { issues: RiofileIssue[] }).issues, err.issues);
  assert.equal(err.message, 'apps/web/Riofile:2:3: a: first (and 1 more)');
});

test('format(): one line per issue, FILE:LINE:COL: PATH: message (found; expected)', () => {
  const err = new RiofileError([issue(4, 'services.web.ports[1]', 'unknown protocol "htp"', { found: '"80/htp"', expected: 'one of tcp, http' }), issue(1, 'servics', 'unknown key "servics"')]);
  assert.equal(err.format(), ['apps/web/Riofile:1:3: servics: unknown key "servics"', 'apps/web/Riofile:4:3: services.web.ports[1]: unknown protocol "htp" (found "80/htp"; expected one of tcp, http)'].join('\n'));
  assert.equal(formatIssue(issue(1, '(root)', 'x')), 'apps/web/Riofile:1:3: (root): x');
});

test('summary(): at most 140 characters, file name, first problem and count', () => {
  const long = issue(12, 'services.web.containers[0].env[3]', 'x'.repeat(300));
  const many = new RiofileError([long, issue(20, 'a', 'b'), issue(30, 'c', 'd')]);
  const s = many.summary();
  assert.ok(s.length <= 140, `${s.length}`);
  assert.ok(s.startsWith('Riofile:12: services.web.containers[0].env[3]: xxx'));
  assert.ok(s.endsWith('… (+2 more)'));
  assert.equal(new RiofileError([issue(1, 'servics', 'unknown key "servics"; did you mean "services"?')]).summary(), 'Riofile:1: servics: unknown key "servics"; did you mean "services"?');
});

test('duplicate issues are reported once', () => {
  assert.equal(new RiofileError([issue(1, 'a', 'x'), issue(1, 'a', 'x')]).issues.length, 1);
  assert.throws(() => new RiofileError([]));
});

test('parseRiofile names the file in every issue (default Riofile)', () => {
  for (const file of [undefined, 'deploy/Riofile.yaml']) {
    try {
      parseRiofile('servics: {}', file ? { file } : {});
      assert.fail('parsed');
    } catch (err) {
      assert.ok(err instanceof RiofileError);
      assert.equal(err.issues[0]!.file, file ?? 'Riofile');
    }
  }
});
