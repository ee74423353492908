/**
 * What `npm start` does, end to end on the shared test cluster: runDev (the function `ria dev`
 * runs) serves a copy of examples/, the engine deploys every example until Ready, then a change
 * pushed with `ria dev push` and a pull request opened and closed with `ria dev pr` go through
 * the served repositories and GitHub-style webhooks, as in the README walkthrough.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { runDev, type DevSession, type DevTimings } from '../../../engine/dev/run-dev.js';
import { defaultExamplesDir } from '../../../engine/dev/examples.js';
import { createDevCommand } from '../../../engine/cli/dev-command.js';
import { API_VERSION, type Environment } from '../../../engine/crds/types.js';
import { DEMO_SECRET } from '../../../engine/dev/demo-objects.js';
import { testClients, eventually } from '../../support/kube.js';
import { captureIO } from '../../support/io.js';

const { apps, core, batch } = testClients();
const execFileAsync = promisify(execFile);
let dir: string;
let examplesDir: string;
let statePath: string;
let session: DevSession;
let timings: DevTimings;
const tables: Environment[][] = [];
const namespace = `ria-dev-${randomBytes(3).toString('hex')}`;

const env = (name: string) => session.ctx.objects.get<Environment>({ apiVersion: API_VERSION, kind: 'Environment', namespace, name });
async function waitEnv(name: string, what: string, check: (e: Environment) => boolean, timeoutMs = 90_000): Promise<Environment> {
  let last: Environment | undefined;
  try {
    return await eventually(`${name}: ${what}`, async () => { last = await env(name); return last && check(last) ? last : undefined; }, timeoutMs);
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen: ${JSON.stringify(last?.status ?? null)}`);
  }
}
async function cli(...args: string[]): Promise<string> {
  const io = captureIO(dir);
  const code = await createDevCommand({ statePath }).run(args, io);
  assert.equal(code, 0, `ria dev ${args.join(' ')}: ${io.err()}`);
  return io.out();
}
async function editRiofile(example: string, from: string, to: string): Promise<void> {
  const path = join(examplesDir, example, 'Riofile');
  const text = await readFile(path, 'utf8');
  assert.ok(text.includes(from), `${path} contains ${from}`);
  await writeFile(path, text.replace(from, to));
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ria-dev-test-'));
  examplesDir = join(dir, 'examples');
  await cp(defaultExamplesDir(), examplesDir, { recursive: true });
  statePath = join(dir, 'state.json');
  const gatewayCrdsPath = process.env.RIA_TEST_GATEWAY_API_CRDS;
  assert.ok(gatewayCrdsPath, 'RIA_TEST_GATEWAY_API_CRDS is set by test/run.ts');
  session = await runDev({
    cluster: { kubeconfigPath: process.env.RIA_TEST_KUBECONFIG!, gatewayCrdsPath }, namespace, examplesDir, statePath, gitPort: 0,
    onTable: (envs) => tables.push(envs),
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`examples not Ready within 120s: ${
    JSON.stringify(session.environments().map((e) => [e.metadata.name, e.status?.phase, e.status?.conditions?.find((c) => c.type === 'Ready')?.message]))}`)), 120_000); });
  try {
    timings = await Promise.race([session.ready, late]);
  } finally {
    clearTimeout(timer);
  }
});
after(async () => {
  await session?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('every example is Ready with its URL, and the last table printed before "ready" shows it', async () => {
  assert.deepEqual(session.apps, ['api', 'hello', 'notes']);
  const last = tables.at(-1)!;
  assert.deepEqual(last.map((e) => [e.spec.app, e.spec.target, e.status?.phase]).sort(), [['api', 'main', 'Ready'], ['hello', 'main', 'Ready'], ['notes', 'main', 'Ready']]);
  assert.ok(tables.length >= 2, 'the table was reprinted as environments progressed');
  assert.ok(timings.clusterMs < 1000, `no control plane was started: ${JSON.stringify(timings)}`);
  assert.ok(timings.readyMs! >= timings.clusterMs + timings.setupMs, JSON.stringify(timings));
  for (const app of session.apps) {
    const e = (await env(`${app}--main`))!;
    assert.equal(e.status?.url, `https://${app}--main.ria.localhost`);
    assert.equal(e.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  }
});

test('the examples\' objects: weighted versions, a completed build with an HPA and router, configs and the copied Secret', async () => {
  const hello = await apps.readNamespacedDeployment({ namespace: 'hello--main', name: 'hello' });
  assert.equal(hello.spec?.replicas, 2);
  assert.equal(hello.status?.availableReplicas, 2, 'kwok ran the pods');
  assert.equal((await apps.readNamespacedDeployment({ namespace: 'hello--main', name: 'hello-v2' })).status?.availableReplicas, 1);
  const route = await session.ctx.objects.get<{ spec: { rules: Array<{ backendRefs: Array<{ name: string; weight: number }> }> } }>(
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: 'hello--main', name: 'hello' });
  assert.deepEqual(route?.spec.rules[0]?.backendRefs.map((b) => [b.name, b.weight]), [['hello-v1', 80], ['hello-v2', 20]]);

  const api = (await env('api--main'))!;
  const build = api.status?.builds?.[0];
  assert.equal(build?.phase, 'Succeeded');
  const job = await batch.readNamespacedJob({ namespace: `${namespace}-builds`, name: build!.job });
  assert.ok(job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'), 'the build Job completed (simulated)');
  const deployment = await apps.readNamespacedDeployment({ namespace: 'api--main', name: 'api' });
  assert.equal(deployment.spec?.template.spec?.containers[0]?.image, build!.image);
  assert.ok(await session.ctx.objects.get({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', namespace: 'api--main', name: 'api' }));
  assert.ok(await session.ctx.objects.get({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: 'api--main', name: 'front' }));

  const secret = await core.readNamespacedSecret({ namespace: 'notes--main', name: DEMO_SECRET.name });
  assert.equal(Buffer.from(secret.data!.user!, 'base64').toString(), DEMO_SECRET.user);
  assert.equal(secret.metadata?.labels?.['ria.dev/copied-from'], DEMO_SECRET.namespace);
  const cm = await core.readNamespacedConfigMap({ namespace: 'notes--main', name: 'notes-site' });
  assert.match(cm.data?.['index.html'] ?? '', /Team notes/);
});

test('the state file points the helpers at this ria dev; the served config names the running git server', async () => {
  const state = JSON.parse(await readFile(statePath, 'utf8')) as { pid: number; gitUrl: string; namespace: string; webhookUrl: string };
  assert.equal(state.pid, process.pid);
  assert.equal(state.gitUrl, session.git.url);
  assert.equal(state.namespace, namespace);
  assert.match(state.webhookUrl, /^http:\/\/127\.0\.0\.1:\d+\/hooks\/github$/);
  const app = await session.ctx.objects.get<{ spec: { repo: string } }>({ apiVersion: API_VERSION, kind: 'App', namespace, name: 'hello' });
  assert.equal(app?.spec.repo, `${session.git.url}/ria-examples/hello.git`);
  // The served repos are plain git over HTTP: what `git clone <printed remote>` talks to.
  const refs = await fetch(`${session.git.url}/ria-examples/hello.git/info/refs?service=git-upload-pack`);
  assert.equal(refs.status, 200);
  assert.match(await refs.text(), /refs\/heads\/main/);
});

test('ria dev push: a scale change in the working copy is deployed', async () => {
  await editRiofile('hello', '    scale: 2\n', '    scale: 3\n');
  const out = await cli('push', 'hello');
  const sha = /: ([0-9a-f]{7})\n/.exec(out)?.[1];
  assert.ok(sha, out);
  const e = await waitEnv('hello--main', `applied ${sha}`, (x) => x.status?.shortCommit === sha && x.status?.phase === 'Ready');
  assert.equal(e.spec.commit.slice(0, 7), sha);
  assert.equal((await apps.readNamespacedDeployment({ namespace: 'hello--main', name: 'hello' })).spec?.replicas, 3);
  assert.match(await cli('push', 'hello'), /nothing to push/);
});

test('plain git against the printed remote: clone, commit, push → deployed at the next poll', async () => {
  const clone = join(dir, 'clone');
  const git = (...args: string[]) => execFileAsync('git', ['-c', 'user.name=Dev', '-c', 'user.email=dev@example.invalid', ...args],
    { cwd: clone, env: { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', HOME: dir } });
  await execFileAsync('git', ['clone', '--quiet', `${session.git.url}/ria-examples/notes.git`, clone], { env: { PATH: process.env.PATH, GIT_CONFIG_GLOBAL: '/dev/null', HOME: dir } });
  const riofile = join(clone, 'Riofile');
  await writeFile(riofile, (await readFile(riofile, 'utf8')).replace('<h1>Team notes</h1>', '<h1>Team notes, pushed with git</h1>'));
  await git('commit', '--quiet', '-am', 'notes: new title');
  await git('push', '--quiet', 'origin', 'main');
  const sha = (await git('rev-parse', 'HEAD')).stdout.trim();
  await waitEnv('notes--main', `applied ${sha}`, (x) => x.status?.appliedCommit === sha && x.status?.phase === 'Ready', 60_000);
  const cm = await core.readNamespacedConfigMap({ namespace: 'notes--main', name: 'notes-site' });
  assert.match(cm.data?.['index.html'] ?? '', /Team notes, pushed with git/);
});

test('ria dev pr open → a preview environment at the branch head; pr close → it is removed', async () => {
  await editRiofile('hello', '    weight: 20\n', '    weight: 50\n');
  await editRiofile('hello', '    weight: 80\n', '    weight: 50\n');
  const pushed = await cli('push', 'hello', '--branch', 'try-it');
  assert.match(pushed, /try-it \(new branch\)/);
  const opened = await cli('pr', 'open', 'hello', 'try-it');
  const n = Number(/pull request #(\d+)/.exec(opened)?.[1]);
  assert.ok(n >= 1, opened);
  const preview = await waitEnv(`hello--pr-${n}`, 'Ready', (x) => x.status?.phase === 'Ready');
  assert.equal(preview.spec.kind, 'pr');
  assert.equal(preview.spec.pullRequest, n);
  assert.equal(preview.status?.url, `https://hello--pr-${n}.ria.localhost`);
  const route = await session.ctx.objects.get<{ spec: { rules: Array<{ backendRefs: Array<{ weight: number }> }> } }>(
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: `hello--pr-${n}`, name: 'hello' });
  assert.deepEqual(route?.spec.rules[0]?.backendRefs.map((b) => b.weight), [50, 50], 'the preview runs the branch');
  const main = await session.ctx.objects.get<{ spec: { rules: Array<{ backendRefs: Array<{ weight: number }> }> } }>(
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: 'hello--main', name: 'hello' });
  assert.deepEqual(main?.spec.rules[0]?.backendRefs.map((b) => b.weight), [80, 20], 'main is untouched');
  await eventually('the table showed the preview', async () => tables.some((t) => t.some((e) => e.spec.target === `pr-${n}` && e.status?.phase === 'Ready')), 5_000);

  // Pushing to the PR's branch moves the PR (synchronize) and redeploys the preview.
  await editRiofile('hello', '    scale: 1\n', '    scale: 2\n');
  const again = await cli('push', 'hello', '--branch', 'try-it');
  assert.match(again, new RegExp(`pull request #${n} follows try-it`));
  const head = /: ([0-9a-f]{7})\n/.exec(again)![1]!;
  await waitEnv(`hello--pr-${n}`, `redeployed at ${head}`, (x) => x.status?.shortCommit === head && x.status?.phase === 'Ready');
  assert.equal((await apps.readNamespacedDeployment({ namespace: `hello--pr-${n}`, name: 'hello-v2' })).spec?.replicas, 2);

  assert.match(await cli('pr', 'close', 'hello', 'try-it'), new RegExp(`closed pull request #${n}`));
  await eventually('preview Environment and namespace gone', async () => {
    const gone = !(await env(`hello--pr-${n}`));
    const ns = await core.readNamespace({ name: `hello--pr-${n}` }).catch(() => undefined);
    return gone && !ns ? true : undefined;
  }, 90_000);
});

test('stop removes the state file and stops the git server and the engine (the cluster given is left running)', async () => {
  const gitUrl = session.git.url;
  await session.stop();
  await assert.rejects(stat(statePath));
  await assert.rejects(fetch(`${gitUrl}/ria-examples/hello.git/info/refs?service=git-upload-pack`));
  const io = captureIO(dir);
  assert.equal(await createDevCommand({ statePath }).run(['push', 'hello'], io).catch((err: Error & { code?: string }) => err.code), 'DevNotRunning');
  assert.ok((await core.readNamespace({ name: namespace })).metadata?.name, 'the shared cluster still answers');
});
