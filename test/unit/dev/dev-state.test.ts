import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp as mkdtempFs, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDevState, removeDevState, requireDevState, writeDevState, type DevState } from '../../../engine/dev/dev-state.js';

const dirs: string[] = [];
const mkdtemp = async (prefix: string) => { const d = await mkdtempFs(prefix); dirs.push(d); return d; };
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const state = (pid: number): DevState => ({
  version: 1, pid, startedAt: '2026-01-01T00:00:00Z', gitRoot: '/tmp/g', gitUrl: 'http://127.0.0.1:7080', examplesDir: '/x/examples',
  kubeconfigPath: '/tmp/kc', namespace: 'ria-system', webhookUrl: 'http://127.0.0.1:1/hooks/github', webhookSecret: 's3cret',
});

test('the state of a live ria dev is read back; the file is private (it holds the webhook secret)', async () => {
  const path = join(await mkdtemp(join(tmpdir(), 'ria-dev-state-')), 'dev', 'state.json');
  await writeDevState(path, state(process.pid));
  assert.deepEqual(await readDevState(path), state(process.pid));
  assert.equal((await stat(path)).mode & 0o777, 0o600);
});

test('a state file whose process is gone, or garbage, is no running ria dev', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ria-dev-state-'));
  const path = join(dir, 'state.json');
  await writeDevState(path, state(4242));
  assert.equal(await readDevState(path, () => false), undefined);
  assert.deepEqual(await readDevState(path, (pid) => pid === 4242), state(4242));
  await writeFile(path, '{not json');
  assert.equal(await readDevState(path), undefined);
  await assert.rejects(requireDevState(join(dir, 'missing.json')), (err: Error & { code?: string }) =>
    err.code === 'DevNotRunning' && /start it first with "npm start"/.test(err.message));
});

test('stopping removes the state file only if it is still ours', async () => {
  const path = join(await mkdtemp(join(tmpdir(), 'ria-dev-state-')), 'state.json');
  await writeDevState(path, state(1));
  await removeDevState(path, 2);
  assert.ok(JSON.parse(await readFile(path, 'utf8')), 'another ria dev\'s file stays');
  await removeDevState(path, 1);
  await assert.rejects(readFile(path));
});
