/**
 * How the bench looks at the objects whose Ready it waits for (Environments, Kustomizations): one
 * watch (a list, then each change once), not a list of all N every few seconds. The look costs
 * the API server it measures: at N = 100 the list every 0.5 s was 64 LISTs and 9.5 MB answered
 * in a 37 s cold start, more bytes than all the engine's own reads. A watch costs one event per
 * change, served from the watch cache the engine's own watch already fills. Same for both engines.
 */
import { watchCollection, type Watched, type WatchHandle } from '../../engine/controller/informers.js';
import { silentLog } from '../../engine/controller/context.js';
import type { KubeRest } from '../../engine/kube/rest.js';

export interface Look<T> {
  /** The objects as last seen, by name (deleted ones leave). */
  readonly objects: ReadonlyMap<string, T>;
  /** True once the initial list was seen. */
  synced(): boolean;
  stop(): void;
}

/** Watches the collection at `path` (e.g. `/apis/ria.dev/v1alpha1/namespaces/NS/environments`) and calls `seen` with every object as it comes. */
export function look<T extends Watched>(rest: KubeRest, path: string, seen: (obj: T) => void = () => {}): Look<T> {
  const objects = new Map<string, T>();
  const watch: WatchHandle = watchCollection<T>(rest, path, undefined, (obj, event) => {
    const name = obj.metadata?.name ?? '';
    if (event === 'delete') { objects.delete(name); return; }
    objects.set(name, obj);
    seen(obj);
  }, silentLog);
  return { objects, synced: () => watch.synced(), stop: () => watch.stop() };
}
