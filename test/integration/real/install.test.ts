/**
 * Ria in its own cluster: the engine image built from the project's Dockerfile by Kaniko on the
 * real node, installed by `ria install`, running as two pods under the ServiceAccount the install
 * makes (in-cluster config: the `kubernetes` Service's ClusterIP, no DNS), leader election on the
 * Lease, and an app deployed end to end from a config repository on the local git server. Then
 * the leader's pod is deleted: the other replica must hold the Lease within 30 s, and a push
 * after that is deployed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { CoordinationV1Api, CustomObjectsApi, type V1Pod } from '@kubernetes/client-node';
import { testClients, eventually, uniqueName } from '../../support/kube.js';
import { realNode } from '../../support/real-node.js';
import { captureIO } from '../../support/io.js';
import { main } from '../../../engine/cli/main.js';
import { startGitServer, type GitServer } from '../../../engine/dev/git-server.js';
import { commitFiles, createRepo } from '../../../engine/dev/git-fixtures.js';
import { engineImage, type EngineImage } from '../../../engine/dev/cluster/engine-image.js';
import { ENGINE_NAME, LEASE_NAME } from '../../../engine/install/manifests.js';
import { GROUP, VERSION, type Environment } from '../../../engine/crds/types.js';

const { kc, core } = testClients();
const coordination = kc.makeApiClient(CoordinationV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
const node = realNode();
const projectDir = fileURLToPath(new URL('../../../../', import.meta.url));
const log = (line: string) => process.stdout.write(`# ${line}\n`);
let git: GitServer;
let built: EngineImage;
let ns: string;
/** A repository URL as the engine's pods reach it: the git server's port on the node's address. */
let podUrl: (repo: string) => string;

const riofile = (text: string) => `services:
  web:
    image: ${node.info.images.busybox}
    command: ["sh", "-c", "mkdir -p /tmp/www && echo ${text} > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"]
    ports: 8080/http
    readiness:
      httpGet:
        path: /
        port: 8080
`;

before(async () => {
  git = await startGitServer();
  const gitPort = Number(new URL(git.url).port);
  await node.exposeHostPort(gitPort);
  podUrl = (repo) => `http://${node.info.bridgeIp}:${gitPort}/${repo}.git`;
  built = await engineImage({ projectDir, node: node.info, kc, git, exposeHostPort: node.exposeHostPort, onProgress: log });
  log(`engine image ${built.image} (${built.built ? `built in ${built.seconds.toFixed(0)}s` : `cached, pushed in ${built.seconds.toFixed(1)}s`})`);
  ns = uniqueName('ria-inst');
  await createRepo(git, 'config');
  await commitFiles(git, 'config', 'main', { 'ria.yaml': 'pollInterval: 2s\ndomain: apps.test\n' }, 'settings');
});
after(async () => {
  if (ns) await core.deleteNamespace({ name: ns }).catch(() => {});
  await git?.stop();
  await node.close();
});

async function enginePods(): Promise<V1Pod[]> {
  const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app.kubernetes.io/name=ria,app.kubernetes.io/component=engine' });
  return pods.items.filter((p) => !p.metadata?.deletionTimestamp);
}
const ready = (p: V1Pod) => p.status?.phase === 'Running' && !!p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

async function leaseHolder(): Promise<string | undefined> {
  const lease = await coordination.readNamespacedLease({ namespace: ns, name: LEASE_NAME }).catch(() => undefined);
  return lease?.spec?.holderIdentity ?? undefined;
}

async function environmentOf(app: string): Promise<Environment | undefined> {
  const list = await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: 'environments' }) as { items: Environment[] };
  return list.items.find((e) => e.spec?.app === app && e.spec.kind === 'branch' && e.spec.branch === 'main');
}

/** What the app's Service answers, asked from inside the node's network. */
async function serviceAnswer(namespace: string): Promise<string | undefined> {
  const svc = await core.readNamespacedService({ namespace, name: 'web' }).catch(() => undefined);
  const ip = svc?.spec?.clusterIP;
  if (!ip) return undefined;
  const res = await node.request(`http://${ip}:8080/`, { timeoutMs: 3000 }).catch(() => undefined);
  return res?.status === 200 ? res.body.trim() : undefined;
}

