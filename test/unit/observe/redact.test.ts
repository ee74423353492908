import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactRepoUrl, redactText, redactValue } from '../../../engine/observe/redact.js';
import { redactUrl } from '../../../engine/git/redact.js';

test('query and fragment tokens in URL-shaped values are masked, other parameters kept', () => {
  const cases: Array<[string, string]> = [
    ['GET https://api.example/x?access_token=ghp_abc123&page=2 failed', 'GET https://api.example/x?access_token=***&page=2 failed'],
    ['https://h/x?page=1&token=abc', 'https://h/x?page=1&token=***'],
    ['https://h/x?password=hunter2#top', 'https://h/x?password=***#top'],
    ['https://h/cb#access_token=eyJ.abc&state=1', 'https://h/cb#access_token=***&state=1'],
    ['https://h/x?X-Amz-Signature=abc&X-Amz-Credential=AKIA/2026', 'https://h/x?X-Amz-Signature=***&X-Amz-Credential=***'],
    ['https://h/x?client_secret=s3&api_key=k&private_token=p', 'https://h/x?client_secret=***&api_key=***&private_token=***'],
    ['"https://h/x?sig=abc"', '"https://h/x?sig=***"'],
    ['connect with password=hunter2 user=bob', 'connect with password=*** user=bob'],
    ['https://h/x?ref=main&key=', 'https://h/x?ref=main&key='],
  ];
  for (const [input, expected] of cases) assert.equal(redactText(input), expected, input);
});

test('a password with a raw @ (or /) does not leak its tail', () => {
  assert.equal(redactText('cloning https://bot:p@ss@w0rd@git.example/r.git now'), 'cloning https://***@git.example/r.git now');
  assert.equal(redactText('https://bot:pa/ss@git.example/r.git'), 'https://***@git.example/r.git');
  assert.equal(redactText('x https://u:p@h/a@b y'), 'x https://***@h/a@b y', 'an @ in the path is not user info');
  assert.equal(redactText('https://registry.npmjs.org/@types/node'), 'https://registry.npmjs.org/@types/node');
  assert.equal(redactText('http://[::1]:8080/@x and http://host:8080/@y'), 'http://[::1]:8080/@x and http://host:8080/@y');
  assert.equal(redactUrl('https://bot:p@ss@git.example/r.git'), 'https://***@git.example/r.git');
  assert.equal(redactRepoUrl('https://bot:p@ss@git.example/r.git?token=t'), 'https://***@git.example/r.git?token=***');
});

test('log fields: URLs inside objects, errors and arrays go through the same masking', () => {
  const err = Object.assign(new Error('fetch https://u:p@ss@h/r.git?access_token=zzz failed'), { code: 'X' });
  assert.deepEqual(redactValue({ url: 'https://h/r?token=zzz', list: ['https://h/?password=p'], err }), {
    url: 'https://h/r?token=***', list: ['https://h/?password=***'],
    err: { name: 'Error', message: 'fetch https://***@h/r.git?access_token=*** failed', code: 'X' },
  });
});

test('masking long text is one pass (no backtracking on hostile values)', () => {
  // 200k characters shaped to hurt a backtracking RegExp: scheme-like runs, many "://", no "@".
  const hostile = `${'a'.repeat(100_000)}${'a://'.repeat(25_000)}`;
  assert.equal(redactText(hostile), hostile);
  const many = 'x=1&'.repeat(50_000);
  assert.equal(redactText(many), many);
});

test('GitHub tokens are masked by their shape alone, wherever they stand in text', () => {
  const classic = `ghp_${'a1B2'.repeat(9)}`;
  const fine = `github_pat_${'11ABCDE_x'.repeat(6)}`;
  const out = redactText(`clone failed with ${classic}; retry as ${fine} (plain ghp_short stays)`);
  assert.ok(!out.includes(classic) && !out.includes(fine), out);
  assert.match(out, /plain ghp_short stays/);
});
