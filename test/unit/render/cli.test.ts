import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { main } from '../../../engine/cli/main.js';
import { captureIO } from '../../support/io.js';
import { COMMIT } from './model.js';
import { tempDir } from '../../support/temp-dir.js';

function workdir(files: Record<string, string>): string {
  const dir = tempDir('ria-render-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const RIOFILE = `services:
  web:
    image: ./
    ports:
    - 80:8080/http
    env:
    - GREETING=\${GREETING}
template:
  envSubst: true
  questions:
  - variable: GREETING
`;

test('ria render prints build Jobs first, then the objects, as YAML', async () => {
  // Setup
  const dir = workdir({ Riofile: RIOFILE, 'answers.yaml': 'GREETING: hello\n' });
  const io = captureIO(dir);

  // Test
  const code = await main(['render', '--app', 'shop', '--pr', '7', '--commit', COMMIT, '--gateway', 'infra/public', '--domain', 'apps.example.com',
    '--registry', 'registry.example.com', '--repo', 'https://github.com/example/shop.git', '--answers', 'answers.yaml'], io);
  assert.equal(code, 0, io.err());
  const docs = parseAllDocuments(io.out()).map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string }; spec?: any });
  assert.equal(docs[0]!.kind, 'Job');
  assert.equal(docs[1]!.kind, 'Namespace');
  assert.equal(docs[1]!.metadata.name, 'shop--pr-7');
  const deployment = docs.find((d) => d.kind === 'Deployment')!;
  assert.equal(deployment.spec.template.spec.containers[0].image, `registry.example.com/previews/shop/web:${COMMIT}`);
  assert.deepEqual(deployment.spec.template.spec.containers[0].env, [{ name: 'GREETING', value: 'hello' }]);
  const route = docs.find((d) => d.kind === 'HTTPRoute')!;
  assert.deepEqual(route.spec.hostnames, ['web--shop--pr-7.apps.example.com']);
  assert.equal(io.err(), '');
});

test('ria render --json prints one JSON array; --set wins over --answers; no --gateway gives Ingress', async () => {
  const dir = workdir({ 'rio.yaml': RIOFILE, 'answers.yaml': 'GREETING: hello\n' });
  const io = captureIO(dir);
  const code = await main(['render', 'rio.yaml', '--app', 'shop', '--branch', 'feature/x', '--commit', COMMIT, '--json', '--answers', 'answers.yaml', '--set', 'GREETING=hi', '--repo', 'https://example.com/r.git'], io);
  assert.equal(code, 0, io.err());
  const objects = JSON.parse(io.out()) as { kind: string; spec?: any }[];
  assert.ok(Array.isArray(objects));
  assert.equal(objects[0]!.kind, 'Job');
  assert.deepEqual(objects.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0].env, [{ name: 'GREETING', value: 'hi' }]);
  assert.ok(objects.some((o) => o.kind === 'Ingress'));
  assert.equal(objects.some((o) => o.kind === 'HTTPRoute'), false);
});

test('warnings go to stderr with their Riofile path', async () => {
  const dir = workdir({ Riofile: 'services:\n  web:\n    image: nginx\n    ports: [80/http]\n    autoscale: {minReplicas: 1, maxReplicas: 3}\n' });
  const io = captureIO(dir);
  assert.equal(await main(['render', '--app', 'shop', '--branch', 'main', '--commit', COMMIT], io), 0);
  assert.match(io.err(), /^warning: services\.web\.autoscale: CPU-based autoscaling needs a CPU request.*\[AutoscaleNoCpuRequest\]$/m);
});

test('an invalid Riofile exits 1 with located errors', async () => {
  const dir = workdir({ Riofile: 'services:\n  web:\n    image: nginx\n    ports:\n    - "80:abc"\n' });
  const io = captureIO(dir);
  assert.equal(await main(['render', '--app', 'shop', '--branch', 'main', '--commit', COMMIT], io), 1);
  assert.match(io.err(), /^Riofile:5:\d+: services\.web\.ports\[0\]: /m);
  assert.equal(io.out(), '');
});

test('usage errors exit 2', async () => {
  const dir = workdir({ Riofile: 'services:\n  web:\n    image: ./\n' });
  const cases: [string[], RegExp][] = [
    [['--branch', 'main', '--commit', COMMIT], /--app is required/],
    [['--app', 'shop', '--commit', COMMIT], /exactly one of --branch and --pr/],
    [['--app', 'shop', '--branch', 'main', '--pr', '3', '--commit', COMMIT], /exactly one of --branch and --pr/],
    [['--app', 'shop', '--branch', 'main'], /--commit is required/],
    [['--app', 'shop', '--pr', 'abc', '--commit', COMMIT], /--pr needs a pull request number/],
    [['--app', 'shop', '--branch', 'main', '--commit', 'nothex'], /commit must be a lowercase hex SHA/],
    [['--app', 'shop', '--branch', 'main', '--commit', COMMIT, '--gateway', 'nogateway'], /NAMESPACE\/NAME/],
    [['--app', 'shop', '--branch', 'main', '--commit', COMMIT, '--gateway', 'a/b', '--ingress-class', 'c'], /exclude each other/],
    [['--app', 'shop', '--branch', 'main', '--commit', COMMIT], /--repo URL/],
    [['missing.yaml', '--app', 'shop', '--branch', 'main', '--commit', COMMIT], /cannot read/],
    [['--app', 'shop', '--branch', 'main', '--commit', COMMIT, '--bogus'], /unknown option --bogus/],
  ];
  for (const [args, message] of cases) {
    const io = captureIO(dir);
    assert.equal(await main(['render', ...args], io), 2, `${args.join(' ')}: ${io.err()}`);
    assert.match(io.err(), message, args.join(' '));
  }
});
