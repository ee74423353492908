import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRiofile, READ_VERBS } from './rio-imports.js';
import { fixture, issuesOf } from './helpers.js';

const rio = (name: string) => fixture(`rio/${name}`);
const brief = (issues: { line: number; column: number; path: string; message: string }[]) => issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`);

test('01: nginx with a config mounted as a file', () => {
  const m = parseRiofile(rio('01-nginx-configs.yaml'), { file: '01' });
  assert.deepEqual(Object.keys(m.services), ['nginx']);
  const nginx = m.services.nginx!;
  assert.equal(nginx.image, 'nginx');
  assert.deepEqual(nginx.ports, [{ port: 80, targetPort: 80, protocol: 'http', expose: true, hostPort: false }]);
  assert.deepEqual(nginx.configs, [{ name: 'conf', key: 'index.html', target: '/usr/share/nginx/html/index.html' }]);
  assert.deepEqual([nginx.app, nginx.version, nginx.weight, nginx.replicas], ['nginx', 'v0', 100, 1]);
  assert.match(m.configs.conf!['index.html']!, /^<!DOCTYPE html>\n<html>/);
  assert.equal(m.format, 'riofile');
});

test('06 and 10 are the same Riofile as 01 (10 is v0.5-era but uses no legacy key)', () => {
  const one = parseRiofile(rio('01-nginx-configs.yaml'));
  assert.deepEqual(parseRiofile(rio('06-nginx-configs-untagged.yaml')), one);
  assert.deepEqual(parseRiofile(rio('10-legacy-v0.5-nginx.yaml')), one);
});

test('02: the annotated reference is illustrative; its four real mistakes are reported exactly', () => {
  assert.deepEqual(brief(issuesOf(rio('02-riofile-reference.yaml'), { file: '02' })), [
    '11:3 externalservices.foo: an external service points at one target, found ipAddresses, fqdn, service',
    '75:7 services.service-foo.ports[1]: port 8080 is already defined by ports[0]',
    '201:9 routers.foo.routes[0].redirect: a route either redirects or forwards "to" destinations, not both',
    '243:5 kubernetes.manifest["document 1"]: Implicit map keys need to be followed by map values',
  ]);
});

test('02 with its mistakes fixed parses every field of the reference', () => {
  const fixed = rio('02-riofile-reference.yaml')
    .replace('    fqdn: www.foo.bar # Pointing to fqdn\n    service: $namespace/$name # Pointing to services in another namespace\n', '')
    .replace('    - 8080/http,admin,internal=true', '    - 8081/http,admin,internal=true')
    .replace(/        redirect: # Specify redirect rule\n          host: www.foo.bar\n          path: \/redirect\n/, '')
    .replace('    ....\n', '    metadata:\n      name: x\n');
  const m = parseRiofile(fixed);
  const s = m.services['service-foo']!;
  assert.deepEqual([s.app, s.version, s.replicas, s.weight, s.template], ['my-app', 'v0', 2, 80, false]);
  assert.deepEqual(s.autoscale, { concurrency: 10, maxReplicas: 10, minReplicas: 1 });
  assert.deepEqual(s.rollout, { increment: 5, intervalSeconds: 2, pause: false });
  assert.equal(s.imagePullPolicy, 'Always');
  assert.deepEqual(s.build?.args, { foo: 'bar' });
  assert.deepEqual([s.build?.dockerfile, s.build?.context, s.build?.noCache, s.build?.pr, s.build?.timeoutSeconds, s.build?.stageOnly], ['Dockerfile', './', true, true, 10, true]);
  assert.deepEqual(s.ports, [
    { port: 8080, targetPort: 80, protocol: 'http', name: 'web', expose: true, hostPort: false },
    { port: 8081, targetPort: 8081, protocol: 'http', name: 'admin', expose: false, hostPort: false },
  ]);
  assert.deepEqual(s.env, [{ name: 'POD_NAME', fieldRef: 'self/name' }]);
  assert.deepEqual([s.cpuMillis, s.memoryBytes], [100, 100 * 1024 * 1024]);
  assert.deepEqual(s.secrets, [{ name: 'foo', key: 'bar', target: '/my/password' }]);
  assert.deepEqual(s.livenessProbe, { httpGet: { path: '/ping', port: '9997' }, initialDelaySeconds: 10 });
  assert.deepEqual([s.stdin, s.stdinOnce, s.tty, s.runAsUser, s.runAsGroup, s.readOnlyRootFilesystem, s.privileged], [true, true, true, 1000, 1000, true, true]);
  assert.equal(s.nodeAffinity, undefined);
  assert.deepEqual(s.hostAliases, [{ ip: '127.0.0.1', hostnames: ['example.com'] }]);
  assert.deepEqual(s.imagePullSecrets, ['secret1', 'secret2']);
  assert.deepEqual(s.containers.map((c) => [c.name, c.init, c.image, c.args]), [['my-init', true, 'ubuntu', ['echo', 'hello world']]]);
  assert.deepEqual(s.globalPermissions, [{ verbs: ['create', 'get', 'list'], apiGroup: 'certmanager.k8s.io', resource: '*' }]);
  const route = m.routers.foo!.routes[0]!;
  assert.deepEqual(route.match, { path: { exact: '/v0' }, methods: ['GET'], headers: [{ name: 'FOO', value: { regexp: '/bar.*' } }] });
  assert.deepEqual(route.to.map((t) => t.weight), [50, 50]);
  assert.deepEqual(route.fault, { percentage: 80, delayMillis: 100, abortHTTPStatus: 502 });
  assert.deepEqual(m.externalServices.foo, { ipAddresses: ['1.1.1.1', '2.2.2.2'] });
  assert.deepEqual(m.template?.questions.map((q) => q.variable), ['FOO']);
  assert.deepEqual(m.kubernetesManifests, [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' } }]);
});

test('03 is an answers file, not a Riofile', () => {
  assert.deepEqual(brief(issuesOf(rio('03-answers-file.yaml'))), ['1:1 FOO: unknown key "FOO"']);
});

test('04 verbatim: the mkdocs escaping prints actions instead of running them', () => {
  const issues = issuesOf(rio('04-gotemplate-questions.yaml'));
  assert.deepEqual(issues.map((i) => [i.line, i.column, i.kind]), [[1, 1, 'RiofileTemplate'], [7, 1, 'RiofileTemplate']]);
  assert.match(issues[0]!.message, /^unsupported template construct: a string that prints "\{\{" or "\}\}" \(the mkdocs escaping/);
});

test('04 unescaped: bare words test and BAR are refused as Go would refuse them', () => {
  const unescaped = rio('04-gotemplate-questions.yaml').replace(/\{\{ "(\{\{-[^"]*\}\})" \}\}/g, '$1');
  assert.deepEqual(brief(issuesOf(unescaped, { answers: { FOO: 'BAR' }, namespace: 'test' })), [
    '1:35 (root): unsupported template construct: "test" is not a supported function or value (quote text as "test"; values are .Values.NAME)',
  ]);
  const quoted = unescaped.replace('NAMESPACE test', 'NAMESPACE "test"').replace('FOO BAR', 'FOO "BAR"');
  assert.deepEqual(Object.keys(parseRiofile(quoted, { answers: { FOO: 'BAR' }, namespace: 'test' }).services), ['demo']);
  assert.deepEqual(parseRiofile(quoted, { answers: { FOO: 'BAR' }, namespace: 'prod' }).services, {});
});

test('05: envSubst fills answers and NAMESPACE', () => {
  const m = parseRiofile(rio('05-envsubst.yaml'), { answers: { FOO: 'bar' }, namespace: 'ns1' });
  assert.deepEqual(m.services.demo!.env, [{ name: 'FOO', value: 'bar' }, { name: 'MYNAMESPACE', value: 'ns1' }]);
});

test('07, 24, 25: services plus kubernetes.manifest objects', () => {
  const kinds = (name: string) => parseRiofile(rio(name)).kubernetesManifests.map((o) => `${o.kind}/${o.metadata?.name}`);
  const guestbook = ['Service/redis-master', 'Deployment/redis-master', 'Service/redis-slave', 'Deployment/redis-slave', 'Service/frontend', 'Deployment/frontend'];
  assert.deepEqual(kinds('07-nginx-plus-kubernetes-guestbook.yaml'), guestbook);
  assert.deepEqual(kinds('24-fixture-riofile-with-K8s-manifests-before.yaml'), guestbook);
  assert.deepEqual(kinds('25-fixture-riofile-with-K8s-manifests-after.yaml'), []);
});

test('08: template answers, build, autoscale and an init container', () => {
  const m = parseRiofile(rio('08-watch-repo-template-autoscale-init.yaml'), { answers: { MAX_SCALE: '7' }, namespace: 'ns', revision: 'abc123' });
  const web1 = m.services.web1!;
  assert.deepEqual(web1.autoscale, { minReplicas: 1, maxReplicas: 7, concurrency: 10 });
  assert.equal(web1.image, undefined);
  assert.deepEqual([web1.build?.branch, web1.build?.context, web1.build?.imageName], ['master', './src/web1', 'lucidprogrammer/web1:abc123']);
  assert.deepEqual(web1.env, [{ name: 'NAMESPACE', value: 'ns' }, { name: 'REVISION', value: 'abc123' }]);
  const init = m.services.web2!.containers[0]!;
  assert.deepEqual([init.name, init.init, init.image], ['web2-init', true, 'busybox']);
  assert.deepEqual(init.volumes, [{ name: 'html', path: '/work-dir', persistent: false }]);
  assert.deepEqual(init.command, ['wget', '-O', '/work-dir/index.html', 'http://kubernetes.io']);
});

test('08: MAX_SCALE is an int question; a non-number answer is refused at the question', () => {
  assert.deepEqual(brief(issuesOf(rio('08-watch-repo-template-autoscale-init.yaml'), { answers: { MAX_SCALE: 'ten' }, revision: 'r' })), [
    '10:7 template.questions[2].variable: answer "ten" for MAX_SCALE is not a whole number',
  ]);
});

test('08: without an answer for MAX_SCALE the error is on its line and says so', () => {
  assert.deepEqual(brief(issuesOf(rio('08-watch-repo-template-autoscale-init.yaml'), { revision: 'r' })), [
    '20:20 services.web1.autoscale.maxReplicas: wrong type: expected a whole number (${MAX_SCALE} had no answer)',
  ]);
});

test('09: image ./ means build this directory; singular port alias', () => {
  const demo = parseRiofile(rio('09-dev-local-build-image-dot.yaml')).services.demo!;
  assert.equal(demo.image, undefined);
  assert.equal(demo.build?.context, './');
  assert.deepEqual(demo.ports, [{ port: 8080, targetPort: 8080, protocol: 'http', expose: true, hostPort: false }]);
});

test('11: every legacy v0.5 key is named with its replacement', () => {
  const messages = issuesOf(rio('11-legacy-v0.5-riofile-reference.yaml')).map((i) => `${i.path}: ${i.message}`);
  for (const [path, replacement] of [
    ['services.service-foo.rollout', 'rollout: {increment: 5, intervalSeconds: 2}'],
    ['services.service-foo.rolloutIncrement', 'rollout.increment'],
    ['services.service-foo.concurrency', 'autoscale.concurrency'],
    ['services.service-foo.build.buildArgs', 'build.args'],
    ['services.service-foo.build.dockerFile', 'build.dockerfile'],
    ['services.service-foo.build.enablePr', 'build.pr'],
    ['routers.foo.routes[0].matches', 'match'],
    ['routers.foo.routes[0].to[0].service', 'app'],
    ['routers.foo.routes[0].to[0].revision', 'version'],
    ['routers.foo.routes[0].timeoutMillis', 'timeoutSeconds'],
    ['routers.foo.routes[0].fault.abort', 'fault.abortHTTPStatus'],
  ] as const) {
    assert.ok(messages.some((m) => m.startsWith(`${path}: `) && m.includes('legacy Rio') && m.includes(`use ${replacement}`)), `${path} -> ${replacement}\n${messages.join('\n')}`);
  }
});

test('12: the six legacy build keys, each with its replacement', () => {
  assert.deepEqual(brief(issuesOf(rio('12-legacy-v0.5-build-args.yaml'))), [
    '6:5 services.demo.build.buildArgs: "buildArgs" is a legacy Rio key (v0.5 or older); use build.args',
    '8:5 services.demo.build.dockerFile: "dockerFile" is a legacy Rio key (v0.5 or older); use build.dockerfile',
    '9:5 services.demo.build.dockerFilePath: "dockerFilePath" is a legacy Rio key (v0.5 or older); use build.dockerfile (the full path from the repo root)',
    '10:5 services.demo.build.buildContext: "buildContext" is a legacy Rio key (v0.5 or older); use build.context',
    '12:5 services.demo.build.push: "push" is a legacy Rio key (v0.5 or older); use build.pushRegistry (images are always pushed)',
    '13:5 services.demo.build.buildImageName: "buildImageName" is a legacy Rio key (v0.5 or older); use build.imageName',
  ]);
});

test('13: build stack, a persistent volume from an answer, and permission strings', () => {
  const m = parseRiofile(rio('13-stacks-build-stack.yaml'), { answers: { PERSISTENT: 'true' } });
  const kit = m.services.buildkitd!;
  assert.deepEqual(kit.ports, [{ port: 8080, targetPort: 8080, protocol: 'http', name: 'buildkit', expose: false, hostPort: false }]);
  assert.equal(kit.serviceMesh, false);
  assert.deepEqual(kit.configs, [{ name: 'buildkitd-config', target: '/etc/buildkit' }]);
  assert.deepEqual(kit.containers[0]!.volumes, [{ name: 'rio-registry', path: '/var/lib/registry', persistent: true }]);
  assert.deepEqual(kit.containers[0]!.ports, [{ port: 80, targetPort: 80, protocol: 'tcp', name: 'registry', expose: false, hostPort: false }]);
  const perms = m.services.webhook!.globalPermissions;
  assert.deepEqual(perms[4], { verbs: ['get', 'list'], apiGroup: '', resource: 'pods' });
  assert.deepEqual(perms[5], { verbs: ['create', 'get', 'list'], apiGroup: '', resource: 'pods/log' });
  assert.deepEqual(perms[6], { verbs: READ_VERBS, apiGroup: '', resource: 'secrets' });
  assert.deepEqual(m.services.webhook!.args, ['gitwatcher', '--listen-address', ':8090']);
  assert.deepEqual(brief(issuesOf(rio('13-stacks-build-stack.yaml'))), [
    '34:9 services.buildkitd.containers[0].volume[0]: "persistent=" must be true or false (${PERSISTENT} had no answer)',
  ]);
});

test('14-22: Rio system stacks', () => {
  const answers = { TAG: 'v1.0', IMAGE: 'rancher/rio-controller:v0.8', RIO_DEBUG: 'true', MESH_MODE: 'linkerd', RUN_API_VALIDATOR: 'false', INSTALL_ARGS: '', LINKERD_UPGRADE: 'false', LINKERD_INSTALL_IMAGE: 'rancher/linkerd:x' };
  const parse = (name: string) => parseRiofile(rio(name), { answers, namespace: 'rio-system' });
  assert.deepEqual(parse('14-stacks-rio-autoscaler-stack.yaml').services.autoscaler!.ports, [{ port: 80, targetPort: 80, protocol: 'http', expose: false, hostPort: false }]);
  const dashboard = parse('15-stacks-dashboard-stack.yaml');
  assert.deepEqual(dashboard.services.dashboard!.globalPermissions, [{ verbs: [], apiGroup: '', resource: '', role: 'cluster-admin' }]);
  assert.deepEqual(dashboard.kubernetesManifests.map((o) => o.kind), ['ClusterRole', 'ClusterRoleBinding']);
  const cert = parse('16-stacks-cert-manager-stack.yaml');
  assert.equal(cert.services['cert-manager']!.image, 'rancher/cert-manager-controller:v1.0');
  assert.equal(cert.services['cert-manager']!.args[2], 'rio-system');
  const controller = parse('17-stacks-rio-controller-stack.yaml').kubernetesManifests[0] as unknown as { metadata: { namespace: string }; spec: { template: { spec: { containers: { args: string[] }[] } } } };
  assert.equal(controller.metadata.namespace, 'rio-system');
  assert.deepEqual(controller.spec.template.spec.containers[0]!.args, ['rio-controller', '--debug', '--mesh-mode', 'linkerd', '--features', '']);
  const quiet = parseRiofile(rio('17-stacks-rio-controller-stack.yaml'), { answers: { ...answers, RIO_DEBUG: 'false' } }).kubernetesManifests[0] as unknown as typeof controller;
  assert.deepEqual(quiet.spec.template.spec.containers[0]!.args.slice(0, 2), ['rio-controller', '--mesh-mode']);
  assert.deepEqual(
    ['18-stacks-rio-bootstrap-stack.yaml', '19-stacks-smi-stack.yaml', '20-stacks-linkerd-install-stack.yaml', '21-stacks-gloo-stack.yaml', '22-stacks-tekton-stack.yaml'].map((f) => parse(f).kubernetesManifests.length),
    [11, 1, 1, 34, 43],
  );
});

test('23: exported Riofile with routers and external services', () => {
  const m = parseRiofile(rio('23-fixture-riofile-export.yaml'));
  assert.deepEqual(Object.keys(m.services), ['export-test-image', 'export-test-image-v3']);
  assert.deepEqual([m.services['export-test-image-v3']!.app, m.services['export-test-image-v3']!.version], ['export-test-image', 'v3']);
  assert.equal(m.services['export-test-image']!.imagePullPolicy, 'IfNotPresent');
  assert.deepEqual(m.routers['route-foo']!.routes.map((r) => [r.match?.path, r.to]), [
    [{ exact: '/v0' }, [{ app: 'export-test-image', version: 'v0' }]],
    [{ exact: '/v3' }, [{ app: 'export-test-image', version: 'v3' }]],
  ]);
  assert.deepEqual(m.externalServices, { 'es-bar': { ipAddresses: ['1.1.1.1'] }, 'es-foo': { ipAddresses: [], fqdn: 'www.example.com' } });
});

test('26: a service without image or build builds the app repository', () => {
  const s = parseRiofile(rio('26-rio-autoscaler-Riofile.yaml')).services.autoscaler!;
  assert.equal(s.image, undefined);
  assert.deepEqual([s.build?.context, s.build?.dockerfile], ['.', 'Dockerfile']);
  assert.equal(s.globalPermissions.length, 3);
  assert.deepEqual(s.args, ['--debug']);
});

test('27: the knative-era Riofile is refused, naming its legacy keys', () => {
  assert.deepEqual(
    issuesOf(rio('27-riofile_test-inline.yaml')).map((i) => `${i.line}:${i.column} ${i.path}`),
    ['68:3 kubernetes.namespaced_custom_resource_definitions', '71:3 kubernetes.custom_resource_definitions'],
  );
});
