import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { engineHarness, phaseIs, type EngineHarness } from '../../support/engine-harness.js';
import { testClients, eventually } from '../../support/kube.js';

const { apps, batch, core } = testClients();
let h: EngineHarness;

before(async () => {
  // Polling slowed to an hour: each test says exactly when the engine looks (poke), like a webhook.
  h = await engineHarness({ settings: 'pollInterval: 1h\ndomain: apps.test\n' });
});
after(() => h.close());

const buildRiofile = (n: number) => `services:\n  api:\n    image: ./\n    ports: 8080/http\n    env:\n    - REVISION_NUMBER=${n}\n`;
const jobsOf = async (app: string) => (await batch.listNamespacedJob({ namespace: `${h.namespace}-builds`, labelSelector: `ria.dev/app=${app}` })).items;

async function startApp(base: string, riofile: string): Promise<{ app: string; sha: string }> {
  const app = h.appName(base);
  const sha = await h.commitApp(base, 'main', { Riofile: riofile, Dockerfile: 'FROM scratch\n' });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, base) });
  h.engine.poke(h.git.urlFor('config'));
  return { app, sha };
}

test('three pushes in quick succession: only the newest is deployed, the superseded build Job is deleted', async () => {
  const { app, sha: first } = await startApp('rush', buildRiofile(0));
  await h.waitEnvironment(`${app}--main`, 'Ready at the first commit', (e) => e.status?.appliedCommit === first && e.status.phase === 'Ready');

  const c1 = await h.commitApp('rush', 'main', { Riofile: buildRiofile(1) });
  h.engine.poke(h.git.urlFor('rush'));
  await eventually('build Job for c1', async () => (await jobsOf(app)).some((j) => j.metadata?.labels?.['ria.dev/commit'] === c1) || undefined);
  const c2 = await h.commitApp('rush', 'main', { Riofile: buildRiofile(2) });
  const c3 = await h.commitApp('rush', 'main', { Riofile: buildRiofile(3) });
  h.engine.poke(h.git.urlFor('rush'));

  const env = await h.waitEnvironment(`${app}--main`, 'Ready at c3', (e) => e.status?.appliedCommit === c3 && e.status.phase === 'Ready');
  assert.equal(env.spec.commit, c3);
  const deployment = await apps.readNamespacedDeployment({ namespace: `${app}--main`, name: 'api' });
  assert.match(deployment.spec?.template.spec?.containers[0]?.image ?? '', new RegExp(`:${c3}$`));
  await eventually('superseded Jobs deleted', async () => {
    const commits = (await jobsOf(app)).map((j) => j.metadata?.labels?.['ria.dev/commit']);
    return !commits.includes(c1) && !commits.includes(first) ? commits : undefined;
  });
  const commits = (await jobsOf(app)).map((j) => j.metadata?.labels?.['ria.dev/commit']);
  assert.deepEqual(commits, [c3]);
  const replicaSets = await apps.listNamespacedReplicaSet({ namespace: `${app}--main` });
  const images = replicaSets.items.map((rs) => rs.spec?.template?.spec?.containers[0]?.image ?? '');
  assert.ok(!images.some((i) => i.endsWith(c2)), 'c2 was never deployed');
});

test('an engine killed mid-build and restarted continues without a second Job or losing the environment', async () => {
  const { app, sha } = await startApp('phoenix', buildRiofile(0));
  await eventually('build Job created', async () => (await jobsOf(app)).length === 1 || undefined);
  const [job] = await jobsOf(app);
  await h.restartEngine();
  h.engine.poke(h.git.urlFor('config'));
  const env = await h.waitEnvironment(`${app}--main`, 'Ready after restart', (e) => e.status?.appliedCommit === sha && e.status.phase === 'Ready');
  assert.equal(env.status?.builds?.[0]?.phase, 'Succeeded');
  const jobs = await jobsOf(app);
  assert.equal(jobs.length, 1, 'one build per commit and service');
  assert.equal(jobs[0]?.metadata?.uid, job?.metadata?.uid, 'the Job started before the restart was reused');
});

