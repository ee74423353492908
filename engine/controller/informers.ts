import type { KubeRest } from '../kube/rest.js';
import { KubeApiError } from '../kube/errors.js';
import type { Log } from './context.js';

export interface WatchHandle {
  stop(): void;
  /** True once the initial list was delivered (the caller's cache is complete from then on). */
  synced(): boolean;
}

/** What every watched object has; the rest of it is the caller's business. */
export interface Watched {
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; labels?: Record<string, string>; generation?: number };
}

export interface WatchOptions {
  /** Pause before a watch is opened again after a failure. */
  retryMs?: number;
  /** The server ends each watch after this (then it is reopened from where it was): bounded, jittered. */
  timeoutSeconds?: number;
}

type WatchEvent<T> = { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'; object: T & { code?: number; message?: string } };

/**
 * Watches one collection through the engine's own client (KubeRest: same connection, same read
 * count) and calls `onChange` for every added, changed or deleted object: a list, then a watch
 * from the list's resourceVersion, reopened from the last one seen when the server ends it,
 * listed again when the server says it is too old (410). A broken watch is reopened after a
 * pause: an API server that restarts is waited for, not fatal.
 *
 * It keeps no copy of the objects (the caller keeps what it needs: client-node's informer kept
 * every object in full, managedFields included, for 1,000 Deployments at 1,000 apps): only their
 * name, namespace, uid and labels, so a delete that happened while no watch was open is still
 * reported (with that much of the object) when the next list no longer has it.
 */
export function watchCollection<T extends Watched = Watched>(rest: KubeRest, path: string, labelSelector: string | undefined,
  onChange: (obj: T, event: 'add' | 'update' | 'delete') => void, log: Log, options: WatchOptions = {}): WatchHandle {
  const { retryMs = 2_000, timeoutSeconds = 300 } = options;
  const known = new Map<string, T>();
  const abort = new AbortController();
  let synced = false;
  let resourceVersion: string | undefined;

  const keyOf = (o: Watched) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  const tombstone = (o: Watched) => {
    const { name, namespace, uid, labels } = o.metadata ?? {};
    return { metadata: { name, namespace, uid, labels } } as T;
  };
  const seen = (o: T) => {
    const key = keyOf(o);
    const event = known.has(key) ? 'update' : 'add';
    known.set(key, tombstone(o));
    onChange(o, event);
  };

  async function list(): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let listedAt: string | undefined;
    do {
      const page = await rest.call<{ items: T[]; metadata?: { continue?: string; resourceVersion?: string } }>({
        verb: 'list', method: 'GET', path, query: { labelSelector, limit: 500, continue: cont },
      });
      items.push(...page.items);
      cont = page.metadata?.continue || undefined;
      listedAt = page.metadata?.resourceVersion;
    } while (cont);
    const listed = new Set(items.map(keyOf));
    for (const [key, gone] of [...known]) {
      // Gone by the list's version: the tombstone carries it (a deletion seen at that version, as a watch's delete carries its own).
      if (!listed.has(key)) { known.delete(key); onChange({ ...gone, metadata: { ...gone.metadata, resourceVersion: listedAt } }, 'delete'); }
    }
    for (const item of items) seen(item);
    resourceVersion = listedAt;
    synced = true;
  }

  /** One watch, until the server ends it; true when the server said to list again. */
  async function watch(): Promise<boolean> {
    let relist = false;
    // The client gives up on a silent connection a minute after the server should have ended it.
    await rest.watch({ path, idleMs: (timeoutSeconds + 60) * 1000, signal: abort.signal,
      query: { watch: 1, labelSelector, resourceVersion, allowWatchBookmarks: true, timeoutSeconds: Math.round(timeoutSeconds * (1 + Math.random() / 10)) } }, (line) => {
      if (relist || abort.signal.aborted) return;
      const event = JSON.parse(line) as WatchEvent<T>;
      if (event.type === 'ERROR') {
        // 410 Gone: the resourceVersion is too old (compacted); anything else: start over too.
        if (event.object.code !== 410) log.warn('watch error from the API server; listing again', { path, error: event.object.message });
        relist = true;
        return;
      }
      resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
      if (event.type === 'BOOKMARK') return;
      if (event.type === 'DELETED') {
        known.delete(keyOf(event.object));
        onChange(event.object, 'delete');
      } else seen(event.object);
    });
    return relist;
  }

  async function run(): Promise<void> {
    let mustList = true;
    while (!abort.signal.aborted) {
      try {
        if (mustList) await list();
        mustList = await watch();
      } catch (err) {
        if (abort.signal.aborted) return;
        if (err instanceof KubeApiError && err.status === 410) mustList = true;
        log.warn(mustList ? 'watch failed to start; retrying' : 'watch interrupted; restarting', { path, error: String((err as Error)?.message ?? err) });
        await new Promise<void>((resolve) => {
          const wake = () => { clearTimeout(t); abort.signal.removeEventListener('abort', wake); resolve(); };
          const t = setTimeout(wake, retryMs);
          t.unref();
          abort.signal.addEventListener('abort', wake, { once: true });
        });
      }
    }
  }

  void run();
  return { stop() { abort.abort(); }, synced: () => synced };
}
