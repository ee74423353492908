import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { main } from '../../../engine/cli/main.js';
import { checkPolicy } from '../../../engine/policy/check.js';
import { formatIssue, parseRiofile } from '../../../engine/riofile/index.js';
import { loadConfig } from '../../../engine/config/load.js';
import { captureIO } from '../../support/io.js';
import { tempDir } from '../../support/temp-dir.js';

// Setup: an app checkout and a config checkout side by side.
function workdir(files: Record<string, string>): string {
  const dir = tempDir('ria-policy-cli-');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}
const COMMIT = 'c'.repeat(40);
const RIOFILE = 'services:\n  web:\n    image: ./\n    ports: 80/http\n    privileged: true\n    env:\n    - TOKEN=secret://prod-token/value\n';
const config = (allow = '') => ({
  'config/ria.yaml': 'registry: registry.example.com/ria\ndomain: apps.example.com\n',
  'config/apps/shop.yaml': `repo: https://git.example.com/shop.git\nsecretsFrom: shop-secrets\n${allow}`,
});

test('ria validate --config --app: the engine\'s policy, the engine\'s messages, exit 1', async () => {
  const dir = workdir({ Riofile: RIOFILE, ...config() });
  const io = captureIO(dir);
  assert.equal(await main(['validate', '--config', 'config', '--app', 'shop', 'Riofile'], io), 1);
  // The engine's verdict for the same files: checkPolicy on what loadConfig reads.
  const app = loadConfig(new Map([['apps/shop.yaml', config()['config/apps/shop.yaml']]])).apps[0]!;
  const engine = checkPolicy({ riofile: parseRiofile(RIOFILE, { file: 'Riofile', namespace: 'shop--main' }), source: RIOFILE, file: 'Riofile', app: 'shop', spec: app.spec, namespace: 'shop--main', kind: 'branch',
    environment: { app: 'shop', kind: 'branch', branch: 'main', commit: 'c' }, cluster: { domain: 'apps.example.com' } });
  assert.equal(io.out(), `${engine!.issues.map(formatIssue).join('\n')}\n`);
  assert.match(io.out(), /^Riofile:5:5: services\.web\.privileged: .*set "allow: \{ privileged: true \}" in apps\/shop\.yaml/m);
  // Without --config, the Riofile is only checked as a Riofile.
  assert.equal(await main(['validate', 'Riofile'], captureIO(dir)), 0);
});

test('ria validate --config: allowed → valid; --pr applies the preview rules (previews.secretsFrom)', async () => {
  const dir = workdir({ Riofile: RIOFILE, ...config('allow: { privileged: true }\n') });
  const ok = captureIO(dir);
  assert.equal(await main(['validate', '--config', 'config', '--app', 'shop', 'Riofile'], ok), 0, ok.out());
  const pr = captureIO(dir);
  assert.equal(await main(['validate', '--config', 'config', '--app', 'shop', '--pr', '7', 'Riofile'], pr), 1);
  assert.match(pr.out(), /Riofile:7:7: services\.web\.env\[0\]: a preview may only use the Secrets listed in previews\.secretsFrom; "prod-token" is not/);
});

test('ria validate --config: a broken app file is reported as the engine reports it; usage errors exit 2', async () => {
  const dir = workdir({ Riofile: RIOFILE, 'config/apps/shop.yaml': 'repo: https://git.example.com/shop.git\nalow: {}\n' });
  const io = captureIO(dir);
  assert.equal(await main(['validate', '--config', 'config', '--app', 'shop', 'Riofile'], io), 1);
  assert.match(io.out(), /apps\/shop\.yaml:2:1: alow: unknown key "alow"; did you mean "allow"\?/);
  assert.equal(await main(['validate', '--config', 'config', 'Riofile'], captureIO(dir)), 2);
  assert.equal(await main(['validate', '--config', 'config', '--app', 'nope', 'Riofile'], captureIO(dir)), 2);
  assert.equal(await main(['validate', '--pr', '3', 'Riofile'], captureIO(dir)), 2);
});

test('ria render --config: refused like the engine (stderr, exit 1); allowed → the engine\'s objects: config registry, builder namespace, PSA labels', async () => {
  const refused = workdir({ Riofile: RIOFILE, ...config() });
  const io = captureIO(refused);
  assert.equal(await main(['render', '--config', 'config', '--app', 'shop', '--branch', 'main', '--commit', COMMIT, 'Riofile'], io), 1);
  assert.match(io.err(), /services\.web\.privileged: .*allow: \{ privileged: true \}/);
  assert.equal(io.out(), '');

  const dir = workdir({ Riofile: RIOFILE, ...config('allow: { privileged: true }\n') });
  const ok = captureIO(dir);
  assert.equal(await main(['render', '--config', 'config', '--app', 'shop', '--branch', 'main', '--commit', COMMIT, 'Riofile'], ok), 0, ok.err());
  const docs = parseAllDocuments(ok.out()).map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: any });
  const job = docs.find((d) => d.kind === 'Job')!;
  assert.equal(job.metadata.namespace, 'ria-system-builds');
  assert.ok(job.spec.template.spec.containers[0].args.includes(`--destination=registry.example.com/ria/shop/web:${COMMIT}`));
  assert.equal(job.spec.template.spec.initContainers[0].env.find((e: { name: string }) => e.name === 'REPO_URL').value, 'https://git.example.com/shop.git');
  const ns = docs.find((d) => d.kind === 'Namespace')!;
  assert.equal(ns.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'privileged', 'lowered for the allowed privileged container');
  assert.equal(await main(['render', '--config', 'config', '--app', 'shop', '--branch', 'main', '--commit', COMMIT, '--registry', 'x', 'Riofile'], captureIO(dir)), 2);
});
