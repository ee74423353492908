import { createHash } from 'node:crypto';
import { PREVIEW_FIELD_MANAGER as FIELD_MANAGER, type KubeObjects } from '../kube/objects.js';

export const PREVIEW_LABEL = 'ria.dev/preview';
export const QUOTA_NAME = 'ria-preview';

/**
 * A preview's namespace and its ResourceQuota (`previews.quota`), created before the preview's
 * Environment so no pod of the preview ever runs without the limit. Applied once per content
 * (remembered), again after the namespace was removed.
 */
export class PreviewQuotas {
  private readonly applied = new Map<string, string>();

  constructor(private readonly objects: Pick<KubeObjects, 'apply' | 'get' | 'delete'>) {}

  async ensure(namespace: string, app: string, hard: Record<string, string>): Promise<void> {
    const hash = createHash('sha256').update(JSON.stringify(Object.entries(hard).sort())).digest('hex').slice(0, 12);
    if (this.applied.get(namespace) === hash) return;
    const labels = { 'app.kubernetes.io/managed-by': 'ria', 'ria.dev/app': app, [PREVIEW_LABEL]: 'true' };
    await this.objects.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels } }, { fieldManager: FIELD_MANAGER, force: true });
    await this.objects.apply({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: QUOTA_NAME, namespace, labels }, spec: { hard } },
      { fieldManager: FIELD_MANAGER, force: true });
    this.applied.set(namespace, hash);
  }

  /**
   * After the Environment is gone. Its finalizer deletes the namespace, except when it was removed
   * before its first reconcile (no finalizer yet): then the namespace made here would be left over.
   */
  async removed(namespace: string): Promise<void> {
    this.applied.delete(namespace);
    const ns = await this.objects.get<{ metadata: { labels?: Record<string, string>; deletionTimestamp?: string } }>({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
    if (ns && ns.metadata.labels?.[PREVIEW_LABEL] === 'true' && !ns.metadata.deletionTimestamp) {
      await this.objects.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
    }
  }
}
