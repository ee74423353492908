import { refOf, type KubeObject } from '../../kube/objects.js';
import { workloadKey } from './apply.js';
import type { EngineContext } from '../context.js';

interface WorkloadStatus {
  observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number;
  desiredNumberScheduled?: number; numberAvailable?: number; updatedNumberScheduled?: number;
  conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
}

/** Pure: whether a Deployment or DaemonSet has rolled out its current spec. */
export function workloadReady(obj: KubeObject): { ready: boolean; message: string; stuck?: boolean } {
  const status = (obj.status ?? {}) as WorkloadStatus;
  const spec = (obj.spec ?? {}) as { replicas?: number };
  const name = `${obj.kind}/${obj.metadata.name}`;
  if (status.observedGeneration === undefined || status.observedGeneration < (obj.metadata.generation ?? 0)) {
    // A Deployment never observed was just created: none of it is available, said as the count
    // it is judged by, so the controller's first status (observed, none available yet) shows
    // the same and the reconcile it wakes writes no status (a first deploy's one write fewer).
    if (status.observedGeneration === undefined && obj.kind === 'Deployment') return { ready: false, message: `${name}: 0/${spec.replicas ?? 1} available` };
    return { ready: false, message: `${name}: rollout not observed yet` };
  }
  if (obj.kind === 'DaemonSet') {
    const desired = status.desiredNumberScheduled ?? 0;
    const ready = (status.numberAvailable ?? 0) >= desired && (status.updatedNumberScheduled ?? 0) >= desired;
    return { ready, message: `${name}: ${status.numberAvailable ?? 0}/${desired} available` };
  }
  const want = spec.replicas ?? 1;
  const stuck = status.conditions?.find((c) => c.type === 'Progressing' && c.status === 'False');
  // Past its progress deadline (Progressing=False, ProgressDeadlineExceeded): the controller gave up waiting.
  if (stuck) return { ready: false, message: `${name}: ${stuck.message ?? stuck.reason ?? 'rollout stuck'}`, stuck: true };
  const ready = (status.updatedReplicas ?? 0) >= want && (status.availableReplicas ?? 0) >= want && (status.replicas ?? 0) <= want;
  return { ready, message: `${name}: ${status.availableReplicas ?? 0}/${want} available` };
}

/**
 * Whether all the environment's workloads have rolled out, and if not, which not (`stuck`:
 * those past their progress deadline, also in `waiting`). Uses `live`
 * (the apply responses) when given, else reads the workloads, in parallel.
 */
export async function environmentReadiness(ctx: EngineContext, objects: KubeObject[], live?: ReadonlyMap<string, KubeObject>): Promise<{ ready: boolean; waiting: string[]; stuck: string[] }> {
  // Of the apps group only: a custom resource of another group may be named Deployment too.
  const workloads = objects.filter((o) => (o.kind === 'Deployment' || o.kind === 'DaemonSet') && o.apiVersion.startsWith('apps/'));
  const states = await Promise.all(workloads.map(async (obj) => {
    const current = live?.get(workloadKey(refOf(obj)))
      ?? await ctx.objects.get({ apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace!, name: obj.metadata.name });
    return current ? workloadReady(current) : { ready: false, message: `${obj.kind}/${obj.metadata.name}: not found` };
  }));
  const waiting = states.filter((s) => !s.ready).map((s) => s.message);
  return { ready: waiting.length === 0, waiting, stuck: states.filter((s) => 'stuck' in s && s.stuck).map((s) => s.message) };
}
