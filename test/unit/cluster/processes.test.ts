import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessGroup } from '../../../engine/dev/cluster/processes.js';
import { freePorts } from '../../../engine/dev/cluster/ports.js';
import { tempDir } from '../../support/temp-dir.js';

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

test('stop() ends every process it started, by pid', async () => {
  const dir = tempDir('ria-proc-');
  const group = new ProcessGroup();
  group.start('sleeper-a', 'sleep', ['60'], join(dir, 'a.log'));
  group.start('sleeper-b', 'sleep', ['60'], join(dir, 'b.log'));
  const pids = Object.values(group.pids);
  assert.equal(pids.length, 2);
  assert.ok(pids.every(alive));
  await group.stop();
  assert.ok(pids.every((p) => !alive(p)), 'no process left behind');
});

test('a process that dies at start is reported with its name, exit code and log file', async () => {
  const dir = tempDir('ria-proc-');
  const script = join(dir, 'fail.sh');
  await writeFile(script, 'echo "listen tcp 127.0.0.1:1234: bind: address already in use"; exit 3\n');
  const group = new ProcessGroup();
  group.start('etcd', 'bash', [script], join(dir, 'etcd.log'));
  await new Promise((r) => setTimeout(r, 300));
  assert.throws(() => group.checkAllAlive(), (err: Error & { code?: string; data?: Record<string, unknown> }) => {
    assert.equal(err.code, 'ClusterComponentFailed');
    assert.equal(err.data?.component, 'etcd');
    assert.equal(err.data?.logFile, join(dir, 'etcd.log'));
    assert.match(err.message, /^etcd: exited during start \(code 3\)/);
    assert.match(err.message, /address already in use/);
    return true;
  });
  await group.stop();
});

test('freePorts returns distinct loopback ports', async () => {
  const ports = await freePorts(6);
  assert.equal(new Set(ports).size, 6);
  assert.ok(ports.every((p) => p > 0 && p < 65536));
});