test('git server down: backoff, a condition saying so, nothing deleted; back up: converges', async () => {
  const app = h.appName('steady');
  await h.commitApp('steady', 'main', { Riofile: 'services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n' });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'steady') });
  h.engine.poke(h.git.urlFor('config'));
  await h.waitEnvironment(`${app}--main`, 'Ready', phaseIs('Ready'));
  const before = await apps.readNamespacedDeployment({ namespace: `${app}--main`, name: 'web' });

  await h.git.setDown('refuse');
  const next = await h.commitApp('steady', 'main', { Riofile: 'services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n    scale: 2\n' });
  h.engine.poke(h.git.urlFor('steady'));
  const down = await eventually('App says its source is unreachable', async () => {
    const a = await h.app(app);
    const c = a?.status?.conditions?.find((x) => x.type === 'SourceReady');
    return c?.status === 'False' ? c : undefined;
  }, 30_000);
  assert.equal(down.reason, 'GitUnreachable');
  assert.match(down.message, /nothing deployed is changed/);
  h.engine.poke(h.git.urlFor('steady'));
  await new Promise((r) => setTimeout(r, 3_000));
  assert.ok(await h.environment(`${app}--main`), 'the environment is not deleted while the source is down');
  const during = await apps.readNamespacedDeployment({ namespace: `${app}--main`, name: 'web' });
  assert.equal(during.metadata?.uid, before.metadata?.uid);
  assert.equal(during.spec?.replicas, 1);

  await h.git.setDown(false);
  await h.waitEnvironment(`${app}--main`, 'converged on the new commit', (e) => e.status?.appliedCommit === next && e.status.phase === 'Ready', 90_000);
  assert.equal((await apps.readNamespacedDeployment({ namespace: `${app}--main`, name: 'web' })).spec?.replicas, 2);
  const a = await h.app(app);
  assert.equal(a?.status?.conditions?.find((x) => x.type === 'SourceReady')?.status, 'True');
});

test('an object the API server refuses (over quota) fails the environment with the server\'s reason, keeps what runs, and is retried until it goes through', async () => {
  const web = 'services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n';
  const { app, sha } = await startApp('quota', web);
  const ns = `${app}--main`;
  await h.waitEnvironment(ns, 'Ready', (e) => e.status?.appliedCommit === sha && e.status.phase === 'Ready');
  const running = await apps.readNamespacedDeployment({ namespace: ns, name: 'web' });
  const services = (await core.listNamespacedService({ namespace: ns })).items.length;
  // Someone caps the namespace at the Services it has; the next commit adds an exposed service.
  await core.createNamespacedResourceQuota({ namespace: ns, body: { metadata: { name: 'cap' }, spec: { hard: { services: String(services) } } } });
  await eventually('quota status', async () => (await core.readNamespacedResourceQuota({ namespace: ns, name: 'cap' })).status?.hard ? true : undefined);
  const next = await h.commitApp('quota', 'main', { Riofile: `${web}  api:\n    image: busybox:1.36\n    ports: 8080/http\n` });
  h.engine.poke(h.git.urlFor('quota'));
  const failed = await h.waitEnvironment(ns, 'Failed with the reason', (e) => e.status?.observedCommit === next && e.status.phase === 'Failed');
  const ready = failed.status?.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready?.reason, 'ApplyRefused');
  assert.match(ready?.message ?? '', /apply Service\/.+: .*exceeded quota/);
  assert.equal(failed.status?.appliedCommit, sha, 'the last good commit is what is applied');
  const still = await apps.readNamespacedDeployment({ namespace: ns, name: 'web' });
  assert.equal(still.metadata?.uid, running.metadata?.uid, 'what ran keeps running');
  // The cap is lifted: the retry (with backoff, no poke needed) goes through.
  await core.deleteNamespacedResourceQuota({ namespace: ns, name: 'cap' });
  await h.waitEnvironment(ns, 'Ready at the new commit', (e) => e.status?.appliedCommit === next && e.status.phase === 'Ready', 90_000);
});
