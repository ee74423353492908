/**
 * The cluster's own floor for a cold start: the objects of all N apps (rendered as for the engines)
 * in one `kubectl apply --server-side` of one file, then waited for until every Deployment is
 * rolled out. No engine is this fast; each engine's cold start is also shown as a multiple of it.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { AppsV1Api } from '@kubernetes/client-node';
import { renderedYaml, type ConfigFiles } from './flux-objects.js';
import { appNamespace, type BenchApp } from './workload.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Floor {
  seconds: number;
  objects: number;
  deployments: number;
}

interface Dep { metadata?: { namespace?: string; generation?: number }; spec?: { replicas?: number }; status?: { observedGeneration?: number; updatedReplicas?: number; availableReplicas?: number; replicas?: number } }

export const rolledOut = (d: Dep): boolean => {
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  return (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) && (s.updatedReplicas ?? 0) === want && (s.availableReplicas ?? 0) === want && (s.replicas ?? 0) === want;
};

export async function measureFloor(o: { admin: KubeConfig; adminKubeconfigPath: string; kubectl: string; apps: BenchApp[]; config: ConfigFiles; dir: string; timeoutMs: number; onProgress: (l: string) => void }): Promise<Floor> {
  const docs = o.apps.map((a) => renderedYaml(a, 0, o.config, 'ria-system'));
  const file = join(o.dir, 'floor.yaml');
  await writeFile(file, docs.join('---\n'));
  const objects = docs.reduce((n, d) => n + d.split(/^---$/m).filter((x) => x.trim()).length, 0);
  const namespaces = new Set(o.apps.map(appNamespace));
  const apps = o.admin.makeApiClient(AppsV1Api);
  const t0 = performance.now();
  await run(o.kubectl, ['--kubeconfig', o.adminKubeconfigPath, 'apply', '--server-side', '--field-manager=floor', '-f', file], { maxBuffer: 64 * 2 ** 20 });
  o.onProgress(`floor: applied ${objects} objects in ${((performance.now() - t0) / 1000).toFixed(1)} s; waiting for the Deployments`);
  for (;;) {
    const list = (await apps.listDeploymentForAllNamespaces()).items.filter((d) => namespaces.has(d.metadata?.namespace ?? ''));
    const done = list.filter((d) => rolledOut(d as Dep)).length;
    const expected = o.apps.reduce((n, a) => n + a.services, 0);
    if (list.length >= expected && done === list.length) return { seconds: (performance.now() - t0) / 1000, objects, deployments: list.length };
    if (performance.now() - t0 > o.timeoutMs) throw new Error(`floor: ${done}/${expected} Deployments rolled out after ${o.timeoutMs / 1000} s`);
    await sleep(o.apps.length > 200 ? 2000 : 500);
  }
}
