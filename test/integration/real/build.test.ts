import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { engineHarness, phaseIs, type EngineHarness } from '../../support/engine-harness.js';
import { testClients, eventually } from '../../support/kube.js';
import { realNode, realBuildSettings } from '../../support/real-node.js';
import { builderNamespace } from '../../../engine/controller/environment/cluster-settings.js';

// A push → a Kaniko Job on the real node builds the Dockerfile at exactly that commit → the image
// is in the local registry → new pods run it → the Service answers with the new commit's code.
const { apps, batch, core } = testClients();
const node = realNode();
let h: EngineHarness;
let api: string;

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
}).listen(8080);
process.on('SIGTERM', () => process.exit(0));
`;

before(async () => {
  h = await engineHarness({ settings: realBuildSettings(node.info) });
  await node.exposeHostPort(Number(new URL(h.git.urlFor('x')).port));
  api = h.appName('api');
});
after(async () => { await h.close(); await node.close(); });

async function serviceAnswer(namespace: string): Promise<string | undefined> {
  const svc = await core.readNamespacedService({ namespace, name: 'api' }).catch(() => undefined);
  const ip = svc?.spec?.clusterIP;
  if (!ip) return undefined;
  const res = await node.request(`http://${ip}:8080/`, { timeoutMs: 3000 }).catch(() => undefined);
  return res?.status === 200 ? res.body : undefined;
}

test('push → Kaniko builds the Dockerfile on the node → the image is in the registry → the Service answers with the new commit', { timeout: 600_000 }, async () => {
  const first = await h.commitApp('api', 'main', { Riofile: riofile, Dockerfile: dockerfile, 'server.js': server('one'), 'package.json': '{"type":"module"}\n' });
  await h.commitConfig({ [`apps/${api}.yaml`]: h.appFile(api, 'api') });
  const env1 = await h.waitEnvironment(`${api}--main`, `Ready at ${first}`, (e) => e.status?.appliedCommit === first && phaseIs('Ready')(e), 300_000);
  const build = env1.status!.builds![0]!;
  assert.equal(build.phase, 'Succeeded');
  assert.equal(build.image, `${node.info.registry}/ria/${api}/api:${first}`);

  // The builder's log shows the Dockerfile's steps, really run.
  const pods = await core.listNamespacedPod({ namespace: builderNamespace(h.namespace), labelSelector: `job-name=${build.job}` });
  const log = await core.readNamespacedPodLog({ namespace: builderNamespace(h.namespace), name: pods.items[0]!.metadata!.name!, container: 'kaniko' });
  assert.match(log, /RUN echo "built by kaniko"/);
  assert.match(log, /Pushing image to/);

  // The image tagged with the commit is in the registry.
  const manifest = await node.request(`http://${node.info.registry}/v2/ria/${api}/api/manifests/${first}`,
    { headers: { accept: 'application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json' } });
  assert.equal(manifest.status, 200, manifest.body);

  // The Deployment runs it and the Service answers, from inside the node's network.
  const deployment = await apps.readNamespacedDeployment({ namespace: `${api}--main`, name: 'api' });
  assert.equal(deployment.spec?.template.spec?.containers[0]?.image, build.image);
  const body1 = await eventually('the Service answers', () => serviceAnswer(`${api}--main`), 60_000, 500);
  assert.deepEqual(JSON.parse(body1), { version: 'one', built: 'built by kaniko' });

  // A second push: new build, new pods, the new answer.
  const second = await h.commitApp('api', 'main', { 'server.js': server('two') });
  const env2 = await h.waitEnvironment(`${api}--main`, `Ready at ${second}`, (e) => e.status?.appliedCommit === second && phaseIs('Ready')(e), 300_000);
  const build2 = env2.status!.builds![0]!;
  assert.equal(build2.commit, second);
  assert.equal(build2.phase, 'Succeeded');
  assert.equal(build2.image, `${node.info.registry}/ria/${api}/api:${second}`);
  await eventually('the Service answers with the second commit', async () => {
    const b = await serviceAnswer(`${api}--main`);
    return b && JSON.parse(b).version === 'two' ? b : undefined;
  }, 90_000, 500);
  const jobs = await batch.listNamespacedJob({ namespace: builderNamespace(h.namespace) });
  assert.equal(jobs.items.filter((j) => j.metadata?.name?.includes(second.slice(0, 12))).length, 1, 'one build for the second commit');
});
