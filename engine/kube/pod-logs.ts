import type { KubeRest } from './rest.js';

export interface PodLogOptions {
  /** The last N lines only. */
  tailLines?: number;
  /** At most this many bytes (the server stops there). */
  limitBytes?: number;
}

/** What a container printed (GET pods/log), as text. */
export type PodLogReader = (namespace: string, pod: string, container: string, options?: PodLogOptions) => Promise<string>;

export function podLogReader(rest: KubeRest): PodLogReader {
  return (namespace, pod, container, options = {}) => rest.call<string>({
    verb: 'get', method: 'GET', text: true,
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`,
    query: { container, tailLines: options.tailLines, limitBytes: options.limitBytes },
    ref: { apiVersion: 'v1', kind: 'Pod', namespace, name: pod },
  });
}

/** Follows a container's log (follow=true) into `onData` until it stops or `signal` aborts. */
export function followPodLog(rest: KubeRest, namespace: string, pod: string, container: string, onData: (chunk: Buffer) => void,
  signal: AbortSignal, options: PodLogOptions = {}): Promise<void> {
  return rest.stream({
    verb: 'get',
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`,
    query: { container, follow: true, tailLines: options.tailLines },
    ref: { apiVersion: 'v1', kind: 'Pod', namespace, name: pod },
  }, onData, signal);
}
