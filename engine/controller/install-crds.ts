import { isDeepStrictEqual } from 'node:util';
import { riaCrds } from '../crds/definitions.js';
import type { KubeObjects, KubeObject } from '../kube/objects.js';
import { RiaError } from '../errors.js';

/**
 * Makes sure Ria's CRDs exist and match this version, then waits until the API server serves
 * them. A CRD that already matches is not written (an engine restart writes nothing).
 */
export async function ensureCrds(objects: KubeObjects, timeoutMs = 30_000, crds: KubeObject[] = riaCrds as unknown as KubeObject[]): Promise<void> {
  for (const crd of crds) {
    const ref = { apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name };
    const current = await objects.get(ref);
    if (!current || !isDeepStrictEqual(pick(current.spec, crd.spec), crd.spec)) await objects.apply(crd, { force: true });
  }
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds) {
    for (;;) {
      const current = await objects.get({ apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name });
      const conditions = (current?.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? [];
      if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new RiaError('CrdNotEstablished', `CRD ${crd.metadata.name} was not established within ${timeoutMs / 1000}s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  objects.paths.reset();
}

/** The server adds defaults to a CRD spec; compare only the keys we set, recursively. */
function pick(actual: unknown, wanted: unknown): unknown {
  if (Array.isArray(wanted) && Array.isArray(actual)) return wanted.map((w, i) => pick(actual[i], w));
  if (wanted && typeof wanted === 'object' && actual && typeof actual === 'object') {
    return Object.fromEntries(Object.keys(wanted).map((k) => [k, pick((actual as Record<string, unknown>)[k], (wanted as Record<string, unknown>)[k])]));
  }
  return actual;
}
