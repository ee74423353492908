import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from '../../../engine/render/index.js';
import { input, riofile, service, port, cluster } from './model.js';
import { at, codes, find } from './helpers.js';

test('permissions: ServiceAccount, Role + RoleBinding; global: ClusterRole + binding named per environment', () => {
  const rf = riofile({ services: { ctl: service('ctl', {
    permissions: [{ verbs: ['get', 'list'], apiGroup: '', resource: 'configmaps' }, { verbs: [], apiGroup: '', resource: '', role: 'view' }, { verbs: ['get'], apiGroup: '', resource: '', nonResourceURL: '/healthz' }],
    globalPermissions: [{ verbs: ['create', 'get', 'list'], apiGroup: 'cert-manager.io', resource: '*' }, { verbs: ['get'], apiGroup: '', resource: '', nonResourceURL: '/metrics' }],
  }) } });
  const result = render(input(rf));
  assert.equal(at(find(result, 'Deployment'), 'spec.template.spec.serviceAccountName'), 'ctl');
  find(result, 'ServiceAccount', 'ctl');
  assert.deepEqual(find(result, 'Role', 'ctl').rules, [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }]);
  assert.deepEqual(find(result, 'RoleBinding', 'ctl-role-view').roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' });
  const cr = find(result, 'ClusterRole');
  assert.equal(cr.metadata.name, 'ria--shop--main--ctl');
  assert.equal(cr.metadata.namespace, undefined);
  assert.deepEqual(cr.rules, [{ apiGroups: ['cert-manager.io'], resources: ['*'], verbs: ['create', 'get', 'list'] }, { nonResourceURLs: ['/metrics'], verbs: ['get'] }]);
  assert.deepEqual(find(result, 'ClusterRoleBinding').subjects, [{ kind: 'ServiceAccount', name: 'ctl', namespace: 'shop--main' }]);
  assert.deepEqual(codes(result), ['PermissionNonResourceURL']);
  const other = render(input(rf, { environment: { app: 'shop', kind: 'pr', pr: 3, commit: 'a'.repeat(40) } }));
  assert.notEqual(find(other, 'ClusterRole').metadata.name, cr.metadata.name, 'two environments never share a ClusterRole');
});

test('configs become ConfigMaps with sorted keys', () => {
  const result = render(input(riofile({ configs: { 'My_Conf': { b: '2', a: '1' } } })));
  const cm = result.objects.find((o) => o.kind === 'ConfigMap')!;
  assert.match(cm.metadata.name, /^my-conf-[0-9a-f]{8}$/);
  assert.deepEqual(Object.keys(cm.data as object), ['a', 'b']);
});

test('external services: fqdn, IP addresses, another app', () => {
  const result = render(input(riofile({ externalServices: {
    web: { ipAddresses: [], fqdn: 'www.example.com' },
    ips: { ipAddresses: ['1.1.1.1', '2.2.2.2', '2001:db8::1', 'nope'] },
    other: { ipAddresses: [], targetApp: 'billing', targetVersion: 'v1', targetServiceNamespace: 'billing--main' },
  } })));
  assert.deepEqual(find(result, 'Service', 'web').spec, { type: 'ExternalName', externalName: 'www.example.com' });
  assert.deepEqual(find(result, 'Service', 'ips').spec, { clusterIP: 'None' });
  const v4 = find(result, 'EndpointSlice', 'ips-ipv4');
  assert.equal(v4.addressType, 'IPv4');
  assert.deepEqual(v4.endpoints, [{ addresses: ['1.1.1.1'] }, { addresses: ['2.2.2.2'] }]);
  assert.equal(v4.metadata.labels!['kubernetes.io/service-name'], 'ips');
  assert.deepEqual(find(result, 'EndpointSlice', 'ips-ipv6').endpoints, [{ addresses: ['2001:db8::1'] }]);
  assert.deepEqual(find(result, 'Service', 'other').spec, { type: 'ExternalName', externalName: 'billing-v1.billing--main.svc.cluster.local' });
  assert.deepEqual(codes(result), ['ExternalServiceBadAddress']);
});

test('autoscale: HPA on CPU by default, in-flight requests with custom metrics; replicas left to the HPA', () => {
  const rf = riofile({ services: { web: service('web', { cpuMillis: 100, autoscale: { minReplicas: 2, maxReplicas: 10, concurrency: 20 }, ports: [port({ port: 80 })] }) } });
  const cpu = render(input(rf));
  const hpa = find(cpu, 'HorizontalPodAutoscaler', 'web');
  assert.deepEqual(hpa.spec, {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 10,
    metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
  });
  assert.equal(at(find(cpu, 'Deployment'), 'spec.replicas'), undefined);
  const custom = find(render(input(rf, { cluster: { ...cluster, customMetrics: true } })), 'HorizontalPodAutoscaler');
  assert.deepEqual(at(custom, 'spec.metrics'), [{ type: 'Pods', pods: { metric: { name: 'http_requests_in_flight' }, target: { type: 'AverageValue', averageValue: '20' } } }]);
});

test('autoscale warnings: min 0, max below min, CPU target without CPU request', () => {
  const rf = riofile({ services: { web: service('web', { autoscale: { minReplicas: 0, maxReplicas: 0, concurrency: 10 } }) } });
  const result = render(input(rf));
  assert.deepEqual(codes(result), ['AutoscaleMinZero', 'AutoscaleMaxBelowMin', 'AutoscaleNoCpuRequest']);
  assert.equal(at(find(result, 'HorizontalPodAutoscaler'), 'spec.minReplicas'), 1);
  assert.equal(at(find(result, 'HorizontalPodAutoscaler'), 'spec.maxReplicas'), 1);
});

test('duplicate Service ports keep the first and warn', () => {
  const rf = riofile({ services: { web: service('web', { ports: [port({ port: 8080, targetPort: 80, name: 'web' }), port({ port: 8080, name: 'admin', expose: false })] }) } });
  const result = render(input(rf));
  assert.deepEqual(at(find(result, 'Service', 'web-v0'), 'spec.ports'), [{ name: 'web', port: 8080, targetPort: 80, protocol: 'TCP', appProtocol: 'http' }]);
  assert.ok(codes(result).includes('DuplicateServicePort'));
  assert.deepEqual(at(find(result, 'Deployment'), 'spec.template.spec.containers.0.ports').map((p: { containerPort: number }) => p.containerPort), [80, 8080]);
});
