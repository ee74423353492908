import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactUrl, scrubSecrets, splitCredentials } from '../../../engine/git/redact.js';

test('redactUrl hides user and password', () => {
  assert.equal(redactUrl('https://bot:ghp_abc123@github.com/acme/app.git'), 'https://***@github.com/acme/app.git');
});

test('redactUrl hides a token sent as the user name', () => {
  assert.equal(redactUrl('https://ghp_abc123@github.com/acme/app.git'), 'https://***@github.com/acme/app.git');
});

test('redactUrl hides secret query parameters and keeps the others', () => {
  assert.equal(
    redactUrl('https://git.example.com/app.git?access_token=t0k&ref=main&X-Amz-Signature=abc'),
    'https://git.example.com/app.git?access_token=***&ref=main&X-Amz-Signature=***',
  );
});

test('redactUrl leaves a clean URL untouched', () => {
  const url = 'http://127.0.0.1:4000/app.git';
  assert.equal(redactUrl(url), url);
});

test('redactUrl handles what URL cannot parse', () => {
  assert.equal(redactUrl('git@github.com:acme/app.git'), '***@github.com:acme/app.git');
  assert.equal(redactUrl('not a url'), 'not a url');
});

test('redactUrl hides percent-encoded credentials', () => {
  const out = redactUrl('https://user%40corp:p%40ss%3Aword@git.example.com/r.git');
  assert.equal(out, 'https://***@git.example.com/r.git');
});

test('splitCredentials separates and decodes credentials', () => {
  assert.deepEqual(splitCredentials('https://bot:p%40ss@git.example.com/r.git'), {
    url: 'https://git.example.com/r.git',
    auth: { username: 'bot', password: 'p@ss' },
  });
  assert.deepEqual(splitCredentials('https://git.example.com/r.git'), { url: 'https://git.example.com/r.git' });
});

test('scrubSecrets removes every occurrence, ignores empty and tiny secrets', () => {
  assert.equal(scrubSecrets('a hunter2 b hunter2', ['hunter2', undefined, '', 'a']), 'a *** b ***');
});
