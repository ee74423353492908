import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestOptions } from 'node:https';
import { loadKubeAccess, KubeconfigError } from '../../../engine/kube/kube-access.js';
import { microTime } from '../../../engine/leader/lease-client.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A file system in a Map (paths as the loader resolves them). */
function files(entries: Record<string, string>) {
  const reads: string[] = [];
  return {
    reads,
    readFile: (path: string) => {
      reads.push(path);
      const text = entries[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return Buffer.from(text);
    },
  };
}

const kubeconfig = (user: string) => `apiVersion: v1
kind: Config
current-context: dev
contexts:
- name: other
  context: { cluster: far, user: nobody }
- name: dev
  context: { cluster: local, user: admin }
clusters:
- name: far
  cluster: { server: https://far.example:6443 }
- name: local
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority: pki/ca.crt
    tls-server-name: kubernetes
users:
- name: nobody
  user: { token: nope }
- name: admin
  user:
${user}`;

async function applied(access: { applyToHTTPSOptions(o: RequestOptions): Promise<void> }) {
  const options: RequestOptions = { headers: { accept: 'application/json' } };
  await access.applyToHTTPSOptions(options);
  return { ...options, headers: options.headers as Record<string, string> };
}

test('a kubeconfig: the current context\'s cluster and user; relative files next to the kubeconfig; inline data decoded', async () => {
  // Setup
  const fs = files({
    '/cfg/kubeconfig': kubeconfig(`    client-certificate: /abs/admin.crt\n    client-key-data: ${b64('KEY')}`),
    '/cfg/pki/ca.crt': 'CA', '/abs/admin.crt': 'CERT',
  });

  // Test
  const access = await loadKubeAccess('/cfg/kubeconfig', { readFile: fs.readFile, env: {} });
  assert.deepEqual(access.getCurrentCluster(), { server: 'https://127.0.0.1:6443' });
  const o = await applied(access);
  assert.equal(String(o.ca), 'CA');
  assert.equal(String(o.cert), 'CERT');
  assert.equal(String(o.key), 'KEY');
  assert.equal(o.servername, 'kubernetes');
  assert.equal(o.rejectUnauthorized, undefined);
  assert.deepEqual(o.headers, { accept: 'application/json' }, 'no credentials in headers for certificate auth');
});

test('tokens: inline, or a token file read again as it rotates; basic auth; insecure-skip-tls-verify', async () => {
  const entries: Record<string, string> = { '/k': kubeconfig('    tokenFile: token\n'), '/pki/ca.crt': 'CA', '/token': 'first\n' };
  let now = 0;
  const access = await loadKubeAccess('/k', { readFile: files(entries).readFile, env: {}, now: () => now });
  assert.equal((await applied(access)).headers!.authorization, 'Bearer first');
  entries['/token'] = 'second';
  assert.equal((await applied(access)).headers!.authorization, 'Bearer first', 'read at most once a minute');
  now += 61_000;
  assert.equal((await applied(access)).headers!.authorization, 'Bearer second');

  const basic = await loadKubeAccess('/k', { readFile: files({ ...entries, '/k': kubeconfig('    username: ann\n    password: pw\n').replace('    tls-server-name: kubernetes', '    insecure-skip-tls-verify: true') }).readFile, env: {} });
  const o = await applied(basic);
  assert.equal(o.headers!.authorization, `Basic ${b64('ann:pw')}`);
  assert.equal(o.rejectUnauthorized, false);
});

test('order: the file given, then $KUBECONFIG (first entry), then ~/.kube/config, then the Pod\'s service account', async () => {
  const fs = files({
    '/given': kubeconfig('    token: given\n'), '/env1': kubeconfig('    token: env\n'), '/home/.kube/config': kubeconfig('    token: home\n'),
    '/pki/ca.crt': 'CA', '/sa/ca.crt': 'SA-CA', '/sa/token': 'sa-token',
  });
  const token = async (file: string | undefined, env: NodeJS.ProcessEnv, home = '/home') =>
    (await applied(await loadKubeAccess(file, { readFile: fs.readFile, env, home, serviceAccountDir: '/sa' }))).headers!.authorization;
  assert.equal(await token('/given', { KUBECONFIG: '/env1' }), 'Bearer given');
  assert.equal(await token(undefined, { KUBECONFIG: '/env1:/env2' }), 'Bearer env');
  // existsSync is the real one: a home without ~/.kube/config falls through to the service account.
  const inPod = await loadKubeAccess(undefined, { readFile: fs.readFile, env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, home: '/nonexistent', serviceAccountDir: '/sa' });
  assert.deepEqual(inPod.getCurrentCluster(), { server: 'https://[fd00::1]:443' });
  const o = await applied(inPod);
  assert.equal(String(o.ca), 'SA-CA');
  assert.equal(o.headers!.authorization, 'Bearer sa-token');
  await assert.rejects(loadKubeAccess(undefined, { readFile: fs.readFile, env: {}, home: '/nonexistent' }), KubeconfigError);
});

test('a user with an exec plugin is handed to client-node\'s KubeConfig (loaded only then)', async () => {
  const fs = files({ '/k': kubeconfig('    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: cloud-login\n') });
  const access = await loadKubeAccess('/k', { readFile: fs.readFile, env: {} });
  assert.equal(access.constructor.name, 'KubeConfig');
  assert.equal(access.getCurrentCluster()?.server, 'https://127.0.0.1:6443');
});

test('a kubeconfig without the current context says so', async () => {
  const fs = files({ '/k': kubeconfig('    token: t\n').replace('current-context: dev', 'current-context: gone') });
  await assert.rejects(loadKubeAccess('/k', { readFile: fs.readFile, env: {} }), /no context "gone"/);
});

test('lease times are MicroTime (microseconds) in JSON, as the API server expects', () => {
  const at = microTime(Date.UTC(2026, 11, 2, 11, 0, 0, 123));
  assert.equal(JSON.stringify({ at }), '{"at":"2026-12-02T11:00:00.123000Z"}');
  assert.equal(at.getTime(), Date.UTC(2026, 11, 2, 11, 0, 0, 123));
});
