import type { KubeObjects } from '../kube/objects.js';

/**
 * The label on the leader's Pod. The engine Service selects it, so webhooks reach the replica
 * that acts on them: a standby would acknowledge a push and do nothing with it (its reconcile
 * loop is stopped), and the change would wait for the leader's next poll.
 */
export const LEADER_LABEL = 'ria.dev/leader';

/** Sets (`true`) or removes the leader label on a Pod. A merge patch: other labels stay. */
export async function labelLeaderPod(objects: Pick<KubeObjects, 'mergePatch'>, namespace: string, pod: string, leading: boolean): Promise<void> {
  await objects.mergePatch({ apiVersion: 'v1', kind: 'Pod', namespace, name: pod }, { metadata: { labels: { [LEADER_LABEL]: leading ? 'true' : null } } });
}