async function deployed(app: string, commit: string, text: string, timeoutMs: number): Promise<Environment> {
  const env = await eventually(`Environment of ${app} Ready at ${commit.slice(0, 7)}`, async () => {
    const e = await environmentOf(app);
    return e?.status?.phase === 'Ready' && e.status.appliedCommit === commit ? e : undefined;
  }, timeoutMs, 500);
  await eventually(`the app's Service answering "${text}"`, async () => (await serviceAnswer(env.spec!.namespace!)) === text, 60_000, 500);
  return env;
}

test('ria install on the real node: two engine pods under ria-engine, an app deployed, the leader deleted, the other replica takes over and deploys the next push', { timeout: 900_000 }, async () => {
  // Setup: an app in its repository; the config lists it (both as the engine's pods reach them).
  const app = uniqueName('web');
  await createRepo(git, app);
  const first = await commitFiles(git, app, 'main', { Riofile: riofile('one') }, 'one');
  await commitFiles(git, 'config', 'main', { [`apps/${app}.yaml`]: `repo: ${podUrl(app)}\nbranches: [main]\n` }, 'app');

  // Test: install.
  const io = captureIO();
  const installStarted = Date.now();
  assert.equal(await main(['install', '--namespace', ns, '--config-repo', podUrl('config'), '--image', built.image, '--kubeconfig', process.env.RIA_TEST_KUBECONFIG!], io), 0, io.err());

  // Both replicas Running and Ready, under the ServiceAccount the install made.
  const pods = await eventually('two engine pods Running and Ready', async () => {
    const p = await enginePods();
    return p.length === 2 && p.every(ready) ? p : undefined;
  }, 180_000, 1000);
  for (const p of pods) {
    assert.equal(p.spec?.serviceAccountName, ENGINE_NAME);
    assert.equal(p.spec?.containers[0]?.image, built.image);
  }
  const leader = await eventually('a replica holding the Lease', async () => {
    const holder = await leaseHolder();
    return holder && pods.some((p) => p.metadata?.name === holder) ? holder : undefined;
  }, 60_000, 500);

  // The app, deployed by the engine in its pod.
  const env = await deployed(app, first, 'one', 180_000);
  log(`install → first app Ready and answering: ${((Date.now() - installStarted) / 1000).toFixed(1)}s`);
  assert.equal(env.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  const leaderPod = await core.readNamespacedPod({ namespace: ns, name: leader });
  assert.equal(leaderPod.metadata?.labels?.['ria.dev/leader'], 'true', 'the leader labels its own Pod');

  // Delete the leader's pod: another replica holds the Lease within 30 s. The leader releases it
  // on SIGTERM, so whichever live replica asks first takes it: the standby, or (on an idle
  // machine, seen once) the pod the Deployment starts in the deleted one's place.
  const deleted = Date.now();
  await core.deleteNamespacedPod({ namespace: ns, name: leader });
  const next = await eventually('another replica holding the Lease', async () => {
    const holder = await leaseHolder();
    return holder && holder !== leader ? holder : undefined;
  }, 30_000, 250);
  const takeover = (Date.now() - deleted) / 1000;
  log(`leader ${leader} deleted → ${next} holds the Lease after ${takeover.toFixed(1)}s`);
  const live = (await enginePods()).map((p) => p.metadata?.name);
  assert.ok(live.includes(next), `the new holder ${next} is a live engine pod (${live.join(', ')})`);

  // A push after the takeover is deployed by the new leader.
  const second = await commitFiles(git, app, 'main', { Riofile: riofile('two') }, 'two');
  await deployed(app, second, 'two', 180_000);
  const lease = await coordination.readNamespacedLease({ namespace: ns, name: LEASE_NAME });
  assert.equal(lease.spec?.holderIdentity, next, 'the new leader kept the Lease');
});
