import type { KubeObject } from '../kube/objects.js';
import { workloadReady } from './environment/readiness.js';

/**
 * Pure: whether a Deployment watch event asks for its environment's reconcile. Every event does
 * (a status change may be the rollout finishing; a new generation or a deletion is someone's
 * change, put back), except one that can change nothing: the Deployment is rolled out at the
 * very generation Ria's last apply produced, and the environment's last reconcile ended Ready
 * with nothing due. Such a reconcile stops at its no-op check (two reads); after a cold start's
 * first deploy each Deployment still sends a few of these status updates (pods becoming
 * available, conditions) once its environment is Ready. `appliedGeneration` undefined (not
 * applied by this process: a restart) always asks.
 */
export function deploymentEventNeedsReconcile(deployment: KubeObject, event: 'add' | 'update' | 'delete', appliedGeneration: number | undefined, environmentReady: boolean): boolean {
  if (event === 'delete' || !environmentReady || appliedGeneration === undefined) return true;
  if ((deployment.metadata?.generation ?? 0) !== appliedGeneration) return true;
  return !workloadReady(deployment).ready;
}
