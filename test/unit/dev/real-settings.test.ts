import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { devRiaYaml } from '../../../engine/dev/real-settings.js';
import { servedFiles } from '../../../engine/dev/examples.js';

const riaYaml = `# Settings
domain: ria.localhost
# the gateway
gateway:
  namespace: ria-system
  name: ria
registry: registry.localhost:5000/ria
`;
const node = { registry: '127.0.0.1:5000', images: { kanikoExecutor: '127.0.0.1:5000/ria-local/kaniko-executor:v1', git: '127.0.0.1:5000/ria-local/git:2' } };

test('the served ria.yaml names the Gateway ria dev created, comments kept', () => {
  const out = devRiaYaml(riaYaml, { namespace: 'ria-dev-1', name: 'ria' });
  assert.deepEqual(parse(out).gateway, { namespace: 'ria-dev-1', name: 'ria' });
  assert.equal(parse(out).registry, 'registry.localhost:5000/ria');
  assert.match(out, /# the gateway/);
});

test('on the real node: the local registry and the locally assembled builder, docker.io mirrored', () => {
  const out = parse(devRiaYaml(riaYaml, { namespace: 'ria-system', name: 'ria' }, node));
  assert.equal(out.registry, '127.0.0.1:5000/ria');
  assert.equal(out.builder.image, node.images.kanikoExecutor);
  assert.equal(out.builder.gitImage, node.images.git);
  assert.equal(out.builder.hostNetwork, true);
  assert.ok(out.builder.extraArgs.includes('--registry-mirror=127.0.0.1:5000'));
  assert.ok(out.builder.extraArgs.includes('--skip-default-registry-fallback'));
  assert.equal(out.builder.registryEndpoint, undefined);
});

test('on the real node with the engine on the host: the registry is asked through its published port', () => {
  const out = parse(devRiaYaml(riaYaml, { namespace: 'ria-system', name: 'ria' }, { ...node, registryEndpoint: 'http://127.0.0.1:41234' }));
  assert.equal(out.builder.registryEndpoint, 'http://127.0.0.1:41234');
  assert.equal(out.registry, '127.0.0.1:5000/ria', 'the images keep the name the node pulls them by');
});

test('servedFiles applies it to the config repository only, after pointing it at the git server', () => {
  const files = { 'ria.yaml': riaYaml, 'apps/hello.yaml': 'repo: http://127.0.0.1:7080/ria-examples/hello.git\n' };
  const out = servedFiles('config', files, 'http://127.0.0.1:9999', { gateway: { namespace: 'x', name: 'ria' }, node });
  assert.equal(out['apps/hello.yaml'], 'repo: http://127.0.0.1:9999/ria-examples/hello.git\n');
  assert.equal(parse(out['ria.yaml']!).gateway.namespace, 'x');
  assert.deepEqual(servedFiles('hello', { Riofile: 'x' }, 'http://127.0.0.1:9999', { gateway: { namespace: 'x', name: 'ria' }, node }), { Riofile: 'x' });
});
