import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRiofile } from '../../../engine/riofile/index.js';
import { issuesOf } from './helpers.js';

test('defaults: app = service name, v0, weight 100, one replica, Rio container defaults', () => {
  const web = parseRiofile('services:\n  web:\n    image: nginx\n').services.web!;
  assert.deepEqual(web, {
    image: 'nginx',
    command: [], args: [], env: [], ports: [], secrets: [], configs: [], volumes: [],
    stdin: false, stdinOnce: false, tty: false,
    app: 'web', version: 'v0', weight: 100, replicas: 1, rolloutDurationSeconds: 60,
    global: false, stageOnly: false, template: false,
    permissions: [], globalPermissions: [], containers: [], hostAliases: [], hostNetwork: false,
    imagePullSecrets: [], volumeTemplates: [], labels: {}, annotations: {},
  });
});

test('an empty file is an empty Riofile; plain Kubernetes YAML is applied as-is', () => {
  assert.deepEqual(parseRiofile(''), { format: 'riofile', services: {}, configs: {}, routers: {}, externalServices: {}, kubernetesManifests: [] });
  const plain = parseRiofile('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: b}\n');
  assert.equal(plain.format, 'plain-kubernetes');
  assert.deepEqual(plain.kubernetesManifests.map((o) => o.kind), ['ConfigMap', 'Secret']);
});

test('scale ranges autoscale; autoscale fills its defaults', () => {
  const m = parseRiofile('services:\n  a: {image: x, scale: 2-8}\n  b: {image: x, autoscale: {maxReplicas: 4}}\n  c: {image: x, scale: "3"}\n');
  assert.deepEqual([m.services.a!.replicas, m.services.a!.autoscale], [2, { minReplicas: 2, maxReplicas: 8, concurrency: 10 }]);
  assert.deepEqual([m.services.b!.replicas, m.services.b!.autoscale], [1, { minReplicas: 1, maxReplicas: 4, concurrency: 10 }]);
  assert.equal(m.services.c!.replicas, 3);
});

test('pod fields: hosts in every form, dns host policy, volume templates make volumes persistent', () => {
  const web = parseRiofile(
    [
      'services:',
      '  web:',
      '    image: nginx',
      '    hosts: {"a.local,b.local": 10.0.0.1}',
      '    dns: {policy: host, nameservers: [1.1.1.1], options: ["ndots:2", {name: edns0}]}',
      '    volumeTemplates: [{name: data, storage: 10Gi, storageClassName: fast}]',
      '    volumes: ["data:/var/lib/data", {name: cache, path: /cache}, {path: /run/docker.sock, hostPath: /var/run/docker.sock, hostPathType: socket}]',
      '    maxSurge: 25%',
      '    maxUnavailable: 1',
      '    rolloutDuration: 2m',
      '    labels: {tier: 1}',
    ].join('\n'),
  ).services.web!;
  assert.deepEqual(web.hostAliases, [{ ip: '10.0.0.1', hostnames: ['a.local', 'b.local'] }]);
  assert.deepEqual(web.dns, { policy: 'Default', nameservers: ['1.1.1.1'], searches: [], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] });
  assert.deepEqual(web.volumeTemplates, [{ name: 'data', labels: {}, annotations: {}, accessModes: ['ReadWriteOnce'], storageBytes: 10 * 2 ** 30, storageClassName: 'fast' }]);
  assert.deepEqual(web.volumes, [
    { name: 'data', path: '/var/lib/data', persistent: true },
    { name: 'cache', path: '/cache', persistent: false },
    { path: '/run/docker.sock', hostPath: '/var/run/docker.sock', hostPathType: 'Socket', persistent: false },
  ]);
  assert.deepEqual([web.maxSurge, web.maxUnavailable, web.rolloutDurationSeconds, web.labels], ['25%', 1, 120, { tier: '1' }]);
});

test('env and ports also come as objects; env as a map', () => {
  const web = parseRiofile(
    'services:\n  web:\n    image: nginx\n    env: {A: 1, B: secret://s/k}\n    ports: [{port: 53, protocol: UDP, name: dns}, 8080]\n    containers: [{name: c, image: busybox, env: [{name: X, configMapName: cfg, key: x}]}]\n',
  ).services.web!;
  assert.deepEqual(web.env, [{ name: 'A', value: '1' }, { name: 'B', secretRef: { name: 's', key: 'k' } }]);
  assert.deepEqual(web.ports, [
    { port: 53, targetPort: 53, protocol: 'udp', name: 'dns', expose: false, hostPort: false },
    { port: 8080, targetPort: 8080, protocol: 'http', expose: true, hostPort: false },
  ]);
  assert.deepEqual(web.containers[0]!.env, [{ name: 'X', configRef: { name: 'cfg', key: 'x' } }]);
});

test('routers and external services: aliases, defaults and targets', () => {
  const m = parseRiofile(
    [
      'routers:',
      '  api:',
      '    routes:',
      '    - match: {path: {prefix: /v1}, method: get, headers: [{name: x-canary, value: {exact: "1"}}]}',
      '      to: [{app: api, version: v2, weight: 100}]',
      '      timeout: 30s',
      '      headers: {add: [{name: x-a, value: 1}], remove: [x-b]}',
      '    - redirect: {toHTTPS: true}',
      'externalservices:',
      '  other: {service: team-b/api}',
      '  ips: {ipAddresses: ["10.0.0.1", "::1"]}',
    ].join('\n'),
  );
  const [first, second] = m.routers.api!.routes;
  assert.deepEqual(first, {
    to: [{ app: 'api', version: 'v2', weight: 100 }],
    match: { methods: ['GET'], headers: [{ name: 'x-canary', value: { exact: '1' } }], path: { prefix: '/v1' } },
    headers: { add: [{ name: 'x-a', value: '1' }], set: [], remove: ['x-b'] },
    timeoutSeconds: 30,
  });
  assert.deepEqual(second, { to: [], redirect: { toHTTPS: true } });
  assert.equal(m.routers.api!.internal, false);
  assert.deepEqual(m.externalServices.other, { ipAddresses: [], targetApp: 'api', targetServiceNamespace: 'team-b' });
});

test('one run reports schema errors and the semantic errors of the entries that passed', () => {
  const issues = issuesOf('services:\n  a:\n    image: nginx\n    scale: lots\n  b:\n    image: nginx\n    ports: ["80,web,admin"]\n');
  assert.deepEqual(issues.map((i) => `${i.line} ${i.path}`), ['4 services.a.scale', '7 services.b.ports[0]']);
});
