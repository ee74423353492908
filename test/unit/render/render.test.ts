import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render, toJson, toYaml, RenderError } from '../../../engine/render/index.js';
import { input, riofile, service, port, route, router, COMMIT } from './model.js';
import { fixtureInput, kitchenSink } from './fixtures.js';
import { codes, find } from './helpers.js';

test('rendering is deterministic: same input, byte-identical YAML and JSON', () => {
  const a = render(fixtureInput(kitchenSink()));
  const b = render(fixtureInput(kitchenSink()));
  assert.equal(toYaml([...a.buildJobs, ...a.objects]), toYaml([...b.buildJobs, ...b.objects]));
  assert.equal(toJson(a.objects), toJson(b.objects));
  assert.deepEqual(a.warnings, b.warnings);
});

test('output does not depend on the order of map keys in the Riofile', () => {
  const rf = kitchenSink();
  const reversed = { ...rf, configs: Object.fromEntries(Object.entries(rf.configs).reverse().map(([k, v]) => [k, Object.fromEntries(Object.entries(v).reverse())])), externalServices: Object.fromEntries(Object.entries(rf.externalServices).reverse()) };
  assert.equal(toYaml(render(fixtureInput(reversed)).objects), toYaml(render(fixtureInput(rf)).objects));
});

test('render does not modify its input', () => {
  const rf = kitchenSink();
  const before = JSON.stringify(rf);
  render(fixtureInput(rf));
  assert.equal(JSON.stringify(rf), before);
});

test('objects come in apply order: Namespace, identities and config, storage, workloads, Services, routes, HPAs', () => {
  const kinds = render(fixtureInput(kitchenSink())).objects.map((o) => o.kind);
  assert.equal(kinds[0], 'Namespace');
  const last = (k: string) => kinds.lastIndexOf(k);
  const first = (k: string) => kinds.indexOf(k);
  assert.ok(last('ServiceAccount') < first('Deployment'));
  assert.ok(last('ConfigMap') < first('Deployment'));
  assert.ok(last('Role') < first('RoleBinding'));
  assert.ok(last('PersistentVolumeClaim') < first('Deployment'));
  assert.ok(last('Deployment') < first('Service'));
  assert.ok(last('Service') < first('HTTPRoute'));
  assert.ok(last('HTTPRoute') < first('HorizontalPodAutoscaler'));
});

