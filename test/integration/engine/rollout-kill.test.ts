import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { startGitServer, type GitServer } from '../../../engine/dev/git-server.js';
import { commitFiles, createRepo } from '../../../engine/dev/git-fixtures.js';
import { testClients, eventually } from '../../support/kube.js';
import { API_VERSION, type Environment } from '../../../engine/crds/types.js';
import type { ServiceRolloutState } from '../../../engine/rollout/types.js';
import { tempDir } from '../../support/temp-dir.js';

/**
 * The proof that rollout state lives in the cluster: a `ria engine` process is killed (SIGKILL,
 * no chance to write anything) in the middle of a rollout, and a new process continues from the
 * step recorded in the Environment's status, repeating and skipping none.
 */
const bin = fileURLToPath(new URL('../../../engine/cli/bin.js', import.meta.url));
const { core, objects } = testClients();
let git: GitServer;
let child: ChildProcess | undefined;
let output = '';
const suffix = randomBytes(3).toString('hex');
const namespace = `ria-kill-${suffix}`;
const app = `kill-${suffix}`;
const podName = `engine-${suffix}`;
let dateCounter = 0;
const nextDate = () => new Date(Date.UTC(2026, 1, 1) + ++dateCounter * 1000).toISOString();
const riofile = (marker: string) => `services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n    env:\n    - MARKER=${marker}\n    template: true\n    rollout:\n      increment: 20\n      interval: 4\n`;

function startEngine(): void {
  // The same Pod name after a restart, as a container restarted in its Pod: it takes its Lease back.
  child = spawn(process.execPath, [bin, 'engine', '--config-repo', git.urlFor('config'), '--namespace', namespace, '--http-port', '0', '--ops-port', '0', '--git-cache-dir', tempDir('ria-engine-git-cache-')], {
    env: { ...process.env, KUBECONFIG: process.env.RIA_TEST_KUBECONFIG, RIA_POD_NAME: podName },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c: Buffer) => { output += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { output += c.toString(); });
}

const environment = () => objects.read({ apiVersion: API_VERSION, kind: 'Environment', metadata: { name: `${app}--main`, namespace } }).then((e) => e as unknown as Environment, () => undefined);
const web = (e: Environment | undefined): ServiceRolloutState | undefined => e?.status?.rollout?.services['web'];

before(async () => {
  git = await startGitServer();
  await createRepo(git, 'config');
  await createRepo(git, 'app');
  await commitFiles(git, 'app', 'main', { Riofile: riofile('one') }, 'one', { date: nextDate() });
  await commitFiles(git, 'config', 'main', {
    'ria.yaml': 'pollInterval: 1s\ndomain: apps.test\n',
    [`apps/${app}.yaml`]: `repo: ${git.urlFor('app')}\nbranches: [main]\n`,
  }, 'config', { date: nextDate() });
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await core.createNamespacedPod({ namespace, body: { metadata: { name: podName, labels: { 'app.kubernetes.io/name': 'ria' } },
    spec: { containers: [{ name: 'engine', image: 'ria:test' }] } } });
  startEngine();
});
after(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await git.stop();
});

test('`ria engine` killed with SIGKILL mid-rollout: a new process continues from the recorded step, none repeated or skipped', async () => {
  const c1 = await eventually('first version Ready', async () => {
    const e = await environment();
    return e?.status?.phase === 'Ready' && web(e)?.stable ? web(e)!.stable!.commit : undefined;
  }, 90_000);
  const c2 = await commitFiles(git, 'app', 'main', { Riofile: riofile('two') }, 'two', { date: nextDate() });
  assert.notEqual(c1, c2);
  await eventually('step 2 of the new version', async () => (web(await environment())?.canary?.commit === c2 && web(await environment())!.step >= 2 ? true : undefined), 60_000, 100);
  child!.kill('SIGKILL');
  await new Promise<void>((resolve) => child!.once('exit', () => resolve()));
  const recorded = web(await environment())!;
  assert.equal(recorded.canary?.commit, c2);
  // Down for more than two intervals; nothing moves meanwhile.
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  const whileDown = web(await environment())!;
  assert.deepEqual([whileDown.step, whileDown.weight, whileDown.lastTransition], [recorded.step, recorded.weight, recorded.lastTransition]);

  output = '';
  startEngine();
  const seen: Array<[number, number, string]> = [];
  await eventually('rollout complete after the restart', async () => {
    const s = web(await environment());
    if (!s) return undefined;
    if (s.canary && seen.at(-1)?.[0] !== s.step) seen.push([s.step, s.weight, s.lastTransition]);
    return s.phase === 'Complete' && s.stable?.commit === c2 ? s : undefined;
  }, 90_000, 100).catch((err: Error) => { throw new Error(`${err.message}; engine output:\n${output.slice(-3000)}`); });
  const after = seen.filter(([step]) => step > recorded.step).map(([step, weight]) => [step, weight]);
  const expected = [3, 4].filter((k) => k > recorded.step).map((k) => [k, 20 * k]);
  assert.deepEqual(after, expected, `continued from step ${recorded.step} (${recorded.weight}%): ${JSON.stringify(seen)}`);
  for (const [step, , at] of seen) if (step === recorded.step) assert.equal(at, recorded.lastTransition, `step ${step} was not taken again`);
  const final = web(await environment())!;
  assert.equal(final.reason, 'RolledOut');
  assert.ok(seen.every(([step]) => step >= recorded.step), 'no step went back');
});
