/**
 * `ria logs`: which environment, which pods and containers, in which order, and errors that say
 * what there is. The Kubernetes side (pods/log) is a fake LogsSource here; the real one is used
 * by the real-node integration test (test/integration/real/build-logs.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogsCommand, parseLogsArgs, pickEnvironment } from '../../../engine/cli/logs-command.js';
import { podContainers, type LogsSource, type PodContainers } from '../../../engine/cli/logs-source.js';
import { helpText } from '../../../engine/cli/main.js';
import type { Environment } from '../../../engine/crds/types.js';
import { captureIO } from '../../support/io.js';

const C1 = 'c'.repeat(40);
const env = (app: string, target: string, extra: Partial<Environment> = {}): Environment => ({
  apiVersion: 'ria.dev/v1alpha1', kind: 'Environment', metadata: { name: `${app}-${target}`, namespace: 'ria-system' },
  spec: { app, kind: 'branch', target, commit: C1, namespace: `${app}-${target}-ns` }, ...extra,
});

test('arguments: app, --env, --build, -f, --tail', () => {
  assert.deepEqual(parseLogsArgs(['hello', '--env', 'pr-3', '--build', '-f', '--tail', '5']), { app: 'hello', env: 'pr-3', build: true, follow: true, tail: 5 });
  assert.throws(() => parseLogsArgs([]), /name the app/);
  assert.throws(() => parseLogsArgs(['a', '--tail', 'x']), /--tail needs a number/);
  assert.throws(() => parseLogsArgs(['a', '--bogus']), /unknown option "--bogus"/);
});

test('the environment: named, the only one, else main; errors list what there is', () => {
  const envs = [env('hello', 'main'), env('hello', 'pr-10'), env('hello', 'pr-2'), env('notes', 'main')];
  assert.equal(pickEnvironment(envs, 'hello').spec.target, 'main');
  assert.equal(pickEnvironment(envs, 'hello', 'pr-2').spec.target, 'pr-2');
  assert.equal(pickEnvironment([env('api', 'dev')], 'api').spec.target, 'dev');
  assert.throws(() => pickEnvironment(envs, 'hello', 'staging'), /^RiaError: no environment staging for app hello; environments: main, pr-2, pr-10$/);
  assert.throws(() => pickEnvironment(envs.slice(1, 3), 'hello'), /no environment main for app hello; environments: pr-2, pr-10 \(pick one with --env\)/);
  assert.throws(() => pickEnvironment(envs, 'shop'), /no environments for app shop; apps with environments: hello, notes/);
});

test('podContainers: init containers first; a container waiting has no log yet', () => {
  const p = podContainers({ metadata: { name: 'p' }, spec: { initContainers: [{ name: 'fetch-source' }], containers: [{ name: 'kaniko' }] },
    status: { phase: 'Pending', initContainerStatuses: [{ name: 'fetch-source', state: {} }], containerStatuses: [{ name: 'kaniko', state: { waiting: { reason: 'PodInitializing' } } }] } });
  assert.deepEqual(p, { name: 'p', done: false, containers: [
    { name: 'fetch-source', init: true, started: true }, { name: 'kaniko', init: false, started: false, waiting: 'PodInitializing' }] });
});

function fakeSource(envs: Environment[], pods: Record<string, PodContainers[]>, logs: Record<string, string>) {
  const calls: string[] = [];
  const source: LogsSource = {
    environments: async () => envs,
    pods: async (ns, selector) => { calls.push(`pods ${ns} ${selector ?? ''}`); return pods[`${ns} ${selector ?? ''}`] ?? []; },
    read: async (ns, pod, container) => logs[`${ns}/${pod}/${container}`] ?? '',
    follow: async (ns, pod, container, out) => { out.write(logs[`${ns}/${pod}/${container}`] ?? ''); },
  };
  return { source, calls };
}

const built = env('api', 'main', { status: { builds: [{ service: 'api', commit: C1, job: 'build-api-1', image: 'r/api:1', phase: 'Failed' }] } });
const buildPod: PodContainers = { name: 'build-api-1-xyz', done: true, containers: [
  { name: 'fetch-source', init: true, started: true }, { name: 'kaniko', init: false, started: true }] };

test('--build: the build pod\'s containers in order, from the builder namespace of Ria\'s namespace', async () => {
  const { source, calls } = fakeSource([built], { 'ria-system-builds job-name=build-api-1': [buildPod] }, {
    'ria-system-builds/build-api-1-xyz/fetch-source': 'fetched\n',
    'ria-system-builds/build-api-1-xyz/kaniko': 'INFO[0001] RUN echo hi\nhi',
  });
  const io = captureIO();
  assert.equal(await createLogsCommand({ source: () => source, loadKubeConfig: () => undefined as never }).run(['api', '--build'], io), 0);
  assert.equal(io.out(), '==> pod/build-api-1-xyz fetch-source <==\nfetched\n==> pod/build-api-1-xyz kaniko <==\nINFO[0001] RUN echo hi\nhi\n');
  assert.deepEqual(calls, ['pods ria-system-builds job-name=build-api-1']);
});

test('--build: a reused image and a Job that is gone say so', async () => {
  const reused = env('api', 'main', { status: { builds: [{ service: 'api', commit: C1, job: 'j', image: 'r/api:1', phase: 'Succeeded', reused: true }] } });
  const a = fakeSource([reused], {}, {});
  const io = captureIO();
  await createLogsCommand({ source: () => a.source, loadKubeConfig: () => undefined as never }).run(['api', '--build'], io);
  assert.match(io.out(), /build of api at ccccccc: none ran, the registry had r\/api:1 already/);
  const gone = env('api', 'main', { status: { builds: [{ service: 'api', commit: C1, job: 'j', image: 'i', phase: 'Failed', logTail: 'last words' }] } });
  const b = fakeSource([gone], {}, {});
  const io2 = captureIO();
  await createLogsCommand({ source: () => b.source, loadKubeConfig: () => undefined as never }).run(['api', '--build'], io2);
  assert.match(io2.err(), /has no pod any more.*\nlast words/s);
  const none = fakeSource([env('api', 'main')], {}, {});
  await assert.rejects(createLogsCommand({ source: () => none.source, loadKubeConfig: () => undefined as never }).run(['api', '--build'], captureIO()),
    /environment main of api has no build at ccccccc \(its services run images named in the Riofile/);
});

test('pods: every container of every pod in the environment\'s namespace; -f prefixes lines when following several', async () => {
  const pods: PodContainers[] = [
    { name: 'web-1', done: false, containers: [{ name: 'web', init: false, started: true }] },
    { name: 'web-2', done: false, containers: [{ name: 'web', init: false, started: true }] },
  ];
  const { source } = fakeSource([env('hello', 'main')], { 'hello-main-ns ': pods }, { 'hello-main-ns/web-1/web': 'one\n', 'hello-main-ns/web-2/web': 'two\nmore' });
  const io = captureIO();
  await createLogsCommand({ source: () => source, loadKubeConfig: () => undefined as never }).run(['hello'], io);
  assert.equal(io.out(), '==> pod/web-1 web <==\none\n==> pod/web-2 web <==\ntwo\nmore\n');
  const f = captureIO();
  await createLogsCommand({ source: () => source, loadKubeConfig: () => undefined as never, until: () => new Promise(() => {}) }).run(['hello', '-f'], f);
  assert.deepEqual(f.out().split('\n').filter(Boolean).sort(), ['[pod/web-1/web] one', '[pod/web-2/web] more', '[pod/web-2/web] two']);
});

test('ria --help lists logs', () => {
  assert.match(helpText(), /^ {2}logs +print the log of an app's pods/m);
});
