import type { Container, DataMount, Service, Volume, VolumeTemplate } from '../riofile/model.js';
import type { RenderContext } from './context.js';
import { metadata, scope } from './context.js';
import type { KubeObject } from './types.js';
import { dnsLabel, joinLabel } from './names.js';
import { shortHash } from './hash.js';
import { workloadName } from './apps.js';
import { quantityBytes } from './quantity.js';

/**
 * Pod volumes collected from every container of a service. Containers that name the same volume
 * share it (an init container filling `html` for the main container is the common case), so
 * volumes are keyed by their pod-level name and the first definition wins.
 */
export class PodVolumes {
  private readonly volumes = new Map<string, Record<string, unknown>>();

  constructor(private readonly ctx: RenderContext, private readonly key: string, private readonly service: Service) {}

  /** The volumeMounts of one container, registering the volumes they need. */
  mountsFor(container: Container): Record<string, unknown>[] {
    const mounts: Record<string, unknown>[] = [];
    for (const m of container.secrets) mounts.push(this.dataMount(m, 'secret'));
    for (const m of container.configs) mounts.push(this.dataMount(m, 'config'));
    for (const v of container.volumes) mounts.push(this.volumeMount(v));
    return mounts;
  }

  /** Pod `volumes`, sorted by name (order carries no meaning). */
  list(): Record<string, unknown>[] {
    return [...this.volumes.keys()].sort().map((k) => this.volumes.get(k)!);
  }

  private add(name: string, source: Record<string, unknown>): void {
    if (!this.volumes.has(name)) this.volumes.set(name, { name, ...source });
  }

  /**
   * `name/key:target` mounts one key as a file (subPath); `name:target` mounts every key as files
   * in the directory. With a key and Rio's default directory, the file lands inside it.
   */
  private dataMount(m: DataMount, kind: 'secret' | 'config'): Record<string, unknown> {
    const volume = joinLabel([kind, dnsLabel(m.name, 50)]);
    this.add(volume, kind === 'secret' ? { secret: { secretName: m.name } } : { configMap: { name: configMapName(m.name) } });
    if (m.key === undefined) return { name: volume, mountPath: m.target, readOnly: true };
    const defaultDir = `/run/${kind}s/${m.name}`;
    const mountPath = m.target === defaultDir ? `${defaultDir}/${m.key}` : m.target;
    return { name: volume, mountPath, subPath: m.key, readOnly: true };
  }

  private volumeMount(v: Volume): Record<string, unknown> {
    if (v.hostPath !== undefined) {
      const name = joinLabel(['host', shortHash(v.hostPath)]);
      this.add(name, { hostPath: { path: v.hostPath, ...(v.hostPathType ? { type: v.hostPathType } : {}) } });
      return { name, mountPath: v.path };
    }
    if (v.name === undefined) {
      // An anonymous volume (`/path`): scratch space private to this path.
      const name = joinLabel(['anon', shortHash(v.path)]);
      this.add(name, { emptyDir: {} });
      return { name, mountPath: v.path };
    }
    const name = dnsLabel(v.name);
    const template = this.service.volumeTemplates.find((t) => t.name === v.name);
    if (template) this.add(name, { persistentVolumeClaim: { claimName: claimName(this.key, template) } });
    // A persistent volume without a template is a claim the user created (Rio's behaviour).
    else if (v.persistent) this.add(name, { persistentVolumeClaim: { claimName: name } });
    else this.add(name, { emptyDir: {} });
    return { name, mountPath: v.path };
  }
}

/** The ConfigMap name for a Riofile config (or a ConfigMap the user created under that name). */
export function configMapName(name: string): string {
  return dnsLabel(name);
}

function claimName(serviceKey: string, template: VolumeTemplate): string {
  return joinLabel([workloadName(serviceKey), dnsLabel(template.name)]);
}

/** One PersistentVolumeClaim per `volumeTemplates` entry of a service. */
export function renderClaims(ctx: RenderContext, key: string, service: Service): KubeObject[] {
  return service.volumeTemplates.map((t) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: metadata(ctx, claimName(key, t), scope(ctx, key, service), { labels: t.labels, annotations: t.annotations }),
    spec: {
      accessModes: t.accessModes.length > 0 ? t.accessModes : ['ReadWriteOnce'],
      resources: { requests: { storage: quantityBytes(t.storageBytes) } },
      ...(t.storageClassName !== undefined ? { storageClassName: t.storageClassName } : {}),
      ...(t.volumeMode !== undefined ? { volumeMode: t.volumeMode } : {}),
    },
  }));
}
