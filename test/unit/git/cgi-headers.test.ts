import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCgiHeaders, repoDirName } from '../../../engine/dev/git-server.js';

test('parseCgiHeaders: Status becomes the HTTP status, other headers pass through', () => {
  const { status, headers } = parseCgiHeaders('Status: 404 Not Found\r\nContent-Type: text/plain\r\nExpires: Fri, 01 Jan 1980 00:00:00 GMT');
  assert.equal(status, 404);
  assert.deepEqual(headers, { 'Content-Type': 'text/plain', Expires: 'Fri, 01 Jan 1980 00:00:00 GMT' });
});

test('parseCgiHeaders: 200 without Status, LF line ends, repeated headers kept', () => {
  const { status, headers } = parseCgiHeaders('Cache-Control: no-cache\nCache-Control: max-age=0\nContent-Type: application/x-git-upload-pack-advertisement');
  assert.equal(status, 200);
  assert.deepEqual(headers['Cache-Control'], ['no-cache', 'max-age=0']);
});

test('repoDirName adds .git once', () => {
  assert.equal(repoDirName('app'), 'app.git');
  assert.equal(repoDirName('app.git'), 'app.git');
});
