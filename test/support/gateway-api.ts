import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { KubeObject, KubeObjects } from '../../engine/kube/objects.js';
import { applyObject } from './apply.js';
import { eventually } from './kube.js';

/** Installs the Gateway API standard CRDs test/run.ts names (idempotent) and waits until they are Established. */
export async function installGatewayApiCrds(objects: KubeObjects): Promise<void> {
  const path = process.env.RIA_TEST_GATEWAY_API_CRDS;
  if (!path) throw new Error('RIA_TEST_GATEWAY_API_CRDS is not set: run through node dist/test/run.js --integration');
  await installCrdFile(objects, path, 5);
}

/** cert-manager's cert-manager.io CRDs (test/cluster/build.sh caches them from its Go module), as installGatewayApiCrds. */
export async function installCertManagerCrds(objects: KubeObjects): Promise<void> {
  const path = process.env.RIA_TEST_CERT_MANAGER_CRDS;
  if (!path) throw new Error('RIA_TEST_CERT_MANAGER_CRDS is not set: run through node dist/test/run.js --integration (test/cluster/build.sh caches the CRDs)');
  await installCrdFile(objects, path, 4);
}

async function installCrdFile(objects: KubeObjects, path: string, atLeast: number): Promise<void> {
  const crds = parseAllDocuments(readFileSync(path, 'utf8'))
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o?.kind === 'CustomResourceDefinition');
  assert.ok(crds.length >= atLeast, `expected at least ${atLeast} CRDs in ${path}`);
  for (const crd of crds) await applyObject(objects, crd);
  for (const crd of crds) {
    await eventually(`CRD ${crd.metadata.name} Established`, async () => {
      const live = await objects.get({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: crd.metadata.name });
      const conditions = (live as { status?: { conditions?: { type: string; status: string }[] } } | undefined)?.status?.conditions ?? [];
      return conditions.some((c) => c.type === 'Established' && c.status === 'True');
    });
  }
}
