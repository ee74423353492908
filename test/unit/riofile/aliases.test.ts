import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRiofile } from '../../../engine/riofile/index.js';
import { DEFS } from '../../../engine/riofile/schema/build.js';

/** Where a field of each object lives in a Riofile; `F` is replaced by `key: value`. */
const CONTEXT: Record<string, string> = {
  riofile: 'F',
  service: 'services: {web: {image: nginx, F}}',
  sidecar: 'services: {web: {image: nginx, containers: [{name: side, image: busybox, F}]}}',
  build: 'services: {web: {build: {F}}}',
  autoscale: 'services: {web: {image: nginx, autoscale: {F}}}',
  rollout: 'services: {web: {image: nginx, rollout: {F}}}',
  portObject: 'services: {web: {image: nginx, ports: [{port: 80, F}]}}',
  volumeObject: 'services: {web: {image: nginx, volumes: [{path: /data, F}]}}',
  route: 'routers: {r: {routes: [{to: [{app: a}], F}]}}',
  match: 'routers: {r: {routes: [{to: [{app: a}], match: {F}}]}}',
  stringMatch: 'routers: {r: {routes: [{to: [{app: a}], match: {path: {F}}}]}}',
  retry: 'routers: {r: {routes: [{to: [{app: a}], retry: {attempts: 2, F}}]}}',
};

/** A value valid for the field, written once and used with every spelling. */
const VALUES: Record<string, string> = {
  'service.args': '[a, b]', 'service.ports': '["80/tcp"]', 'service.env': '["A=1"]', 'service.secrets': '[tls]', 'service.configs': ['[conf]'][0]!,
  'service.volumes': '["data:/data"]', 'service.cpuMillis': '250m', 'service.memoryBytes': '64Mi', 'service.livenessProbe': '{tcpSocket: {port: 80}}',
  'service.readinessProbe': '{tcpSocket: {port: 80}}', 'service.imagePullPolicy': 'Never', 'service.stdin': 'true', 'service.runAsUser': '1000',
  'service.replicas': '3', 'service.permissions': '["* configmaps"]', 'service.globalPermissions': '["get nodes"]', 'service.hostAliases': '["a.local=10.0.0.1"]',
  'service.imagePullSecrets': '[regcred]',
  'build.args': '["A=1"]', 'build.timeout': '5m', 'build.pr': 'true', 'build.tag': 'true',
  'autoscale.minReplicas': '2, maxReplicas: 9', 'autoscale.maxReplicas': '4', 'rollout.intervalSeconds': '30s', 'portObject.hostport': 'true', 'volumeObject.hostpath': '/var/data',
  'riofile.externalservices': '{db: {fqdn: db.example.com}}', 'route.timeoutSeconds': '3', 'match.scheme': '{exact: https}', 'match.methods': '[GET]',
  'stringMatch.regexp': '"/v[0-9]+"', 'retry.timeoutSeconds': '2',
};

function valueFor(def: string, canonical: string): string {
  const v = VALUES[`${def}.${canonical}`] ?? VALUES[`service.${canonical}`];
  assert.ok(v, `no sample value for ${def}.${canonical}`);
  return v;
}

const riofile = (def: string, key: string, value: string) => CONTEXT[def]!.replace('F', `${key}: ${value}`);

const aliases = Object.entries(DEFS).flatMap(([def, spec]) => Object.entries(spec.fields).flatMap(([canonical, f]) => (f.aliases ?? []).map((alias) => ({ def, canonical, alias }))));

test('the alias table covers every alias the schema declares', () => {
  assert.ok(aliases.length >= 40, `${aliases.length} aliases`);
  for (const { def } of aliases) assert.ok(CONTEXT[def], `no context for aliases of ${def}`);
});

for (const { def, canonical, alias } of aliases) {
  test(`alias ${def}.${alias} reads as ${canonical}`, () => {
    const value = valueFor(def, canonical);
    const viaAlias = parseRiofile(riofile(def, alias, value));
    const viaCanonical = parseRiofile(riofile(def, canonical, value));
    assert.deepEqual(viaAlias, viaCanonical);
    // The field really was read: without it the model differs (or the file is not even valid).
    let without: unknown;
    try {
      without = parseRiofile(CONTEXT[def]!.replace(/,? ?F/, ''));
    } catch {
      without = undefined;
    }
    assert.notDeepEqual(viaCanonical, without);
  });
}

test('snake_case keys are the camelCase fields (norman JSONKeys)', () => {
  const snake = parseRiofile('services: {web: {image: nginx, image_pull_policy: always, global_permissions: ["* pods"], working_dir: /app, read_only_root_filesystem: true, run_as_user: 7, stdin_once: true, max_unavailable: "25%"}}');
  const camel = parseRiofile('services: {web: {image: nginx, imagePullPolicy: Always, globalPermissions: ["* pods"], workingDir: /app, readOnlyRootFilesystem: true, runAsUser: 7, stdinOnce: true, maxUnavailable: "25%"}}');
  assert.deepEqual(snake, camel);
  assert.equal(camel.services.web!.workingDir, '/app');
  assert.deepEqual(parseRiofile('services: {web: {image: nginx, ports: [{port: 80, target_port: 8080}]}}').services.web!.ports[0]!.targetPort, 8080);
});

test('cpus counts cores, cpuMillis counts millicores when written as a bare number', () => {
  assert.equal(parseRiofile('services: {web: {image: nginx, cpus: 2}}').services.web!.cpuMillis, 2000);
  assert.equal(parseRiofile('services: {web: {image: nginx, cpuMillis: 250}}').services.web!.cpuMillis, 250);
  assert.equal(parseRiofile('services: {web: {image: nginx, cpu: "250m"}}').services.web!.cpuMillis, 250);
});

test('the Kubernetes-object shape (spec, metadata.labels) is flattened into the entry', () => {
  const flat = parseRiofile('services: {web: {image: nginx, scale: 2, labels: {tier: web}}}');
  const shaped = parseRiofile('services: {web: {metadata: {labels: {tier: web}}, spec: {image: nginx, scale: 2}}}');
  assert.deepEqual(shaped, flat);
});
