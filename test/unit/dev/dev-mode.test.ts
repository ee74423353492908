import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseDevMode } from '../../../engine/dev/dev-mode.js';

const able = { ok: true, reasons: [] };

test('the real node when the machine can run one and every binary is cached', () => {
  const c = chooseDevMode({ simulate: false, capability: able, missing: [] });
  assert.equal(c.mode, 'real');
  assert.match(c.why, /real node behind a gateway.*cached/);
});

test('--simulate and --mode full keep kwok, and say so', () => {
  assert.deepEqual(chooseDevMode({ simulate: true, capability: able, missing: [] }).mode, 'full');
  assert.match(chooseDevMode({ simulate: true, capability: able, missing: [] }).why, /--simulate/);
  assert.match(chooseDevMode({ asked: 'full', simulate: false, capability: able, missing: [] }).why, /--mode full/);
});

test('simulated, with the reason, when the machine cannot or the binaries are not built', () => {
  const root = chooseDevMode({ simulate: false, capability: { ok: false, reasons: ['not running as root'] }, missing: [] });
  assert.equal(root.mode, 'full');
  assert.match(root.why, /cannot run a real node \(not running as root\)/);
  const unbuilt = chooseDevMode({ simulate: false, capability: able, missing: ['kubelet', 'kube-proxy', 'containerd', 'runc', 'crane', 'traefik'] });
  assert.equal(unbuilt.mode, 'full');
  assert.match(unbuilt.why, /kubelet, kube-proxy, containerd, runc and 2 more missing; test\/cluster\/build\.sh --node --gateway/);
});

test('--mode real is honoured even when something is missing (the build or the start says what)', () => {
  assert.equal(chooseDevMode({ asked: 'real', simulate: false, capability: able, missing: ['traefik'] }).mode, 'real');
});
