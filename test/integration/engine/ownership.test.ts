import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { engineHarness, phaseIs, type EngineHarness } from '../../support/engine-harness.js';
import { testClients, eventually, uniqueName } from '../../support/kube.js';
import { environmentOwner } from '../../../engine/controller/environment/ownership.js';
import { pruneEntries } from '../../../engine/controller/environment/prune.js';
import { finalizeEnvironment } from '../../../engine/controller/environment/finalize.js';
import { applyEnvironmentObjects } from '../../../engine/controller/environment/apply.js';
import { API_VERSION, ENVIRONMENT_FINALIZER, type Environment } from '../../../engine/crds/types.js';

const { kc, core } = testClients();
const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
let h: EngineHarness;
/** Objects Ria did not create, which Riofiles below name: they must come out of every test unchanged. */
let victimNs: string;
let victimRole: string;

const manifests = (ns: string, role: string) => `kubernetes:
  manifest: |-
    apiVersion: v1
    kind: Namespace
    metadata:
      name: ${ns}
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata:
      name: ${role}
    rules:
    - apiGroups: [""]
      resources: ["secrets"]
      verbs: ["get", "list", "watch", "create", "delete"]
    ---
    apiVersion: v1
    kind: Secret
    metadata:
      name: victim
      namespace: ${ns}
    stringData:
      password: taken-over
`;
const service = 'services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n';

/** resourceVersion of each victim (unchanged = never written), and their existence. */
async function victims(): Promise<Record<string, string | undefined>> {
  const rv = async (read: () => Promise<{ metadata?: { resourceVersion?: string; deletionTimestamp?: Date } }>) => {
    try {
      const o = await read();
      return o.metadata?.deletionTimestamp ? 'deleting' : o.metadata?.resourceVersion;
    } catch { return undefined; }
  };
  return {
    namespace: await rv(() => core.readNamespace({ name: victimNs })),
    clusterRole: await rv(() => rbac.readClusterRole({ name: victimRole })),
    secret: await rv(() => core.readNamespacedSecret({ namespace: victimNs, name: 'victim' })),
  };
}

before(async () => {
  h = await engineHarness();
  victimNs = uniqueName('victim');
  victimRole = uniqueName('victim');
  await core.createNamespace({ body: { metadata: { name: victimNs, labels: { team: 'payments' } } } });
  await rbac.createClusterRole({ body: { metadata: { name: victimRole }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] } });
  await core.createNamespacedSecret({ namespace: victimNs, body: { metadata: { name: 'victim' }, stringData: { password: 'original' } } });
});
after(async () => {
  await h.close();
  await core.deleteNamespace({ name: victimNs }).catch(() => undefined);
  await rbac.deleteClusterRole({ name: victimRole }).catch(() => undefined);
});

test('a Riofile listing a namespace, a ClusterRole and a Secret Ria did not create: refused, and they are unchanged after apply, prune and App deletion', async () => {
  // Setup
  const before = await victims();
  assert.ok(before.namespace && before.clusterRole && before.secret);
  const app = h.appName('grab');
  const first = await h.commitApp('grab', 'main', { Riofile: service + manifests(victimNs, victimRole) });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'grab') });

  // Test: apply refuses (by Ria's ownership rule, or earlier by the policy), nothing is touched.
  const failed = await h.waitEnvironment(`${app}--main`, 'Failed', (e) => e.status?.observedCommit === first && e.status?.phase === 'Failed');
  assert.match(failed.status?.lastError?.message ?? '', new RegExp(`${victimNs}|${victimRole}`), 'the error names the object');
  assert.deepEqual(await victims(), before);

  // Dropping them from the Riofile: Ready, nothing of theirs pruned.
  const second = await h.commitApp('grab', 'main', { Riofile: service });
  await h.waitEnvironment(`${app}--main`, 'Ready at the second commit', (e) => e.status?.appliedCommit === second && phaseIs('Ready')(e));
  assert.deepEqual(await victims(), before);

  // App deletion: the Environment's finalizer removes its own namespace and nothing else.
  await h.commitConfig({ [`apps/${app}.yaml`]: null });
  await eventually('the Environment is gone', async () => (await h.environment(`${app}--main`)) === undefined);
  await eventually('its namespace is gone or going', async () => {
    try { return (await core.readNamespace({ name: `${app}--main` })).metadata?.deletionTimestamp !== undefined; } catch { return true; }
  });
  assert.deepEqual(await victims(), before);
});

