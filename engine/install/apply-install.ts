/**
 * Applies the install manifests with server-side apply, CRDs first: the API server only serves a
 * new kind once its CRD is Established, and the engine must not start before its kinds exist.
 * Each object is reported as created, configured or unchanged, so a second install visibly
 * changes nothing.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import { refOf, FIELD_MANAGER, type KubeObject, type KubeObjects } from '../kube/objects.js';
import { isNotFound, refString, type KubeObjectRef } from '../kube/errors.js';
import { InstallError } from './manifests.js';

export type InstallAction = 'created' | 'configured' | 'unchanged';

export interface InstalledObject { ref: KubeObjectRef; action: InstallAction; resourceVersion: string | undefined; note?: string }

export interface ApplyInstallOptions {
  objects: KubeObject[];
  /** The engine's own client (engine/kube): the install applies exactly as the engine does. */
  client: Pick<KubeObjects, 'get' | 'apply'>;
  dryRun?: boolean;
  /** How long to wait for the CRDs to be Established. */
  establishTimeoutMs?: number;
  onApplied?: (result: InstalledObject) => void;
  onProgress?: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const isCrd = (o: KubeObject) => o.kind === 'CustomResourceDefinition';

export async function applyInstall(options: ApplyInstallOptions): Promise<InstalledObject[]> {
  const { objects, client, dryRun = false, establishTimeoutMs = 60_000, onApplied, onProgress, sleep = (ms) => sleepFor(ms), now = Date.now } = options;
  const results: InstalledObject[] = [];
  const applyAll = async (batch: KubeObject[]) => {
    for (const obj of batch) {
      const result = await applyOne(client, obj, dryRun);
      results.push(result);
      onApplied?.(result);
    }
  };
  const crds = objects.filter(isCrd);
  await applyAll(crds);
  // A dry run stores nothing, so there is nothing to wait for.
  if (!dryRun && crds.length) {
    onProgress?.(`waiting for ${crds.length} CRDs to be Established...`);
    await waitEstablished(client, crds.map((c) => c.metadata.name), establishTimeoutMs, sleep, now);
  }
  await applyAll(objects.filter((o) => !isCrd(o)));
  return results;
}

async function applyOne(client: Pick<KubeObjects, 'get' | 'apply'>, obj: KubeObject, dryRun: boolean): Promise<InstalledObject> {
  const ref = refOf(obj);
  const before = await client.get(ref);
  let applied: KubeObject;
  try {
    // Forced: Ria's own objects are what this install says (as the engine applies its objects).
    applied = await client.apply(obj, { dryRun, force: true });
  } catch (err) {
    // A dry run creates no namespace, so objects inside a new one cannot be validated yet.
    if (dryRun && ref.namespace && before === undefined && isNotFound(err)) {
      return { ref, action: 'created', resourceVersion: undefined, note: `not validated: namespace ${ref.namespace} does not exist yet` };
    }
    throw err;
  }
  const action: InstallAction = before === undefined ? 'created' : unchanged(before, applied) ? 'unchanged' : 'configured';
  return { ref, action, resourceVersion: applied.metadata.resourceVersion };
}

/**
 * An apply that changes nothing writes nothing, so the resourceVersion stays the same. But a
 * controller may write status between our read and our apply (a new Deployment's rollout): then
 * the spec (generation) and our own field ownership entry tell whether our apply changed anything.
 */
function unchanged(before: KubeObject, after: KubeObject): boolean {
  const b = before.metadata;
  const a = after.metadata;
  if (b.resourceVersion === a.resourceVersion) return true;
  if (b.generation === undefined || b.generation !== a.generation) return false;
  const ours = (m: typeof a) => (m.managedFields ?? []).find((f) => f.manager === FIELD_MANAGER && f.operation === 'Apply') as ManagedFields | undefined;
  const [x, y] = [ours(b), ours(a)];
  return x !== undefined && y !== undefined && String(x.time) === String(y.time) && JSON.stringify(x.fieldsV1) === JSON.stringify(y.fieldsV1);
}

type ManagedFields = { time?: string; fieldsV1?: unknown };
type CrdStatus = { conditions?: Array<{ type: string; status: string; message?: string }> };

export async function waitEstablished(
  client: Pick<KubeObjects, 'get'>, names: string[], timeoutMs: number,
  sleep: (ms: number) => Promise<void>, now: () => number,
): Promise<void> {
  const deadline = now() + timeoutMs;
  let pending = [...names];
  let last = '';
  while (pending.length) {
    const still: string[] = [];
    for (const name of pending) {
      try {
        const crd = await client.get<KubeObject & { status?: CrdStatus }>({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name });
        const established = crd?.status?.conditions?.find((c) => c.type === 'Established');
        if (established?.status !== 'True') {
          still.push(name);
          last = crd ? established?.message ?? 'no Established condition yet' : 'not found';
        }
      } catch (err) {
        still.push(name);
        last = (err as Error).message;
      }
    }
    pending = still;
    if (!pending.length) return;
    if (now() >= deadline) {
      throw new InstallError(`CRDs not Established after ${Math.round(timeoutMs / 1000)} s: ${pending.join(', ')} (${last})`, { pending });
    }
    await sleep(250);
  }
}

export function describeResult(r: InstalledObject): string {
  return `${refString(r.ref)} ${r.action}${r.note ? ` (${r.note})` : ''}`;
}
