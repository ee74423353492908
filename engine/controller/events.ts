import { randomBytes } from 'node:crypto';
import { isNotFound } from '../kube/errors.js';
import type { KubeObject, KubeObjects } from '../kube/objects.js';
import { conditionMessage } from './conditions.js';
import type { Log } from './context.js';
import type { Reason } from './reasons.js';

export type EventType = 'Normal' | 'Warning';

/** The object an Event is about (an Environment or an App); shown by `kubectl describe` of it. */
export interface EventTarget {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export interface EventRecorder {
  /** Best effort: a failure to record is logged, never thrown (an Event is not worth a failed reconcile). */
  record(target: EventTarget, type: EventType, reason: Reason, message: string): Promise<void>;
}

export const noEvents: EventRecorder = { async record() {} };

/** What the recorder needs of the API: create and merge-patch core/v1 Events (what RBAC grants). */
export type EventClient = Pick<KubeObjects, 'create' | 'mergePatch'>;

/**
 * core/v1 Events, aggregated like client-go's recorder: the same (object, type, reason, message)
 * again bumps `count` and `lastTimestamp` of the Event already written (a merge patch) instead of
 * adding a new one, so a failure retried with backoff is one line "x12 over 20m" in `kubectl
 * describe`. The correlation is kept in memory (bounded, least recently used forgotten): after a
 * restart, or once the API server expired the Event (1 h by default), a new one is created.
 * Messages are one line, bounded, and built by the engine from names and error texts: callers
 * never put Secret values in them.
 */
export class KubeEventRecorder implements EventRecorder {
  private readonly seen = new Map<string, { name: string; namespace: string; count: number }>();

  constructor(private readonly client: EventClient, private readonly options: { now: () => Date; log: Log; component?: string; limit?: number }) {}

  async record(target: EventTarget, type: EventType, reason: Reason, text: string): Promise<void> {
    const message = conditionMessage(text, 1024);
    const namespace = target.metadata.namespace ?? 'default';
    const key = [target.kind, namespace, target.metadata.name, target.metadata.uid ?? '', type, reason, message].join('\u0000');
    const timestamp = this.options.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
    try {
      const previous = this.seen.get(key);
      if (previous) {
        this.seen.delete(key);
        try {
          await this.client.mergePatch({ apiVersion: 'v1', kind: 'Event', namespace: previous.namespace, name: previous.name },
            { count: previous.count + 1, lastTimestamp: timestamp });
          this.remember(key, { ...previous, count: previous.count + 1 });
          return;
        } catch (err) {
          if (!isNotFound(err)) throw err; // expired: write a new one
        }
      }
      const name = `${target.metadata.name}.${Date.now().toString(16)}${randomBytes(2).toString('hex')}`;
      const event: KubeObject = {
        apiVersion: 'v1', kind: 'Event', metadata: { name, namespace },
        involvedObject: { apiVersion: target.apiVersion, kind: target.kind, name: target.metadata.name, namespace,
          ...(target.metadata.uid ? { uid: target.metadata.uid } : {}), ...(target.metadata.resourceVersion ? { resourceVersion: target.metadata.resourceVersion } : {}) },
        type, reason, message, count: 1, firstTimestamp: timestamp, lastTimestamp: timestamp,
        source: { component: this.options.component ?? 'ria' }, reportingComponent: this.options.component ?? 'ria',
      };
      await this.client.create(event);
      this.remember(key, { name, namespace, count: 1 });
    } catch (err) {
      this.options.log.warn('recording an Event failed', { object: `${target.kind}/${target.metadata.name}`, reason, error: (err as Error).message });
    }
  }

  private remember(key: string, value: { name: string; namespace: string; count: number }): void {
    this.seen.set(key, value);
    if (this.seen.size > (this.options.limit ?? 4096)) this.seen.delete(this.seen.keys().next().value!);
  }
}