test('an existing namespace not labelled for the environment is not adopted: a located error, and it survives the App\'s deletion', async () => {
  // Setup
  const app = h.appName('squat');
  const ns = `${app}--main`;
  await core.createNamespace({ body: { metadata: { name: ns } } });
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'precious' }, data: { a: '1' } } });
  const nsBefore = (await core.readNamespace({ name: ns })).metadata?.resourceVersion;
  await h.commitApp('squat', 'main', { Riofile: service });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'squat') });

  // Test
  const failed = await h.waitEnvironment(ns, 'Failed', phaseIs('Failed'));
  const ready = failed.status?.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready?.reason, 'ApplyRefused');
  assert.match(ready?.message ?? '', new RegExp(`Namespace/${ns} exists and is not an object Ria created for environment ${ns} \\(it has no label app.kubernetes.io/managed-by\\)`));
  assert.equal((await core.readNamespace({ name: ns })).metadata?.resourceVersion, nsBefore, 'no label was added');

  await h.commitConfig({ [`apps/${app}.yaml`]: null });
  await eventually('the Environment is gone', async () => (await h.environment(ns)) === undefined);
  const still = await core.readNamespace({ name: ns });
  assert.equal(still.metadata?.deletionTimestamp, undefined, 'the namespace was not deleted');
  assert.equal((await core.readNamespacedConfigMap({ namespace: ns, name: 'precious' })).data?.a, '1');
  await core.deleteNamespace({ name: ns });
});

test('an inventory that lists foreign objects (written by an older Ria) prunes and finalizes none of them', async () => {
  // Setup: an Environment outside the harness's namespace (no engine reconciles it), deleted.
  const envNs = uniqueName('ria-own');
  await core.createNamespace({ body: { metadata: { name: envNs } } });
  const inventory = [
    { apiVersion: 'v1', kind: 'Namespace', name: victimNs },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: victimRole },
    { apiVersion: 'v1', kind: 'Secret', namespace: victimNs, name: 'victim' },
  ];
  const created = await h.ctx.objects.apply<Environment & { metadata: { name: string } }>({
    apiVersion: API_VERSION, kind: 'Environment', metadata: { name: 'legacy', namespace: envNs, finalizers: [ENVIRONMENT_FINALIZER] },
    spec: { app: 'legacy', kind: 'branch', target: 'main', branch: 'main', commit: 'b'.repeat(40), namespace: victimNs },
  });
  const env = { ...created, status: { inventory } } as Environment & { metadata: { name: string } };
  const owner = environmentOwner(env);
  const before = await victims();

  // Test: prune deletes none (the environment's namespace is never pruned; the other two are not its own).
  const pruned = await pruneEntries(h.ctx, owner, inventory);
  assert.deepEqual(pruned.deleted, []);
  assert.deepEqual(pruned.skipped.map((s) => s.entry.kind), ['ClusterRole', 'Secret']);
  assert.match(pruned.skipped[0]!.why, /no label app.kubernetes.io\/managed-by/);
  assert.deepEqual(await victims(), before);

  // A forced apply is refused too, whether or not the object is in the inventory.
  await assert.rejects(applyEnvironmentObjects(h.ctx, owner, [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole',
    metadata: { name: victimRole, labels: { 'app.kubernetes.io/managed-by': 'ria', 'ria.dev/app': 'legacy', 'ria.dev/environment': 'main' } }, rules: [] }], inventory),
  (err: Error & { reason?: string }) => err.reason === 'ObjectNotOwned' && err.message.includes(`ClusterRole/${victimRole}`));
  assert.deepEqual(await victims(), before);

  // Finalize: the finalizer goes, the namespace (not labelled for it) and the ClusterRole stay.
  await h.ctx.objects.delete({ apiVersion: API_VERSION, kind: 'Environment', namespace: envNs, name: 'legacy' });
  const deleting = await h.ctx.objects.get<Environment & { metadata: { name: string } }>({ apiVersion: API_VERSION, kind: 'Environment', namespace: envNs, name: 'legacy' });
  assert.equal(await finalizeEnvironment(h.ctx, { ...deleting!, status: { inventory } }), 'done');
  await eventually('the Environment is gone', async () => (await h.ctx.objects.get({ apiVersion: API_VERSION, kind: 'Environment', namespace: envNs, name: 'legacy' })) === undefined);
  assert.deepEqual(await victims(), before);
  await core.deleteNamespace({ name: envNs });
});
