/**
 * "Objects applied", seen the same way for both engines: a watch on the Deployments of the app's
 * namespace, done when the one carrying ROUND has the value of the push. Neither engine's status
 * is read, so the clock stops at the same event for both.
 */
import { Watch, type KubeConfig } from '@kubernetes/client-node';

interface Deployment {
  spec?: { template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } } };
}

export function roundOf(d: Deployment): string | undefined {
  for (const c of d.spec?.template?.spec?.containers ?? []) {
    const v = c.env?.find((e) => e.name === 'ROUND');
    if (v) return v.value;
  }
  return undefined;
}

export interface AppliedWatch {
  /** Resolves with the time (performance.now()) the value was first seen. */
  seen: Promise<number>;
  stop(): void;
}

/** Starts watching before the push, so no event is missed; `ready` resolves once the watch is open. */
export async function watchApplied(kc: KubeConfig, namespace: string, value: string, timeoutMs: number): Promise<AppliedWatch> {
  let resolve!: (t: number) => void;
  let reject!: (e: Error) => void;
  const seen = new Promise<number>((res, rej) => { resolve = res; reject = rej; });
  let done = false;
  const timer = setTimeout(() => { if (!done) { done = true; reject(new Error(`ROUND=${value} not applied in ${namespace} within ${timeoutMs / 1000} s`)); } }, timeoutMs);
  const controller = await new Watch(kc).watch(`/apis/apps/v1/namespaces/${namespace}/deployments`, {},
    (_type, obj: Deployment) => {
      if (!done && roundOf(obj) === value) { done = true; clearTimeout(timer); resolve(performance.now()); }
    },
    (err: unknown) => {
      if (!done && err) { done = true; clearTimeout(timer); reject(err instanceof Error ? err : new Error(String(err))); }
    });
  const stop = () => { done = true; clearTimeout(timer); controller.abort(); };
  seen.catch(() => {}).finally(stop);
  return { seen, stop };
}
