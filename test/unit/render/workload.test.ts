import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from '../../../engine/render/index.js';
import { input, riofile, service, sidecar, port, cluster } from './model.js';
import { at, codes, find } from './helpers.js';

test('a service becomes a Deployment with its container, replicas and rolling update', () => {
  const rf = riofile({ services: { web: service('web', {
    replicas: 3, maxSurge: '50%', maxUnavailable: 0, command: ['/bin/app'], args: ['--port', '8080'], workingDir: '/srv',
    ports: [port({ port: 80, targetPort: 8080 })], cpuMillis: 250, memoryBytes: 128 * 2 ** 20, imagePullPolicy: 'Always',
    runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true, privileged: false, stdin: true, tty: true,
  }) } });
  const d = find(render(input(rf)), 'Deployment', 'web');
  assert.equal(at(d, 'metadata.namespace'), 'shop--main');
  assert.equal(at(d, 'spec.replicas'), 3);
  assert.deepEqual(at(d, 'spec.strategy'), { type: 'RollingUpdate', rollingUpdate: { maxSurge: '50%', maxUnavailable: 0 } });
  const c = at(d, 'spec.template.spec.containers.0');
  assert.deepEqual(c, {
    name: 'web', image: 'nginx:1.27', imagePullPolicy: 'Always', command: ['/bin/app'], args: ['--port', '8080'], workingDir: '/srv',
    ports: [{ name: 'http-80', containerPort: 8080, protocol: 'TCP' }],
    resources: { requests: { cpu: '250m', memory: '128Mi' } },
    securityContext: { privileged: false, readOnlyRootFilesystem: true, runAsGroup: 1000, runAsUser: 1000 },
    stdin: true, tty: true,
  });
  assert.equal(at(d, 'spec.template.spec.automountServiceAccountToken'), false, 'no permissions: no token');
});

test('global: true renders a DaemonSet, and autoscale on it is a warning', () => {
  const rf = riofile({ services: { agent: service('agent', { global: true, maxUnavailable: 1, autoscale: { minReplicas: 1, maxReplicas: 2, concurrency: 10 } }) } });
  const result = render(input(rf));
  const ds = find(result, 'DaemonSet', 'agent');
  assert.equal(at(ds, 'spec.replicas'), undefined);
  assert.deepEqual(at(ds, 'spec.updateStrategy'), { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } });
  assert.equal(result.objects.some((o) => o.kind === 'HorizontalPodAutoscaler'), false);
  assert.ok(codes(result).includes('AutoscaleGlobal'));
});

test('env: plain values, secret://, config:// and $(self/...) downward API', () => {
  const rf = riofile({ configs: { 'app-config': { level: 'info' } }, services: { web: service('web', { env: [
    { name: 'A', value: '1' },
    { name: 'B', secretRef: { name: 'creds', key: 'password' } },
    { name: 'C', configRef: { name: 'app-config', key: 'level' } },
    { name: 'D', fieldRef: 'self/ip' },
    { name: 'E', fieldRef: 'self/labels' },
  ] }) } });
  const result = render(input(rf));
  const env = at(find(result, 'Deployment'), 'spec.template.spec.containers.0.env');
  assert.deepEqual(env, [
    { name: 'A', value: '1' },
    { name: 'B', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
    { name: 'C', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'level' } } },
    { name: 'D', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
  ]);
  assert.deepEqual(result.warnings.map((w) => [w.code, w.path]), [['EnvFieldUnsupported', 'services.web.env[4]']]);
});

test('probes pass through, with quoted numeric ports made numbers', () => {
  const rf = riofile({ services: { web: service('web', {
    livenessProbe: { httpGet: { path: '/ping', port: '9997' }, initialDelaySeconds: 10 },
    readinessProbe: { tcpSocket: { port: 'http' } },
  }) } });
  const c = at(find(render(input(rf)), 'Deployment'), 'spec.template.spec.containers.0');
  assert.deepEqual(c.livenessProbe, { httpGet: { path: '/ping', port: 9997 }, initialDelaySeconds: 10 });
  assert.deepEqual(c.readinessProbe, { tcpSocket: { port: 'http' } }, 'a named port stays a name');
});

