import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { engineHarness, phaseIs, type EngineHarness } from '../../support/engine-harness.js';
import { testClients, eventually } from '../../support/kube.js';
import { realNode, realBuildSettings, publishRegistry } from '../../support/real-node.js';
import { builderNamespace } from '../../../engine/controller/environment/cluster-settings.js';
import { environmentNamespace } from '../../../engine/render/names.js';
import { buildJobName } from '../../../engine/render/build-job.js';

// Three pushes in quick succession while Kaniko builds for real: the builds of the older commits
// are stopped (their Jobs deleted, their pods gone), one build runs at the end, and the newest
// commit is what the Service answers with.
const { batch, core } = testClients();
const node = realNode();
let h: EngineHarness;
let registry: Awaited<ReturnType<typeof publishRegistry>>;

const riofile = 'services:\n  api:\n    build:\n      dockerfile: Dockerfile\n    ports: 8080/http\n';
const dockerfile = 'FROM node:20-alpine\nWORKDIR /app\nCOPY server.js ./\nRUN echo building\nUSER node\nCMD ["node", "server.js"]\n';
const server = (version: string) => `import { createServer } from 'node:http';
createServer((req, res) => res.end('${version}')).listen(8080);
process.on('SIGTERM', () => process.exit(0));
`;

before(async () => {
  registry = await publishRegistry(node);
  h = await engineHarness({ settings: realBuildSettings(node.info, { registryEndpoint: registry.url }) });
  await node.exposeHostPort(Number(new URL(h.git.urlFor('x')).port));
});
after(async () => { await h.close(); await registry.close(); await node.close(); });

test('three quick pushes: the superseded builds are stopped, one build at the end, the newest commit served', { timeout: 600_000 }, async () => {
  const app = h.appName('rush');
  const envName = environmentNamespace({ app, kind: 'branch', branch: 'main', commit: '' });
  const builds = builderNamespace(h.namespace);
  const jobs = async () => (await batch.listNamespacedJob({ namespace: builds, labelSelector: `ria.dev/app=${app}` })).items;
  const c1 = await h.commitApp('rush', 'main', { Riofile: riofile, Dockerfile: dockerfile, 'server.js': server('one'), 'package.json': '{"type":"module"}\n' });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'rush') });
  // The first build is running on the node when the next pushes come.
  await eventually('the first build\'s pod runs', async () => {
    const pods = await core.listNamespacedPod({ namespace: builds, labelSelector: `job-name=${buildJobName(app, 'api', c1)}` });
    return pods.items.some((p) => p.status?.phase === 'Running') || undefined;
  }, 120_000, 250);
  const c2 = await h.commitApp('rush', 'main', { 'server.js': server('two') });
  h.engine.poke(h.git.urlFor('rush'));
  const c3 = await h.commitApp('rush', 'main', { 'server.js': server('three') });
  h.engine.poke(h.git.urlFor('rush'));

  // One build left: the newest commit's; the others' Jobs and pods are gone.
  await eventually('only the newest commit\'s build Job is left', async () => {
    const commits = (await jobs()).map((j) => j.metadata?.labels?.['ria.dev/commit']);
    return commits.length === 1 && commits[0] === c3 ? commits : undefined;
  }, 120_000, 250);
  await eventually('no pod of a superseded build is left', async () => {
    const pods = await core.listNamespacedPod({ namespace: builds, labelSelector: `ria.dev/app=${app}` });
    return pods.items.every((p) => p.metadata?.labels?.['job-name'] === buildJobName(app, 'api', c3)) || undefined;
  }, 90_000, 500);

  // Stopped as superseded (not merely cleaned up after it finished): the Event says so.
  const superseded = await eventually('a BuildSuperseded Event for the first commit', async () => {
    const events = await core.listNamespacedEvent({ namespace: h.namespace });
    return events.items.find((e) => e.reason === 'BuildSuperseded' && e.message?.includes(c1.slice(0, 7)));
  }, 30_000);
  assert.match(superseded.message ?? '', /stopped the build of api at/);

  const env = await h.waitEnvironment(envName, `Ready at ${c3}`, (e) => e.status?.appliedCommit === c3 && phaseIs('Ready')(e), 300_000);
  assert.deepEqual(env.status!.builds!.map((b) => [b.commit, b.phase]), [[c3, 'Succeeded']]);
  const answer = await eventually('the Service answers with the newest commit', async () => {
    const ip = (await core.readNamespacedService({ namespace: envName, name: 'api' })).spec?.clusterIP;
    const res = await node.request(`http://${ip}:8080/`, { timeoutMs: 3000 }).catch(() => undefined);
    return res?.status === 200 && res.body === 'three' ? res.body : undefined;
  }, 90_000, 500);
  assert.equal(answer, 'three');
  const commits = (await jobs()).map((j) => j.metadata?.labels?.['ria.dev/commit']);
  assert.deepEqual(commits, [c3], `one build at the end (c1 ${c1.slice(0, 7)}, c2 ${c2.slice(0, 7)} stopped)`);
});
