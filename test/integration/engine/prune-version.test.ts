import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Watch } from '@kubernetes/client-node';
import { engineHarness, type EngineHarness } from '../../support/engine-harness.js';
import { eventually, testClients } from '../../support/kube.js';
import type { KubeObject } from '../../../engine/kube/objects.js';
import { ENVIRONMENT_SERVICE_ACCOUNT } from '../../../engine/install/rbac.js';

const { kc } = testClients();
let h: EngineHarness;

const service = 'services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n';
/** A Riofile manifest of the HPA `web-scaler` at `apiVersion`; `spec` is what follows its target (indented 6). */
const hpa = (apiVersion: string, spec: string) => `kubernetes:
  manifest: |-
    apiVersion: ${apiVersion}
    kind: HorizontalPodAutoscaler
    metadata:
      name: web-scaler
    spec:
      scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: web }
${spec}`;
const hpaV1 = hpa('autoscaling/v1', `      minReplicas: 1
      maxReplicas: 3
      targetCPUUtilizationPercentage: 80
`);
const hpaV2 = hpa('autoscaling/v2', `      minReplicas: 1
      maxReplicas: 4
      metrics:
      - type: Resource
        resource: { name: cpu, target: { type: Utilization, averageUtilization: 70 } }
`);

before(async () => {
  h = await engineHarness();
});
after(() => h.close());

test('a manifest object moved to another version of its group (HPA autoscaling/v1 -> v2) is updated in place, never pruned', async () => {
  // Setup
  const app = h.appName('scaler');
  const ns = `${app}--main`;
  const ref = { kind: 'HorizontalPodAutoscaler', namespace: ns, name: 'web-scaler' };
  const first = await h.commitApp('scaler', 'main', { Riofile: service + hpaV1 });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'scaler') });
  await h.waitEnvironment(ns, `applied ${first}`, (e) => e.status?.appliedCommit === first && e.status?.phase === 'Ready');
  const before = await h.ctx.objects.get<KubeObject>({ apiVersion: 'autoscaling/v1', ...ref });
  assert.ok(before?.metadata.uid, 'the HPA exists');
  // Every change to the object from here on, replayed from its resourceVersion: a deletion cannot slip between two reads.
  const events: string[] = [];
  const watch = await new Watch(kc).watch(`/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers`,
    { fieldSelector: 'metadata.name=web-scaler', resourceVersion: before.metadata.resourceVersion! },
    (type) => { events.push(type); }, () => {});

  // Test
  try {
    const second = await h.commitApp('scaler', 'main', { Riofile: service + hpaV2 });
    const env = await h.waitEnvironment(ns, `applied ${second}`, (e) => e.status?.appliedCommit === second && e.status?.phase === 'Ready');
    const now = await h.ctx.objects.get<KubeObject & { spec: { maxReplicas: number } }>({ apiVersion: 'autoscaling/v2', ...ref });
    assert.ok(now, 'the HPA is still there after the prune');
    assert.equal(now.metadata.uid, before.metadata.uid, 'the same object: not deleted and made again');
    assert.equal(now.spec.maxReplicas, 4, 'the v2 manifest was applied');
    const entries = env.status?.inventory?.filter((e) => e.kind === 'HorizontalPodAutoscaler') ?? [];
    assert.deepEqual(entries.map((e) => e.apiVersion), ['autoscaling/v2'], 'one inventory entry, at the version last applied');
    // Give a DELETED event (the watch replays from the first version) time to arrive.
    await new Promise((r) => setTimeout(r, 1_000));
    assert.ok(!events.includes('DELETED'), `no DELETED event for the HPA (saw ${events.join(', ')})`);
    assert.ok(events.includes('MODIFIED'), `the watch saw the update (saw ${events.join(', ') || 'nothing'})`);
  } finally {
    watch.abort();
  }
});

/** A namespaced CRD `<plural>.stable.example.com` with `versions` ({name, served, storage}), any fields. */
function crd(kind: string, versions: Array<{ name: string; served: boolean; storage: boolean }>): KubeObject {
  const plural = `${kind.toLowerCase()}s`;
  return {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `${plural}.stable.example.com` },
    spec: {
      group: 'stable.example.com', scope: 'Namespaced', names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: versions.map((v) => ({ ...v, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } })),
    },
  };
}

/** Applies `def` and waits until discovery serves `kind` at every served version (or at none when `gone`). */
async function installCrd(def: KubeObject): Promise<void> {
  await h.ctx.objects.apply(def, { force: true, fieldManager: 'ria-test' });
  const spec = def.spec as { names: { kind: string }; versions: Array<{ name: string; served: boolean }> };
  await eventually(`${def.metadata.name} served as written`, async () => {
    for (const v of spec.versions) {
      h.ctx.objects.paths.forget(`stable.example.com/${v.name}`);
      if (await h.ctx.objects.paths.serves(`stable.example.com/${v.name}`, spec.names.kind) !== v.served) return false;
    }
    return true;
  });
}