test('sidecars and init containers share volumes; secrets and configs mount at their targets', () => {
  const rf = riofile({ services: { web: service('web', {
    volumes: [{ name: 'html', path: '/usr/share/nginx/html', persistent: false }, { hostPath: '/var/log', path: '/logs', persistent: false, hostPathType: 'Directory' }],
    secrets: [{ name: 'tls', target: '/run/secrets/tls' }],
    configs: [{ name: 'conf', key: 'index.html', target: '/etc/index.html' }, { name: 'other', key: 'k', target: '/run/configs/other' }],
    containers: [
      sidecar('fill', { init: true, image: 'busybox', command: ['wget', '-O', '/work/index.html', 'http://example.com'], volumes: [{ name: 'html', path: '/work', persistent: false }] }),
      sidecar('logger', { image: 'fluent-bit', ports: [port({ port: 2020, protocol: 'tcp' })] }),
    ],
  }) } });
  const spec = at(find(render(input(rf)), 'Deployment'), 'spec.template.spec');
  assert.deepEqual(spec.initContainers.map((c: { name: string }) => c.name), ['fill']);
  assert.deepEqual(spec.containers.map((c: { name: string }) => c.name), ['web', 'logger']);
  assert.deepEqual(spec.initContainers[0].volumeMounts, [{ name: 'html', mountPath: '/work' }]);
  assert.deepEqual(spec.containers[0].volumeMounts, [
    { name: 'secret-tls', mountPath: '/run/secrets/tls', readOnly: true },
    { name: 'config-conf', mountPath: '/etc/index.html', subPath: 'index.html', readOnly: true },
    { name: 'config-other', mountPath: '/run/configs/other/k', subPath: 'k', readOnly: true },
    { name: 'html', mountPath: '/usr/share/nginx/html' },
    { name: spec.volumes.find((v: { hostPath?: unknown }) => v.hostPath).name, mountPath: '/logs' },
  ]);
  const byName = Object.fromEntries(spec.volumes.map((v: { name: string }) => [v.name, v]));
  assert.deepEqual(byName.html, { name: 'html', emptyDir: {} });
  assert.deepEqual(byName['secret-tls'], { name: 'secret-tls', secret: { secretName: 'tls' } });
  assert.deepEqual(byName['config-conf'], { name: 'config-conf', configMap: { name: 'conf' } });
  assert.equal(spec.volumes.length, 5, 'the shared volume is declared once');
  assert.deepEqual([...spec.volumes.map((v: { name: string }) => v.name)], [...spec.volumes.map((v: { name: string }) => v.name)].sort());
});

test('volumeTemplates become PersistentVolumeClaims the pod mounts; persistent volumes without one use an existing claim', () => {
  const rf = riofile({ services: { db: service('db', {
    volumes: [{ name: 'data', path: '/var/lib/db', persistent: true }, { name: 'old', path: '/old', persistent: true }],
    volumeTemplates: [{ name: 'data', labels: { tier: 'db' }, annotations: {}, accessModes: ['ReadWriteOnce'], storageBytes: 10 * 2 ** 30, storageClassName: 'fast' }],
  }) } });
  const result = render(input(rf));
  const pvc = find(result, 'PersistentVolumeClaim', 'db-data');
  assert.deepEqual(pvc.spec, { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } }, storageClassName: 'fast' });
  assert.equal(pvc.metadata.labels!.tier, 'db');
  const volumes = at(find(result, 'Deployment'), 'spec.template.spec.volumes');
  assert.deepEqual(volumes, [
    { name: 'data', persistentVolumeClaim: { claimName: 'db-data' } },
    { name: 'old', persistentVolumeClaim: { claimName: 'old' } },
  ]);
});

test('pod-level fields: host aliases, host network, dns, affinity, pull secrets, hostname, annotations', () => {
  const affinity = { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } };
  const rf = riofile({ services: { web: service('web', {
    hostAliases: [{ ip: '127.0.0.1', hostnames: ['a.local', 'b.local'] }], hostNetwork: true, hostname: 'web1',
    dns: { policy: 'None', nameservers: ['1.1.1.1'], searches: ['svc.local'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] },
    nodeAffinity: affinity, imagePullSecrets: ['pull'], annotations: { 'example.com/x': 'y' },
  }) } });
  const d = find(render(input(rf)), 'Deployment');
  const spec = at(d, 'spec.template.spec');
  assert.deepEqual(spec.hostAliases, [{ ip: '127.0.0.1', hostnames: ['a.local', 'b.local'] }]);
  assert.equal(spec.hostNetwork, true);
  assert.equal(spec.hostname, 'web1');
  assert.equal(spec.dnsPolicy, 'None');
  assert.deepEqual(spec.dnsConfig, { nameservers: ['1.1.1.1'], searches: ['svc.local'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] });
  assert.deepEqual(spec.affinity, { nodeAffinity: affinity });
  assert.deepEqual(spec.imagePullSecrets, [{ name: 'pull' }]);
  assert.deepEqual(at(d, 'spec.template.metadata.annotations'), { 'example.com/x': 'y' });
  assert.deepEqual(d.metadata.annotations, { 'example.com/x': 'y' });
});

test('default resource requests apply to containers that set none', () => {
  const rf = riofile({ services: { web: service('web', { cpuMillis: 500 }) } });
  const c = at(find(render(input(rf, { cluster: { ...cluster, defaultRequests: { cpu: '50m', memory: '64Mi' } } })), 'Deployment'), 'spec.template.spec.containers.0');
  assert.deepEqual(c.resources, { requests: { cpu: '500m', memory: '64Mi' } });
});

test('the Deployment runs the image its build Job pushes', () => {
  const rf = riofile({ services: { web: service('web', { image: './' }) } });
  const result = render(input(rf));
  const image = at(find(result, 'Deployment'), 'spec.template.spec.containers.0.image');
  assert.equal(image, 'registry.example.com/ria/shop/web:0123456789abcdef0123456789abcdef01234567');
  assert.equal(result.images.web, image);
  assert.ok(at(result.buildJobs[0], 'spec.template.spec.containers.0.args').includes(`--destination=${image}`));
});
