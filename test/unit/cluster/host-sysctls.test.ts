import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { holdSysctls, releaseSysctls } from '../../../engine/dev/cluster/host-state.js';
import { tempDir } from '../../support/temp-dir.js';

// kernel/ostype is readable and never writable: the record's logic is exercised without
// changing this machine's tunables.
const KEY = 'kernel/ostype';

test('host sysctls: the originals are recorded once across nodes; a dead holder is dropped; only the last live holder puts them back', () => {
  // Setup
  const path = join(tempDir('ria-sysctl-'), 'record.json');
  const me = process.pid;
  // A node that ran before and was killed (pid that cannot exist) recorded the host's value.
  writeFileSync(path, JSON.stringify({ original: { [KEY]: 'recorded-before' }, holders: ['999999999:killed'] }));

  // Test: a new node takes the recorded value, not what it reads now, and the dead holder goes.
  const a = holdSysctls(`${me}:a`, [KEY], path);
  assert.equal(a.get(KEY), 'recorded-before');
  const b = holdSysctls(`${me}:b`, [KEY], path);
  assert.equal(b.get(KEY), 'recorded-before');
  assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')).holders, [`${me}:a`, `${me}:b`]);

  // The first to stop leaves the values to the one still running.
  assert.deepEqual(releaseSysctls(`${me}:a`, path), []);
  assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')).holders, [`${me}:b`]);
  // The last one writes back (read-only here, so nothing changes) and removes the record.
  releaseSysctls(`${me}:b`, path);
  assert.equal(existsSync(path), false);
});

test('host sysctls: without a record, the first node records what the kernel has now', () => {
  const path = join(tempDir('ria-sysctl-'), 'record.json');
  const now = readFileSync(join('/proc/sys', KEY), 'utf8').trim();
  assert.equal(holdSysctls(`${process.pid}:x`, [KEY], path).get(KEY), now);
  assert.deepEqual(releaseSysctls(`${process.pid}:x`, path), []);
  assert.equal(existsSync(path), false);
});