test('manifest objects: namespaced into the environment unless cluster-scoped, labelled, user labels kept', () => {
  const rf = riofile({ kubernetesManifests: [
    { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' }, spec: { group: 'example.com', scope: 'Cluster', names: { kind: 'Widget', plural: 'widgets' } } },
    { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'x' } },
    { apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g' } },
    { apiVersion: 'extensions/v1beta1', kind: 'Deployment', metadata: { name: 'old', labels: { app: 'old' } } },
  ] });
  const result = render(input(rf));
  assert.equal(find(result, 'Widget').metadata.namespace, undefined, 'its CRD says Cluster');
  assert.equal(find(result, 'Gadget').metadata.namespace, 'shop--main');
  const old = find(result, 'Deployment', 'old');
  assert.equal(old.metadata.labels!.app, 'old');
  assert.equal(old.metadata.labels!['ria.dev/commit'], COMMIT);
  assert.deepEqual(codes(result), ['ManifestClusterScoped', 'ManifestClusterScoped', 'ManifestRemovedApi']);
  const kinds = result.objects.map((o) => o.kind);
  assert.ok(kinds.indexOf('CustomResourceDefinition') < kinds.indexOf('Widget'), 'CRDs before their objects');
});

test('manifest objects: the environment\'s own Namespace keeps no label or annotation but Ria\'s (the cluster operators\' keys are not the app\'s)', () => {
  const rf = riofile({ kubernetesManifests: [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop--main',
      labels: { team: 'payments', 'ria.dev/app': 'billing', 'ria.dev/preview': 'true', 'pod-security.kubernetes.io/enforce-version': 'v1.22' },
      annotations: { 'scheduler.alpha.kubernetes.io/defaultTolerations': '[{"operator":"Exists"}]', 'ria.dev/host-access': 'privileged' } } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { team: 'payments' }, annotations: { note: 'kept' } } },
  ] });
  const result = render(input(rf));
  const ns = find(result, 'Namespace');
  assert.deepEqual(Object.keys(ns.metadata.labels!).filter((k) => !k.startsWith('ria.dev/') && !k.startsWith('app.kubernetes.io/') && !k.startsWith('pod-security.kubernetes.io/')), []);
  assert.equal(ns.metadata.labels!.team, undefined);
  assert.equal(ns.metadata.labels!['ria.dev/app'], 'shop', 'Ria\'s value wins');
  assert.equal(ns.metadata.labels!['ria.dev/preview'], undefined);
  assert.equal(ns.metadata.labels!['pod-security.kubernetes.io/enforce-version'], undefined);
  assert.equal(ns.metadata.annotations!['scheduler.alpha.kubernetes.io/defaultTolerations'], undefined);
  assert.equal(ns.metadata.annotations!['ria.dev/host-access'], '', 'Ria\'s value wins');
  assert.ok(Object.keys(ns.metadata.annotations!).every((k) => k.startsWith('ria.dev/')));
  assert.deepEqual(result.warnings.filter((w) => w.code === 'ManifestNamespaceMetadata').map((w) => w.message.match(/: (.*) dropped/)?.[1]),
    ['label team, label ria.dev/preview, label pod-security.kubernetes.io/enforce-version, annotation scheduler.alpha.kubernetes.io/defaultTolerations']);
  // Other objects keep the user's labels and annotations.
  const cm = find(result, 'ConfigMap', 'c');
  assert.equal(cm.metadata.labels!.team, 'payments');
  assert.equal(cm.metadata.annotations!.note, 'kept');
});

test('a manifest object replaces the generated object of the same identity, with a warning', () => {
  const rf = riofile({
    services: { web: service('web', { ports: [port({ port: 80 })] }) },
    kubernetesManifests: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 8080 }], selector: { app: 'custom' } } }],
  });
  const result = render(input(rf));
  assert.deepEqual((find(result, 'Service', 'web').spec as { selector: unknown }).selector, { app: 'custom' });
  assert.ok(codes(result).includes('ManifestOverridesObject'));
});

test('two generated objects with one identity are a RenderError, not a silent overwrite', () => {
  // A router named like an app would share its HTTPRoute name (and hostname).
  const rf = riofile({ services: { web: service('web', { ports: [port({ port: 80 })] }) }, routers: { web: router([route({ to: [{ app: 'web' }] })]) } });
  assert.throws(() => render(input(rf)), (e: unknown) => e instanceof RenderError && e.code === 'RenderConflict' && /services\.web\.ports and routers\.web would both be served at web--shop--main\./.test(e.message));
  // Two endpoints with one hostname but different object names (a port name that is not a label
  // is hashed in the object name, not in the joined hostname part): refused too.
  const ports = riofile({ services: {
    web: service('web', { ports: [port({ port: 80 }), port({ port: 81, name: 'a-B' })] }),
    'web-a': service('web-a', { ports: [port({ port: 80 }), port({ port: 81, name: 'B' })] }),
  } });
  assert.throws(() => render(input(ports)), (e: unknown) => e instanceof RenderError && e.code === 'RenderConflict' && /services\.web\.ports and services\.web-a\.ports would both be served at /.test(e.message));
});

