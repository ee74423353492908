/**
 * One lane of the work queue (keyed-queue.ts): its waiting keys grouped by app. Apps take turns
 * (round robin): the next key is the oldest key of the app whose turn it is, and that app then
 * goes to the back of the turn. So one app with many waiting keys (a flood of pull requests, each
 * queueing its preview environments) has one start per turn, like any other app with work in
 * the lane, instead of all its keys going before a key queued after them. When every key is its
 * own group this is plain arrival order (FIFO).
 */
export class FairLane {
  /** Waiting keys per group; the Map's order is the turn order, a Set's is arrival order. */
  private readonly groups = new Map<string, Set<string>>();
  private readonly groupOfKey = new Map<string, string>();

  get size(): number {
    return this.groupOfKey.size;
  }

  has(key: string): boolean {
    return this.groupOfKey.has(key);
  }

  /** Queues `key` in `group`; a group already waiting keeps its turn, a new one goes to the back. */
  add(key: string, group: string): void {
    if (this.groupOfKey.has(key)) return;
    this.groupOfKey.set(key, group);
    const keys = this.groups.get(group);
    if (keys) keys.add(key);
    else this.groups.set(group, new Set([key]));
  }

  /** Removes `key` (it moved to another lane); its group keeps its turn. */
  delete(key: string): void {
    const group = this.groupOfKey.get(key);
    if (group === undefined) return;
    this.groupOfKey.delete(key);
    const keys = this.groups.get(group)!;
    keys.delete(key);
    if (keys.size === 0) this.groups.delete(group);
  }

  /** The oldest key of the first group in turn that `eligible` accepts, without taking it. */
  peek(eligible: (group: string) => boolean): { key: string; group: string } | undefined {
    for (const [group, keys] of this.groups) {
      if (!eligible(group)) continue;
      for (const key of keys) return { key, group };
    }
    return undefined;
  }

  /** Takes `key` out; its group, if it has more keys, goes to the back of the turn. */
  take(key: string): void {
    const group = this.groupOfKey.get(key);
    if (group === undefined) return;
    this.delete(key);
    const keys = this.groups.get(group);
    if (keys) { this.groups.delete(group); this.groups.set(group, keys); }
  }

  clear(): void {
    this.groups.clear();
    this.groupOfKey.clear();
  }
}
