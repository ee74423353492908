import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { engineHarness, phaseIs, type EngineHarness } from '../../support/engine-harness.js';
import { testClients, eventually } from '../../support/kube.js';
import { realNode, realBuildSettings, publishRegistry } from '../../support/real-node.js';
import { captureIO } from '../../support/io.js';
import { builderNamespace } from '../../../engine/controller/environment/cluster-settings.js';
import { environmentNamespace } from '../../../engine/render/names.js';
import { setBranch } from '../../../engine/dev/git-fixtures.js';
import { main } from '../../../engine/cli/main.js';
import { environmentRow } from '../../../engine/observe/environment-table.js';

// A push → a Kaniko Job on the real node builds the Dockerfile at exactly that commit → the image
// is in the local registry → new pods run it → the Service answers with the new commit's code.
// `ria logs --build` prints the build's steps; a branch reset to a built commit deploys its image
// again without a build.
const { apps, batch, core } = testClients();
const node = realNode();
let h: EngineHarness;
let registry: Awaited<ReturnType<typeof publishRegistry>>;
let api: string;
let mainEnv: string;

const riofile = `services:
  api:
    build:
      dockerfile: Dockerfile
    ports: 8080/http
    readiness:
      httpGet:
        path: /healthz
        port: 8080
`;
const dockerfile = `FROM node:20-alpine
WORKDIR /app
COPY server.js ./
RUN echo "built by kaniko" > /app/built.txt
USER node
CMD ["node", "server.js"]
`;
const server = (version: string) => `import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
createServer((req, res) => {
  if (req.url === '/healthz') { res.end('ok'); return; }
  res.end(JSON.stringify({ version: '${version}', built: readFileSync('/app/built.txt', 'utf8').trim() }));
}).listen(8080, () => console.log('api ${version} listening'));
process.on('SIGTERM', () => process.exit(0));
`;

before(async () => {
  registry = await publishRegistry(node);
  h = await engineHarness({ settings: realBuildSettings(node.info, { registryEndpoint: registry.url }) });
  await node.exposeHostPort(Number(new URL(h.git.urlFor('x')).port));
  api = h.appName('api');
  mainEnv = environmentNamespace({ app: api, kind: 'branch', branch: 'main', commit: '' });
});
after(async () => { await h.close(); await registry.close(); await node.close(); });

// Each miss throws what it saw, so a timeout says which (no Service IP yet, the dial, the answer).
async function serviceAnswer(namespace: string): Promise<string> {
  const svc = await core.readNamespacedService({ namespace, name: 'api' }).catch(() => undefined);
  const ip = svc?.spec?.clusterIP;
  if (!ip) throw new Error(`no Service api with a cluster IP in ${namespace} yet`);
  const res = await node.request(`http://${ip}:8080/`, { timeoutMs: 3000 });
  if (res.status !== 200) throw new Error(`the Service answered ${res.status}: ${res.body.slice(0, 200)}`);
  return res.body;
}

const answersVersion = (version: string) => eventually(`the Service answers with version ${version}`, async () => {
  const b = await serviceAnswer(mainEnv);
  if (JSON.parse(b).version !== version) throw new Error(`the Service answered ${b}`);
  return b;
}, 90_000, 500);

const jobsAt = async (commit: string) => (await batch.listNamespacedJob({ namespace: builderNamespace(h.namespace), labelSelector: `ria.dev/commit=${commit}` })).items;

