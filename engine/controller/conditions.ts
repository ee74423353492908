import type { Condition } from '../crds/types.js';

export const ConditionType = {
  Ready: 'Ready', Reconciling: 'Reconciling', Stalled: 'Stalled', SourceReady: 'SourceReady', ConfigValid: 'ConfigValid',
  /** On every App: the config repository as a whole was read and all its files were usable. */
  ConfigSynced: 'ConfigSynced',
  SecretsReady: 'SecretsReady', FieldsTakenOver: 'FieldsTakenOver',
  /** On Environments: whether the Gateway's controller serves the routes (see environment/route-serving.ts). */
  RoutesServed: 'RoutesServed',
  /** On Environments, only while False: an object to prune could not be, its kind served at no version (environment/prune.ts). */
  Pruned: 'Pruned',
} as const;

/**
 * Returns the conditions with `next` set. The transition time changes only when the status
 * changes, so re-stating a condition leaves status unchanged and the reconcile writes nothing.
 */
export function setCondition(conditions: readonly Condition[] | undefined, next: Omit<Condition, 'lastTransitionTime'>, now: Date): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const previous = i >= 0 ? list[i] : undefined;
  const lastTransitionTime = previous && previous.status === next.status ? previous.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const condition: Condition = { ...next, lastTransitionTime };
  if (i >= 0) list[i] = condition; else list.push(condition);
  return list;
}

export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

export function getCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Messages are shown in kubectl and commit statuses: keep them one line and bounded. */
export function conditionMessage(text: string, max = 1024): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
