import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestKind, smartRequest } from '../../../engine/dev/git-server.js';

test('smart-HTTP requests the git server runs its service for directly; the rest go to http-backend', () => {
  assert.deepEqual(smartRequest('GET', '/acme/app.git/info/refs', 'service=git-upload-pack'), { repo: '/acme/app.git', service: 'git-upload-pack', advertise: true });
  assert.deepEqual(smartRequest('GET', '/app.git/info/refs', 'service=git-receive-pack'), { repo: '/app.git', service: 'git-receive-pack', advertise: true });
  assert.deepEqual(smartRequest('POST', '/app.git/git-upload-pack', ''), { repo: '/app.git', service: 'git-upload-pack', advertise: false });
  assert.deepEqual(smartRequest('POST', '/app.git/git-receive-pack', ''), { repo: '/app.git', service: 'git-receive-pack', advertise: false });
  // http-backend's: the dumb protocol, other services, wrong methods, anything that could leave the root.
  assert.equal(smartRequest('GET', '/app.git/info/refs', ''), undefined);
  assert.equal(smartRequest('GET', '/app.git/info/refs', 'service=git-upload-archive'), undefined);
  assert.equal(smartRequest('GET', '/app.git/git-upload-pack', ''), undefined);
  assert.equal(smartRequest('POST', '/app.git/info/refs', 'service=git-upload-pack'), undefined);
  assert.equal(smartRequest('GET', '/app.git/HEAD', ''), undefined);
  assert.equal(smartRequest('GET', '/../etc/info/refs', 'service=git-upload-pack'), undefined);
  assert.equal(smartRequest('GET', '/..%2F..%2Fetc/info/refs', 'service=git-upload-pack'), undefined);
  assert.equal(smartRequest('GET', '/a/.git/info/refs', 'service=git-upload-pack'), undefined);
  assert.equal(smartRequest('GET', '//info/refs', 'service=git-upload-pack'), undefined);
  assert.equal(smartRequest('GET', '/%E0%A4%A/info/refs', 'service=git-upload-pack'), undefined);
});

test('requests counted by kind', () => {
  assert.equal(requestKind({ method: 'GET', path: '/a.git/info/refs', query: 'service=git-upload-pack' }), 'ref advertisement');
  assert.equal(requestKind({ method: 'GET', path: '/a.git/info/refs', query: 'service=git-upload-pack', gitProtocol: 'version=2' }), 'ref advertisement (v2)');
  assert.equal(requestKind({ method: 'POST', path: '/a.git/git-upload-pack', query: '', gitProtocol: 'version=2' }), 'upload-pack (v2)');
  assert.equal(requestKind({ method: 'POST', path: '/a.git/git-receive-pack', query: '' }), 'receive-pack');
  assert.equal(requestKind({ method: 'GET', path: '/a.git/HEAD', query: '' }), 'other');
});
