import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { engineHarness, phaseIs, type EngineHarness } from '../../support/engine-harness.js';
import { testClients, eventually } from '../../support/kube.js';

const { apps, batch, core } = testClients();
let h: EngineHarness;
let shop: string;
let api: string;
const riofile = (scale: number, withWorker = true) => `services:
  web:
    image: nginx:1.27
    ports: 80/http
    scale: ${scale}
${withWorker ? `  worker:
    image: busybox:1.36
    command: sleep 3600
` : ''}`;

before(async () => {
  h = await engineHarness();
  shop = h.appName('shop');
  api = h.appName('api');
  await h.commitApp('shop', 'main', { Riofile: riofile(1) });
  await h.commitApp('api', 'main', { Riofile: 'services:\n  api:\n    image: ./\n    ports: 8080/http\n', Dockerfile: 'FROM scratch\n' });
  await h.commitConfig({ [`apps/${shop}.yaml`]: h.appFile(shop, 'shop'), [`apps/${api}.yaml`]: h.appFile(api, 'api') });
});
after(() => h.close());

test('a config repo with two apps: Apps and Environments appear, builds complete, both become Ready with URLs', async () => {
  const shopEnv = await h.waitEnvironment(`${shop}--main`, 'Ready', phaseIs('Ready'));
  assert.equal(shopEnv.spec.app, shop);
  assert.equal(shopEnv.spec.target, 'main');
  assert.equal(shopEnv.status?.url, `https://web--${shop}--main.apps.test`);
  assert.equal(shopEnv.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  const web = await apps.readNamespacedDeployment({ namespace: `${shop}--main`, name: 'web' });
  assert.equal(web.spec?.replicas, 1);
  assert.equal(web.status?.availableReplicas, 1);

  const apiEnv = await h.waitEnvironment(`${api}--main`, 'Ready after its build', phaseIs('Ready'));
  const build = apiEnv.status?.builds?.[0];
  assert.equal(build?.service, 'api');
  assert.equal(build?.phase, 'Succeeded');
  assert.equal(build?.commit, apiEnv.spec.commit);
  const job = await batch.readNamespacedJob({ namespace: `${h.namespace}-builds`, name: build!.job });
  assert.ok(job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'));
  const deployment = await apps.readNamespacedDeployment({ namespace: `${api}--main`, name: 'api' });
  assert.equal(deployment.spec?.template.spec?.containers[0]?.image, build!.image, 'the Deployment runs the built image');
  assert.match(build!.image, new RegExp(`:${apiEnv.spec.commit}$`));

  const app = await h.app(shop);
  assert.equal(app?.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
});

test('scale: 3 pushed → replicas 3 within the poll interval; a removed service is pruned', async () => {
  const started = Date.now();
  const sha = await h.commitApp('shop', 'main', { Riofile: riofile(3) });
  await h.waitEnvironment(`${shop}--main`, `applied ${sha}`, (e) => e.status?.appliedCommit === sha && e.status?.phase === 'Ready');
  assert.ok(Date.now() - started < 1_000 + 5_000 + 15_000, 'picked up by polling');
  const web = await apps.readNamespacedDeployment({ namespace: `${shop}--main`, name: 'web' });
  assert.equal(web.spec?.replicas, 3);

  const withoutWorker = await h.commitApp('shop', 'main', { Riofile: riofile(3, false) });
  const env = await h.waitEnvironment(`${shop}--main`, 'worker pruned', (e) => e.status?.appliedCommit === withoutWorker);
  assert.ok(!env.status?.inventory?.some((o) => o.name === 'worker'));
  await eventually('worker Deployment gone', async () => {
    const list = await apps.listNamespacedDeployment({ namespace: `${shop}--main` });
    return list.items.every((d) => d.metadata?.name !== 'worker') ? true : undefined;
  });
});

test('a broken Riofile → Failed with the located error; the running Deployment is untouched; fixing it → Ready', async () => {
  const before = await apps.readNamespacedDeployment({ namespace: `${shop}--main`, name: 'web' });
  const broken = await h.commitApp('shop', 'main', { Riofile: 'services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n    scale: lots\n' });
  const failed = await h.waitEnvironment(`${shop}--main`, 'Failed', (e) => e.status?.observedCommit === broken && e.status?.phase === 'Failed');
  assert.equal(failed.status?.lastError?.file, 'Riofile');
  assert.equal(failed.status?.lastError?.line, 5);
  assert.equal(failed.status?.lastError?.path, 'services.web.scale');
  const stalled = failed.status?.conditions?.find((c) => c.type === 'Stalled');
  assert.equal(stalled?.status, 'True');
  assert.equal(stalled?.reason, 'RiofileInvalid');
  assert.notEqual(failed.status?.appliedCommit, broken, 'the broken commit was not applied');
  const during = await apps.readNamespacedDeployment({ namespace: `${shop}--main`, name: 'web' });
  assert.equal(during.metadata?.resourceVersion, before.metadata?.resourceVersion, 'the running Deployment is untouched');
  assert.equal(during.spec?.replicas, 3);

  const fixed = await h.commitApp('shop', 'main', { Riofile: riofile(2, false) });
  const ready = await h.waitEnvironment(`${shop}--main`, 'Ready again', (e) => e.status?.appliedCommit === fixed && e.status?.phase === 'Ready');
  assert.equal(ready.status?.lastError, undefined);
  assert.equal((await apps.readNamespacedDeployment({ namespace: `${shop}--main`, name: 'web' })).spec?.replicas, 2);
});

test('a Deployment scaled by hand is put back at once (drift)', async () => {
  const ns = `${shop}--main`;
  // A person runs `kubectl scale` (a merge patch from another client).
  await h.ctx.objects.mergePatch({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' }, { spec: { replicas: 7 } });
  assert.equal((await apps.readNamespacedDeployment({ namespace: ns, name: 'web' })).spec?.replicas, 7);
  await eventually('replicas back to 2', async () => {
    const d = await apps.readNamespacedDeployment({ namespace: ns, name: 'web' });
    return d.spec?.replicas === 2 ? true : undefined;
  }, 30_000);
});

test('a deleted branch deletes its Environment and namespace', async () => {
  const sha = await h.commitApp('shop', 'staging', { Riofile: riofile(1, false) });
  await h.commitConfig({ [`apps/${shop}.yaml`]: h.appFile(shop, 'shop').replace('branches: [main]', 'branches: [main, staging]') });
  await h.waitEnvironment(`${shop}--staging`, 'Ready', (e) => e.status?.appliedCommit === sha && e.status?.phase === 'Ready');
  const { deleteBranch } = await import('../../../engine/dev/git-fixtures.js');
  await deleteBranch(h.git, 'shop', 'staging');
  await eventually('Environment and namespace gone', async () => {
    const env = await h.environment(`${shop}--staging`);
    const ns = await core.readNamespace({ name: `${shop}--staging` }).catch(() => undefined);
    return !env && !ns ? true : undefined;
  }, 60_000);
  assert.ok(await h.environment(`${shop}--main`), 'main is untouched');
});
