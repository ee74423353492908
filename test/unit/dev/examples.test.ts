/**
 * The bundled examples are what a newcomer sees first: every Riofile passes `ria validate`,
 * renders with the settings of the example config repo, and shows what its README promises.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { main } from '../../../engine/cli/main.js';
import { parseRiofile } from '../../../engine/riofile/index.js';
import { render, type KubeObject, type RenderResult } from '../../../engine/render/index.js';
import { loadConfig } from '../../../engine/config/load.js';
import { clusterSettings } from '../../../engine/controller/environment/cluster-settings.js';
import { CONFIG_EXAMPLE, configApps, defaultExamplesDir, listExamples, readExample, servedFiles } from '../../../engine/dev/examples.js';
import { captureIO } from '../../support/io.js';

const examplesDir = defaultExamplesDir();
const COMMIT = '0123456789abcdef0123456789abcdef01234567';

async function config() {
  const files = await readExample(examplesDir, CONFIG_EXAMPLE);
  return { files, loaded: loadConfig(new Map(Object.entries(files))) };
}

async function renderExample(name: string): Promise<RenderResult> {
  const { loaded } = await config();
  const app = loaded.apps.find((a) => a.name === name)!;
  const source = (await readExample(examplesDir, name))[app.spec.riofile]!;
  const riofile = parseRiofile(source, { file: app.spec.riofile, answers: app.spec.answers ?? {}, namespace: `${name}--main`, revision: COMMIT });
  return render({ riofile, environment: { app: name, kind: 'branch', branch: 'main', commit: COMMIT }, cluster: clusterSettings(loaded.settings, 'ria-system'), source: { repoUrl: app.spec.repo } });
}

const find = (r: RenderResult, kind: string, name: string): KubeObject => {
  const obj = r.objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(obj, `${kind} ${name} rendered; got ${r.objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return obj;
};

test('examples: the config repo is valid and lists exactly the example app directories', async () => {
  const { files, loaded } = await config();
  assert.equal(loaded.settingsError, undefined, loaded.settingsError?.message);
  assert.deepEqual([...loaded.appErrors.keys()], []);
  const examples = await listExamples(examplesDir);
  assert.deepEqual(examples, ['api', 'hello', 'notes']);
  assert.deepEqual(configApps(files), examples);
  assert.deepEqual(loaded.apps.map((a) => a.spec.repo), examples.map((e) => `http://127.0.0.1:7080/ria-examples/${e}.git`));
  assert.ok(loaded.apps.every((a) => a.spec.previews?.enabled === true), 'every example gets pull-request previews');
  assert.equal(loaded.settings.gateway?.name, 'ria');
  assert.equal(loaded.settings.pollIntervalMs, 5_000);
});

test('examples: every Riofile passes ria validate', async () => {
  for (const example of await listExamples(examplesDir)) {
    const io = captureIO(join(examplesDir, example));
    const code = await main(['validate', 'Riofile'], io);
    assert.equal(code, 0, `${example}: ${io.out()}${io.err()}`);
    assert.equal(io.out(), 'Riofile: valid\n');
  }
});

test('examples: every Riofile renders without warnings, with a URL per exposed service', async () => {
  for (const example of await listExamples(examplesDir)) {
    const r = await renderExample(example);
    assert.deepEqual(r.warnings, [], `${example} renders without warnings`);
    assert.ok(Object.values(r.urls).flat().every((u) => u.endsWith(`${example}--main.ria.localhost`)), `${example}: ${JSON.stringify(r.urls)}`);
  }
});

test('examples/hello: two versions of one app, traffic split 80/20', async () => {
  const r = await renderExample('hello');
  assert.equal((find(r, 'Deployment', 'hello').spec as { replicas: number }).replicas, 2);
  assert.equal((find(r, 'Deployment', 'hello-v2').spec as { replicas: number }).replicas, 1);
  const rules = (find(r, 'HTTPRoute', 'hello').spec as { rules: Array<{ backendRefs: Array<{ name: string; weight: number }> }> }).rules;
  assert.deepEqual(rules[0]!.backendRefs.map((b) => [b.name, b.weight]), [['hello-v1', 80], ['hello-v2', 20]]);
  assert.equal(r.buildJobs.length, 0, 'image-only');
});

test('examples/api: built from its Dockerfile, autoscaled, behind a router', async () => {
  const r = await renderExample('api');
  assert.equal(r.buildJobs.length, 1);
  const image = (find(r, 'Deployment', 'api').spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers[0]!.image;
  assert.match(image, new RegExp(`^registry\\.localhost:5000/ria/.*:${COMMIT}$`));
  const hpa = find(r, 'HorizontalPodAutoscaler', 'api').spec as { minReplicas: number; maxReplicas: number };
  assert.deepEqual([hpa.minReplicas, hpa.maxReplicas], [1, 5]);
  const front = find(r, 'HTTPRoute', 'front').spec as { parentRefs: Array<{ name: string }>; rules: unknown[] };
  assert.equal(front.parentRefs[0]!.name, 'ria');
  assert.equal(front.rules.length, 3);
  const files = await readExample(examplesDir, 'api');
  assert.ok(files.Dockerfile?.includes('CMD ["node", "server.js"]') && files['server.js'], 'the Dockerfile builds server.js');
});

test('examples/notes: configs as files and env, a Secret from secretsFrom', async () => {
  const { loaded } = await config();
  assert.equal(loaded.apps.find((a) => a.name === 'notes')?.spec.secretsFrom, 'notes-secrets');
  const r = await renderExample('notes');
  const cm = find(r, 'ConfigMap', 'notes-site') as KubeObject & { data: Record<string, string> };
  assert.ok(cm.data['index.html']?.includes('Team notes'));
  const text = JSON.stringify(find(r, 'Deployment', 'notes'));
  assert.match(text, /"secretName":"notes-auth"/);
  assert.match(text, /"secretKeyRef":\{"name":"notes-auth","key":"user"\}/);
  assert.match(text, /"configMapKeyRef":\{"name":"notes-site","key":"log-level"\}/);
});

test('servedFiles points the config repo at the running git server, and leaves app repos alone', () => {
  const files = { 'apps/a.yaml': 'repo: http://127.0.0.1:7080/ria-examples/a.git\n', 'ria.yaml': 'github:\n  host: 127.0.0.1:7080\n' };
  assert.deepEqual(servedFiles('config', files, 'http://127.0.0.1:40001'), {
    'apps/a.yaml': 'repo: http://127.0.0.1:40001/ria-examples/a.git\n', 'ria.yaml': 'github:\n  host: 127.0.0.1:40001\n',
  });
  assert.equal(servedFiles('config', files, 'http://127.0.0.1:7080'), files);
  assert.equal(servedFiles('hello', files, 'http://127.0.0.1:40001'), files);
});