test('bad inputs are RenderErrors that say what is wrong', () => {
  const rf = riofile();
  assert.throws(() => render(input(rf, { environment: { app: 'shop', kind: 'branch', branch: 'main', commit: 'HEAD' } })), /commit must be a lowercase hex SHA/);
  assert.throws(() => render(input(rf, { environment: { app: 'shop', kind: 'pr', pr: 0, commit: COMMIT } })), /positive integer/);
  assert.throws(() => render(input(rf, { environment: { app: 'shop', kind: 'branch', branch: '', commit: COMMIT } })), /branch name is empty/);
  assert.throws(() => render(input(rf, { cluster: { domain: 'not a domain', registry: 'r' } })), /domain/);
  assert.throws(() => render(input(rf, { environment: { app: 'shop', kind: 'branch', branch: 'main', commit: COMMIT, namespace: 'Bad_NS' } })), /not a DNS-1123 label/);
});

test('an explicit target namespace is used as is', () => {
  const result = render(input(riofile({ services: { web: service('web') } }), { environment: { app: 'shop', kind: 'branch', branch: 'main', commit: COMMIT, namespace: 'team-a-shop' } }));
  assert.deepEqual([...new Set(result.objects.map((o) => o.metadata.namespace ?? o.metadata.name))], ['team-a-shop']);
});

test('a manifest env value that is not a string (an unquoted template answer) is a warning', () => {
  const rf = riofile({ kubernetesManifests: [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ctl' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'x', env: [{ name: 'FLAG', value: false }, { name: 'OK', value: 'yes' }, { name: 'EMPTY', value: null }] }] } } } }] });
  const result = render(input(rf));
  assert.deepEqual(result.warnings.map((w) => w.message), ['Deployment ctl: env FLAG of container c is false, not a string; quote it (the API server refuses it)']);
  assert.equal((find(result, 'Deployment', 'ctl').spec as any).template.spec.containers[0].env[0].value, false, 'the manifest is kept as written');
});

test('the YAML reads back as exactly the rendered objects (strings like "0", "yes", "1.10" stay strings)', async () => {
  const { parseAllDocuments } = await import('yaml');
  const rf = kitchenSink();
  rf.configs.tricky = { zero: '0', yes: 'yes', version: '1.10', empty: '', multi: 'a\nb\n', colon: 'a: b', null: 'null' };
  const result = render(fixtureInput(rf));
  const all = [...result.buildJobs, ...result.objects];
  const back = parseAllDocuments(toYaml(all)).map((d) => d.toJS());
  assert.deepEqual(back, JSON.parse(JSON.stringify(all)));
});

test('an unforeseen exception while rendering becomes a RenderError (RENDER_INTERNAL), never a raw throw', () => {
  // A model the parser never produces (a service that is null): what a bug upstream would hand over.
  const broken = riofile({ services: { web: null as never } });
  assert.throws(() => render(input(broken)), (err: unknown) => {
    assert.ok(err instanceof RenderError, String(err));
    assert.equal(err.code, 'RenderInternal');
    assert.match(err.message, /TypeError: .*a bug in Ria.*\[RENDER_INTERNAL\]$/);
    return true;
  });
});

test('a CRD declaring a built-in kind (Role) with scope Cluster does not take the real Role out of the namespace (review H8)', () => {
  const rf = riofile({ kubernetesManifests: [
    { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'roles.example.com' }, spec: { group: 'example.com', scope: 'Cluster', names: { kind: 'Role', plural: 'roles' } } },
    { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'roles.rbac.authorization.k8s.io' }, spec: { group: 'rbac.authorization.k8s.io', scope: 'Cluster', names: { kind: 'RoleBinding', plural: 'rolebindings' } } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pwn' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'pwn' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pwn' }, subjects: [] },
    { apiVersion: 'example.com/v1', kind: 'Role', metadata: { name: 'custom' } },
  ] });
  const result = render(input(rf));
  const rbac = result.objects.filter((o) => o.apiVersion.startsWith('rbac.') && o.metadata.name === 'pwn');
  assert.deepEqual(rbac.map((o) => [o.kind, o.metadata.namespace]), [['Role', 'shop--main'], ['RoleBinding', 'shop--main']]);
  assert.equal(result.objects.find((o) => o.apiVersion === 'example.com/v1')!.metadata.namespace, undefined, 'its own group\'s CRD says Cluster');
});
