import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engineBuildJob, ENGINE_BUILD_NAMESPACE } from '../../../engine/dev/cluster/engine-image.js';
import { apiServerEndpointSlice } from '../../../engine/dev/cluster/api-service.js';
import type { RealNodeInfo } from '../../../engine/dev/cluster/real-node.js';

const node = {
  registry: '127.0.0.1:5000', bridgeIp: '10.244.0.1',
  images: { kanikoExecutor: '127.0.0.1:5000/ria-local/kaniko-executor:v1', git: '127.0.0.1:5000/ria-local/git:2', nodeSlim: '127.0.0.1:5000/library/node:20-bookworm-slim' },
} as unknown as RealNodeInfo;

test('the engine image is built by the Job Ria renders: exact commit, the Dockerfile, the npm mirror as a build argument, pushed to the local registry', () => {
  // Setup
  const commit = 'a'.repeat(40);

  // Test
  const job = engineBuildJob(node, commit, 'http://127.0.0.1:7000/ria.git', 'http://127.0.0.1:4873/') as unknown as {
    metadata: { namespace: string };
    spec: { template: { spec: { hostNetwork: boolean; initContainers: { env: { name: string; value: string }[] }[]; containers: { image: string; args: string[] }[] } } };
  };
  assert.equal(job.metadata.namespace, ENGINE_BUILD_NAMESPACE);
  const pod = job.spec.template.spec;
  assert.equal(pod.hostNetwork, true);
  const env = Object.fromEntries(pod.initContainers[0]!.env.map((e) => [e.name, e.value]));
  assert.equal(env.REPO_URL, 'http://127.0.0.1:7000/ria.git');
  assert.equal(env.COMMIT, commit);
  const kaniko = pod.containers[0]!;
  assert.equal(kaniko.image, node.images.kanikoExecutor);
  assert.ok(kaniko.args.includes('--dockerfile=/workspace/Dockerfile'));
  assert.ok(kaniko.args.includes(`--destination=127.0.0.1:5000/ria-local/ria/engine:${commit}`));
  assert.ok(kaniko.args.includes('--build-arg=NPM_CONFIG_REGISTRY=http://127.0.0.1:4873/'));
  assert.ok(kaniko.args.includes('--skip-default-registry-fallback'));
});

test('the kubernetes Service\'s EndpointSlice names the API server\'s forward on the node', () => {
  const slice = apiServerEndpointSlice('10.244.0.1', 34567, 'https') as { metadata: { name: string; namespace: string; labels: Record<string, string> }; endpoints: { addresses: string[] }[]; ports: { name: string; port: number }[] };
  assert.equal(slice.metadata.namespace, 'default');
  assert.equal(slice.metadata.labels['kubernetes.io/service-name'], 'kubernetes');
  assert.notEqual(slice.metadata.labels['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
  assert.deepEqual(slice.endpoints[0]!.addresses, ['10.244.0.1']);
  assert.deepEqual(slice.ports, [{ name: 'https', port: 34567, protocol: 'TCP' }]);
});