test('push → Kaniko builds the Dockerfile on the node → the image is in the registry → the Service answers with the new commit; ria logs --build shows the steps; a reset to a built commit reuses its image', { timeout: 600_000 }, async () => {
  const first = await h.commitApp('api', 'main', { Riofile: riofile, Dockerfile: dockerfile, 'server.js': server('one'), 'package.json': '{"type":"module"}\n' });
  await h.commitConfig({ [`apps/${api}.yaml`]: h.appFile(api, 'api') });
  const env1 = await h.waitEnvironment(mainEnv, `Ready at ${first}`, (e) => e.status?.appliedCommit === first && phaseIs('Ready')(e), 300_000);
  const build = env1.status!.builds![0]!;
  assert.equal(build.phase, 'Succeeded');
  assert.equal(build.reused, undefined, 'a first build is no reuse');
  assert.equal(build.image, `${node.info.registry}/ria/${api}/api:${first}`);

  // The builder's log shows the Dockerfile's steps, really run.
  const pods = await core.listNamespacedPod({ namespace: builderNamespace(h.namespace), labelSelector: `job-name=${build.job}` });
  const log = await core.readNamespacedPodLog({ namespace: builderNamespace(h.namespace), name: pods.items[0]!.metadata!.name!, container: 'kaniko' });
  assert.match(log, /RUN echo "built by kaniko"/);
  assert.match(log, /Pushing image to/);

  // ria logs --build: both containers of the build pod, the source fetch first, then Kaniko's steps.
  const io = captureIO();
  assert.equal(await main(['logs', api, '--env', 'main', '--build', '--kubeconfig', process.env.RIA_TEST_KUBECONFIG!], io), 0, io.err());
  const out = io.out();
  assert.match(out, /^==> pod\/build-\S+ fetch-source <==$/m);
  assert.match(out, /^==> pod\/build-\S+ kaniko <==$/m);
  assert.ok(out.indexOf('fetch-source <==') < out.indexOf('kaniko <=='), 'init container first');
  assert.match(out, /RUN echo "built by kaniko"/);
  assert.match(out, /COPY server\.js/);
  // -f on a finished build: the same steps through the streaming pods/log (follow=true), then it ends.
  const followed = captureIO();
  assert.equal(await main(['logs', api, '--build', '-f', '--kubeconfig', process.env.RIA_TEST_KUBECONFIG!], followed), 0, followed.err());
  assert.match(followed.out(), /fetch-source <==[\s\S]*kaniko <==[\s\S]*RUN echo "built by kaniko"/);
  const wrong = captureIO();
  assert.equal(await main(['logs', api, '--env', 'nope', '--kubeconfig', process.env.RIA_TEST_KUBECONFIG!], wrong), 1);
  assert.match(wrong.err(), new RegExp(`no environment nope for app ${api}; environments: main`));

  // The image tagged with the commit is in the registry.
  const manifest = await node.request(`http://${node.info.registry}/v2/ria/${api}/api/manifests/${first}`,
    { headers: { accept: 'application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json' } });
  assert.equal(manifest.status, 200, manifest.body);

  // The Deployment runs it and the Service answers, from inside the node's network.
  const deployment = await apps.readNamespacedDeployment({ namespace: mainEnv, name: 'api' });
  assert.equal(deployment.spec?.template.spec?.containers[0]?.image, build.image);
  const body1 = await eventually('the Service answers', () => serviceAnswer(mainEnv), 60_000, 500);
  assert.deepEqual(JSON.parse(body1), { version: 'one', built: 'built by kaniko' });
  // ria logs (no --build): the app's pods.
  const podsLog = captureIO();
  assert.equal(await main(['logs', api, '--kubeconfig', process.env.RIA_TEST_KUBECONFIG!], podsLog), 0, podsLog.err());
  assert.match(podsLog.out(), /^==> pod\/api-\S+ api <==\napi one listening$/m);

  // A second push: new build, new pods, the new answer.
  const second = await h.commitApp('api', 'main', { 'server.js': server('two') });
  const env2 = await h.waitEnvironment(mainEnv, `Ready at ${second}`, (e) => e.status?.appliedCommit === second && phaseIs('Ready')(e), 300_000);
  const build2 = env2.status!.builds![0]!;
  assert.equal(build2.commit, second);
  assert.equal(build2.phase, 'Succeeded');
  assert.equal(build2.image, `${node.info.registry}/ria/${api}/api:${second}`);
  await answersVersion('two');
  assert.equal((await jobsAt(second)).length, 1, 'one build for the second commit');

  // main reset to the first commit (a force push, a revert of the branch): its image is in the
  // registry, so it is deployed again with no build Job at all.
  await eventually('the first commit\'s Job cleaned up (no environment deploys it)', async () => (await jobsAt(first)).length === 0 || undefined, 60_000);
  await setBranch(h.git, 'api', 'main', first);
  const env3 = await h.waitEnvironment(mainEnv, `Ready at ${first} again`, (e) => e.status?.appliedCommit === first && phaseIs('Ready')(e), 120_000);
  assert.deepEqual(env3.status!.builds!.map((b) => [b.commit, b.phase, b.reused]), [[first, 'Succeeded', true]]);
  assert.equal((await jobsAt(first)).length, 0, 'no build Job for the reused image');
  assert.equal(environmentRow(env3, Date.now()).message, 'image reused, no build: api');
  await answersVersion('one');
});
