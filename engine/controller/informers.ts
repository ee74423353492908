import { makeInformer, type KubeConfig, type KubernetesObject, type KubernetesListObject } from '@kubernetes/client-node';
import type { KubeRest } from '../kube/rest.js';
import type { Log } from './context.js';

export interface WatchHandle {
  stop(): void;
  /** True once the initial list was delivered (the caller's cache is complete from then on). */
  synced(): boolean;
}

/**
 * Watches one collection and calls `onChange` for every added, changed or deleted object. The
 * initial list goes through KubeRest (counted); the watch is client-node's. A broken watch is
 * restarted after a pause: an API server that restarts is waited for, not fatal.
 */
export function watchCollection<T = KubernetesObject>(kc: KubeConfig, rest: KubeRest, path: string, labelSelector: string | undefined,
  onChange: (obj: T, event: 'add' | 'update' | 'delete') => void, log: Log): WatchHandle {
  const list = () => rest.call<KubernetesListObject<KubernetesObject>>({ verb: 'list', method: 'GET', path, query: { labelSelector } });
  const informer = makeInformer<KubernetesObject>(kc, path, list, labelSelector);
  let stopped = false;
  let synced = false;
  let errors = 0;
  informer.on('add', (o) => onChange(o as T, 'add'));
  informer.on('update', (o) => onChange(o as T, 'update'));
  informer.on('delete', (o) => onChange(o as T, 'delete'));
  const start = (): void => {
    if (stopped) return;
    const before = errors;
    // start() also resolves when its list failed (it reports that as an 'error' event).
    informer.start().then(() => { if (errors === before) synced = true; }, (err: unknown) => {
      log.warn('watch failed to start; retrying', { path, error: String((err as Error)?.message ?? err) });
      setTimeout(start, 2_000).unref();
    });
  };
  informer.on('error', (err) => {
    errors++;
    if (stopped) return;
    log.warn('watch interrupted; restarting', { path, error: String((err as Error)?.message ?? err) });
    setTimeout(start, 2_000).unref();
  });
  start();
  return { stop() { stopped = true; void informer.stop(); }, synced: () => synced };
}
