import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { KubeObjects, type KubeObject } from '../../engine/kube/objects.js';
import { KubeRest } from '../../engine/kube/rest.js';
import { main } from '../../engine/cli/main.js';
import { captureIO } from './io.js';
import { installedEngineKubeConfig, testClients, uniqueName } from './kube.js';

/** An assertion for assert.rejects: the API server refused with 403, saying `what`. */
export const forbidden = (what: RegExp) => (err: Error & { status?: number }) => {
  assert.equal(err.status, 403, err.message);
  assert.match(err.message, what);
  return true;
};

/**
 * `ria install` into a fresh namespace (`prefix`-…) before this test file, as an admission test
 * needs it: `engine` is the installed engine's client (set once the hook ran), `made` the
 * namespaces the file makes; after the file, they and the install's policies are removed.
 */
export function installForFile(prefix: string): { ns: string; engine: KubeObjects; admin: KubeObjects; made: string[] } {
  const { kc } = testClients();
  const install = { ns: '', engine: undefined as unknown as KubeObjects, admin: new KubeObjects(new KubeRest(kc)), made: [] as string[] };
  before(async () => {
    install.ns = uniqueName(prefix);
    const io = captureIO();
    assert.equal(await main(['install', '--namespace', install.ns, '--config-repo', 'http://unused.invalid/config.git', '--image', 'ria:test', '--kubeconfig', process.env.RIA_TEST_KUBECONFIG!], io), 0, io.err());
    install.engine = new KubeObjects(new KubeRest(await installedEngineKubeConfig(kc, install.ns)));
  });
  after(async () => {
    const { core } = testClients();
    for (const name of install.made) await core.deleteNamespace({ name }).catch(() => undefined);
    await removeInstallPolicies(install.admin, install.ns);
  });
  return install;
}

/**
 * Removes the admission policies `ria install --namespace ns` wrote. They are cluster-scoped and
 * hold every environment namespace of the cluster, and each names its own engine: left behind
 * on the cluster the integration tests share, one install's namespace policy refuses another
 * install's engine a change of an environment's namespace, and its ownership policy that engine's
 * writes as Ria's field manager there (one Ria per cluster).
 */
export async function removeInstallPolicies(objects: KubeObjects, ns: string): Promise<void> {
  const apiVersion = 'admissionregistration.k8s.io/v1';
  for (const name of [`ria-engine-${ns}`, `ria-engine-routes-${ns}`, `ria-engine-namespaces-${ns}`, `ria-engine-exposure-${ns}`, `ria-engine-ownership-${ns}`]) {
    for (const kind of ['ValidatingAdmissionPolicyBinding', 'ValidatingAdmissionPolicy']) await objects.delete({ apiVersion, kind, name }).catch(() => undefined);
  }
}

/**
 * A client acting as `user`, a pod's ServiceAccount say, whose server-side applies name a field
 * manager of their own (`manager`), as a pod's would: KubeObjects applies as Ria's (`ria`) unless
 * told otherwise, which the ownership policy refuses anyone but the engine and the environment's
 * identity in an environment's namespace.
 */
export function podClient(objects: KubeObjects, user: string, manager = 'pod'): KubeObjects {
  const client = objects.as(user);
  const apply = client.apply.bind(client);
  return Object.assign(client, {
    apply: <T = KubeObject>(obj: KubeObject, options: { force?: boolean; dryRun?: boolean; fieldManager?: string } = {}) => apply<T>(obj, { fieldManager: manager, ...options }),
  });
}