/** The environment's identity may write `plural` of stable.example.com (Ria's roles name only the kinds it renders). */
async function grantEnvironment(ns: string, plural: string): Promise<void> {
  const name = `test-${plural}-${ns}`;
  await h.ctx.objects.apply({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name },
    rules: [{ apiGroups: ['stable.example.com'], resources: [plural], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] }] } as KubeObject, { fieldManager: 'ria-test' });
  await h.ctx.objects.apply({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
    subjects: [{ kind: 'ServiceAccount', namespace: ns, name: ENVIRONMENT_SERVICE_ACCOUNT }] } as KubeObject, { fieldManager: 'ria-test' });
}

const custom = (apiVersion: string, kind: string, name: string) => `kubernetes:
  manifest: |-
    apiVersion: ${apiVersion}
    kind: ${kind}
    metadata:
      name: ${name}
    spec:
      size: 1
`;

test('an object recorded at a version its CRD no longer serves is pruned at the served version, not forgotten', async () => {
  // Setup: Widget served at v1beta1 (storage) and v1; the app applies one at v1beta1.
  const app = h.appName('widget');
  const ns = `${app}--main`;
  await installCrd(crd('Widget', [{ name: 'v1beta1', served: true, storage: true }, { name: 'v1', served: true, storage: false }]));
  await grantEnvironment(ns, 'widgets');
  const first = await h.commitApp('widget', 'main', { Riofile: service + custom('stable.example.com/v1beta1', 'Widget', 'w1') });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'widget') });
  const env1 = await h.waitEnvironment(ns, `applied ${first}`, (e) => e.status?.appliedCommit === first && e.status?.phase === 'Ready');
  assert.deepEqual(env1.status?.inventory?.filter((e) => e.kind === 'Widget').map((e) => e.apiVersion), ['stable.example.com/v1beta1']);
  // The CRD is upgraded: v1 is the storage version, v1beta1 no longer served.
  await installCrd(crd('Widget', [{ name: 'v1beta1', served: false, storage: false }, { name: 'v1', served: true, storage: true }]));

  // Test: the Riofile drops the Widget.
  const second = await h.commitApp('widget', 'main', { Riofile: service });
  const env2 = await h.waitEnvironment(ns, `applied ${second}`, (e) => e.status?.appliedCommit === second && e.status?.phase === 'Ready');
  assert.deepEqual(env2.status?.inventory?.filter((e) => e.kind === 'Widget'), [], 'the entry left the inventory');
  await eventually('the Widget deleted (read at v1)', async () => !(await h.ctx.objects.get({ apiVersion: 'stable.example.com/v1', kind: 'Widget', namespace: ns, name: 'w1' })));
  assert.equal(env2.status?.conditions?.find((c) => c.type === 'Pruned'), undefined);
});

test('an object whose kind is served at no version any more stays in the inventory with Pruned=False; served again and gone, it leaves', async () => {
  // Setup: a Gadget applied, then its CRD removed (its objects go with it).
  const app = h.appName('gadget');
  const ns = `${app}--main`;
  const gadgets = crd('Gadget', [{ name: 'v1', served: true, storage: true }]);
  await installCrd(gadgets);
  await grantEnvironment(ns, 'gadgets');
  const first = await h.commitApp('gadget', 'main', { Riofile: service + custom('stable.example.com/v1', 'Gadget', 'g1') });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'gadget') });
  await h.waitEnvironment(ns, `applied ${first}`, (e) => e.status?.appliedCommit === first && e.status?.phase === 'Ready');
  await h.ctx.objects.delete({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: gadgets.metadata.name });
  await eventually('Gadget no longer served', async () => {
    h.ctx.objects.paths.forget('stable.example.com/v1');
    return !(await h.ctx.objects.paths.serves('stable.example.com/v1', 'Gadget'));
  });

  // Test: the Riofile drops the Gadget: deployed, the entry kept and named.
  const second = await h.commitApp('gadget', 'main', { Riofile: service.replace('nginx:1.27', 'nginx:1.27.1') });
  const env2 = await h.waitEnvironment(ns, `applied ${second} with Pruned=False`,
    (e) => e.status?.appliedCommit === second && e.status?.phase === 'Ready' && e.status?.conditions?.some((c) => c.type === 'Pruned') === true);
  const pruned = env2.status!.conditions!.find((c) => c.type === 'Pruned')!;
  assert.equal(pruned.status, 'False');
  assert.equal(pruned.reason, 'PruneKindNotServed');
  assert.match(pruned.message, new RegExp(`^Gadget\\.stable\\.example\\.com/${ns}/g1: it was applied as stable\\.example\\.com/v1, and the API server serves Gadget at no version`));
  assert.deepEqual(env2.status?.inventory?.filter((e) => e.kind === 'Gadget').map((e) => e.name), ['g1'], 'never lost track of');
  // The CRD comes back (empty: its objects went with it); the next deploy finds g1 gone and lets it go.
  await installCrd(gadgets);
  const third = await h.commitApp('gadget', 'main', { Riofile: service });
  const env3 = await h.waitEnvironment(ns, `applied ${third}`, (e) => e.status?.appliedCommit === third && e.status?.phase === 'Ready');
  assert.deepEqual(env3.status?.inventory?.filter((e) => e.kind === 'Gadget'), []);
  assert.equal(env3.status?.conditions?.find((c) => c.type === 'Pruned'), undefined);
});
