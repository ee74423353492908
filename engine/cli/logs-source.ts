/**
 * Where `ria logs` reads from: Environments, pods and their logs, through the Kubernetes API
 * (pods/log) with the user's kubeconfig, as kubectl logs does. An interface, so the command's
 * choices (which environment, which pods, which containers, in which order) are tested without a
 * cluster.
 */
import type { KubeAccess } from '../kube/kube-access.js';
import { KubeRest } from '../kube/rest.js';
import { KubeObjects } from '../kube/objects.js';
import { followPodLog, podLogReader } from '../kube/pod-logs.js';
import { API_VERSION, type Environment } from '../crds/types.js';

export interface PodContainers {
  name: string;
  /** Init containers first, in order, then the containers; `started`: it ran or runs (has a log). */
  containers: Array<{ name: string; init: boolean; started: boolean; waiting?: string }>;
  /** The pod is done (Succeeded / Failed): a follow of it ends. */
  done: boolean;
}

export interface LogsSource {
  environments(namespace?: string): Promise<Environment[]>;
  pods(namespace: string, labelSelector?: string): Promise<PodContainers[]>;
  read(namespace: string, pod: string, container: string, options: { tailLines?: number }): Promise<string>;
  /** Streams the log into `out` until the container stops or `signal` aborts. */
  follow(namespace: string, pod: string, container: string, out: { write(chunk: Buffer | string): unknown }, options: { tailLines?: number }, signal: AbortSignal): Promise<void>;
}

interface PodObject {
  metadata: { name: string };
  spec?: { initContainers?: Array<{ name: string }>; containers?: Array<{ name: string }> };
  status?: {
    phase?: string;
    initContainerStatuses?: Array<{ name: string; state?: { waiting?: { reason?: string } } }>;
    containerStatuses?: Array<{ name: string; state?: { waiting?: { reason?: string } } }>;
  };
}

/** Pure: a pod's containers in the order they run, and whether each has a log yet. */
export function podContainers(pod: PodObject): PodContainers {
  const statuses = new Map([...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].map((s) => [s.name, s]));
  const entry = (name: string, init: boolean) => {
    const s = statuses.get(name);
    const waiting = s ? s.state?.waiting?.reason : 'not created yet';
    return { name, init, started: Boolean(s) && !s?.state?.waiting, ...(waiting ? { waiting } : {}) };
  };
  return {
    name: pod.metadata.name,
    containers: [...(pod.spec?.initContainers ?? []).map((c) => entry(c.name, true)), ...(pod.spec?.containers ?? []).map((c) => entry(c.name, false))],
    done: pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed',
  };
}

export function kubeLogsSource(kc: KubeAccess): LogsSource {
  const rest = new KubeRest(kc);
  const objects = new KubeObjects(rest);
  const read = podLogReader(rest);
  return {
    environments: (namespace) => objects.list<Environment>(API_VERSION, 'Environment', namespace ? { namespace } : {}),
    async pods(namespace, labelSelector) {
      const pods = await objects.list<PodObject>('v1', 'Pod', { namespace, ...(labelSelector ? { labelSelector } : {}) });
      return pods.map(podContainers).sort((a, b) => a.name.localeCompare(b.name));
    },
    read: (namespace, pod, container, options) => read(namespace, pod, container, options),
    follow: (namespace, pod, container, out, options, signal) =>
      followPodLog(rest, namespace, pod, container, (chunk) => out.write(chunk), signal, options),
  };
}
