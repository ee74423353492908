import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { engineHarness, phaseIs, type EngineHarness } from '../../support/engine-harness.js';
import { testClients, eventually } from '../../support/kube.js';

const { apps, core, rbac } = { ...testClients(), rbac: testClients().kc.makeApiClient((await import('@kubernetes/client-node')).RbacAuthorizationV1Api) };
let h: EngineHarness;

before(async () => {
  h = await engineHarness();
});
after(() => h.close());

test('Secrets a Riofile references are copied from the app\'s secretsFrom namespace, never from git', async () => {
  const app = h.appName('vault');
  const source = `${app}-secrets`;
  await core.createNamespace({ body: { metadata: { name: source } } });
  await core.createNamespacedSecret({ namespace: source, body: { metadata: { name: 'db' }, stringData: { password: 'hunter2' } } });
  await h.commitApp('vault', 'main', { Riofile: 'services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n    env:\n    - DB_PASSWORD=secret://db/password\n    secrets: tls\n' });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'vault', `secretsFrom: ${source}\n`) });
  const env = await h.waitEnvironment(`${app}--main`, 'Ready', phaseIs('Ready'));
  const copy = await core.readNamespacedSecret({ namespace: `${app}--main`, name: 'db' });
  assert.equal(Buffer.from(copy.data?.password ?? '', 'base64').toString(), 'hunter2');
  assert.equal(copy.metadata?.labels?.['ria.dev/copied-from'], source);
  const missing = env.status?.conditions?.find((c) => c.type === 'SecretsReady');
  assert.equal(missing?.status, 'False');
  assert.match(missing?.message ?? '', new RegExp(`Secrets tls not found in namespace ${source}`));
  assert.ok(!JSON.stringify(env.status).includes('hunter2'), 'no secret value in the status');
});

test('permissions a config does not allow fail validation naming the config key; allowing them creates the Role', async () => {
  const app = h.appName('rights');
  const riofile = 'services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n    permissions:\n    - get,list configmaps\n';
  await h.commitApp('rights', 'main', { Riofile: riofile });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'rights') });
  const failed = await h.waitEnvironment(`${app}--main`, 'Failed', phaseIs('Failed'));
  assert.equal(failed.status?.lastError?.path, 'services.web.permissions');
  assert.equal(failed.status?.lastError?.line, 5);
  assert.match(failed.status?.lastError?.message ?? '', new RegExp(`allow: \\{ permissions: true \\}" in apps/${app}\\.yaml`));

  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'rights', 'allow: { permissions: true }\n') });
  await h.waitEnvironment(`${app}--main`, 'Ready once allowed', phaseIs('Ready'));
  const roles = await rbac.listNamespacedRole({ namespace: `${app}--main` });
  const rules = roles.items.flatMap((r) => r.rules ?? []);
  assert.ok(rules.some((r) => r.resources?.includes('configmaps') && r.verbs.includes('list')), JSON.stringify(rules));

  // Revoked: the reconcile the config sync queues takes the App it just wrote (the engine's view
  // has the write's answer before the App watch delivers it), so the permissions are refused again.
  const allowed = await h.app(app);
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'rights') });
  const revoked = await h.waitEnvironment(`${app}--main`, 'Failed once revoked', phaseIs('Failed'));
  assert.equal(revoked.status?.lastError?.path, 'services.web.permissions');
  assert.match(revoked.status?.lastError?.message ?? '', /allow: \{ permissions: true \}"/);
  assert.equal((await h.app(app))?.metadata.uid, allowed?.metadata.uid, 'the same App, its spec changed');
  // The commit is refused, and still the rights are withdrawn (review9 F2): its Role, and the
  // identity's binding that let it write Roles, are gone.
  const left = await rbac.listNamespacedRole({ namespace: `${app}--main` });
  assert.deepEqual(left.items.map((r) => r.metadata?.name), []);
  const bindings = await rbac.listNamespacedRoleBinding({ namespace: `${app}--main` });
  assert.deepEqual(bindings.items.map((b) => b.metadata?.name), ['ria-environment']);
});

test('a broken app file marks the App and leaves its environment running; removing the file deletes App, Environment and namespace', async () => {
  const app = h.appName('gone');
  await h.commitApp('gone', 'main', { Riofile: 'services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n' });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'gone') });
  await h.waitEnvironment(`${app}--main`, 'Ready', phaseIs('Ready'));
  const firstUid = (await h.app(app))?.metadata.uid;
  const deployment = await apps.readNamespacedDeployment({ namespace: `${app}--main`, name: 'web' });

  await h.commitConfig({ [`apps/${app}.yaml`]: `${h.appFile(app, 'gone')}brnaches: [dev]\n` });
  const marked = await eventually('App ConfigValid=False', async () => {
    const a = await h.app(app);
    const c = a?.status?.conditions?.find((x) => x.type === 'ConfigValid');
    return c?.status === 'False' ? c : undefined;
  }, 30_000);
  assert.match(marked.message, new RegExp(`apps/${app}\\.yaml:3:1: brnaches: unknown key "brnaches"; did you mean "branches"\\?`));
  // The App's Ready sums it up, and the app's own sync (it runs at the same time, writing the rest
  // of the status) leaves it alone.
  await eventually('App Ready=False (ConfigInvalid)', async () => (await h.app(app))?.status?.conditions?.find((x) => x.type === 'Ready' && x.status === 'False' && x.reason === 'ConfigInvalid'), 30_000);
  h.engine.poke(h.git.urlFor('gone'));
  await h.engine.queue.idle();
  assert.equal((await h.app(app))?.status?.conditions?.find((x) => x.type === 'ConfigValid')?.status, 'False');
  const still = await apps.readNamespacedDeployment({ namespace: `${app}--main`, name: 'web' });
  assert.equal(still.metadata?.uid, deployment.metadata?.uid);
  assert.equal(still.metadata?.resourceVersion, deployment.metadata?.resourceVersion);

  await h.commitConfig({ [`apps/${app}.yaml`]: null });
  await eventually('App, Environment and namespace gone', async () => {
    const a = await h.app(app);
    const env = await h.environment(`${app}--main`);
    const ns = await core.readNamespace({ name: `${app}--main` }).catch(() => undefined);
    return !a && !env && !ns ? true : undefined;
  }, 90_000);

  // Added back: another App of the same name (a new uid), which the engine's view takes over the
  // deleted one's; its Environment is owned by it and deploys again.
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'gone') });
  const back = await h.waitEnvironment(`${app}--main`, 'Ready again', phaseIs('Ready'), 90_000);
  const recreated = await h.app(app);
  assert.ok(firstUid && recreated?.metadata.uid && recreated.metadata.uid !== firstUid, 'a new App');
  assert.equal(back.metadata.ownerReferences?.[0]?.uid, recreated.metadata.uid);
});
