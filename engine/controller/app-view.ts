import type { App } from '../crds/types.js';

export type ViewedApp = App & { metadata: { name: string } };

/**
 * Pure: how two resourceVersions of the same resource compare (-1, 0, 1), or undefined when they
 * cannot be compared. Since Kubernetes 1.35 (KEP-5504, stable) they are decimal integers without
 * leading zeros that clients may compare (client-go's CompareResourceVersion): the longer is
 * newer, then the larger. Anything else (an API server that does not keep that rule) is not
 * compared, and the caller trusts no copy.
 */
export function compareResourceVersions(a: string | undefined, b: string | undefined): -1 | 0 | 1 | undefined {
  if (!isVersion(a) || !isVersion(b)) return undefined;
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

const RV = /^[1-9][0-9]*$/;

function isVersion(rv: string | undefined): rv is string {
  return rv !== undefined && RV.test(rv);
}

/** What a copy did to the view: taken (with what it replaced), or older than what the view holds. */
export type Seen = { taken: true; previous: ViewedApp | undefined } | { taken: false };

/**
 * The engine's view of the App objects of its namespace, fed by every source it has: the App
 * watch, its own writes (the config sync's apply answers, its deletes), and the periodic list.
 * Each copy is taken only if it is newer than what the view holds of that name, by
 * resourceVersion, whatever its uid (an App deleted and recreated under the same name is a
 * newer object): so a watch event or a list served before one of this process's own writes
 * never replaces the copy that write answered with. That is the security property: an App's
 * spec carries what the cluster's operators allow the app (`allow`, `secretsFrom`), and a
 * reconcile queued after the config sync wrote a revocation must not take the older copy.
 *
 * A deletion is remembered (the version it was seen at) until a list newer than it, so a
 * late copy of the deleted App does not bring it back. The last full list's version is a floor:
 * a copy of a name the list did not hold, older than the list, is of an App deleted since.
 */
export class AppView {
  private readonly apps = new Map<string, ViewedApp>();
  /** Name → the resourceVersion its deletion was seen at. */
  private readonly gone = new Map<string, string>();
  /** The resourceVersion of the last full list taken. */
  private floor: string | undefined;
  private comparable = true;

  /**
   * Whether the view's versions could all be compared: every copy is then at least as new as
   * anything this process wrote or saw. False for good after one could not be (the view still
   * serves as today's list did; the reconcile reads its App).
   */
  get trusted(): boolean {
    return this.comparable;
  }

  get(name: string): ViewedApp | undefined {
    return this.apps.get(name);
  }

  values(): IterableIterator<ViewedApp> {
    return this.apps.values();
  }

  get size(): number {
    return this.apps.size;
  }

  /** A copy of an App (a watch event, a write's answer, a list item): taken when newer. */
  seen(app: ViewedApp): Seen {
    const name = app.metadata.name;
    const held = this.apps.get(name);
    const against = held ? held.metadata.resourceVersion : this.newest(this.gone.get(name), this.floor);
    if (against !== undefined || !isVersion(app.metadata.resourceVersion)) {
      const order = compareResourceVersions(app.metadata.resourceVersion, against ?? app.metadata.resourceVersion);
      // Cannot compare: latest wins, as the list once a poll round did (the view is no longer trusted).
      if (order === undefined) this.comparable = false;
      // Not newer than what is held, or than the deletion or the list that said it was gone.
      else if (order <= 0 && against !== undefined) return { taken: false };
    }
    this.apps.set(name, app);
    this.gone.delete(name);
    return { taken: true, previous: held };
  }

  /**
   * An App seen deleted at `resourceVersion` (a watch's delete event, this process's own delete,
   * a list without it). The held copy goes unless it is newer (recreated since). Returns what was
   * removed.
   */
  removed(name: string, resourceVersion: string | undefined): ViewedApp | undefined {
    const held = this.apps.get(name);
    const order = compareResourceVersions(resourceVersion, held?.metadata.resourceVersion ?? resourceVersion);
    if (order === undefined) this.comparable = false;
    else if (order < 0) return undefined;
    this.apps.delete(name);
    if (order !== undefined) this.gone.set(name, this.newest(this.gone.get(name), resourceVersion)!);
    return held;
  }

  /**
   * A full list of the namespace's Apps at `resourceVersion`: each item is seen, and every App
   * held at a version the list is not older than, and not in it, was deleted since. Returns
   * what was taken and what was removed.
   */
  listed(items: readonly ViewedApp[], resourceVersion: string | undefined): { taken: Array<{ app: ViewedApp; previous: ViewedApp | undefined }>; removed: ViewedApp[] } {
    const taken: Array<{ app: ViewedApp; previous: ViewedApp | undefined }> = [];
    for (const app of items) {
      const s = this.seen(app);
      if (s.taken) taken.push({ app, previous: s.previous });
    }
    const names = new Set(items.map((a) => a.metadata.name));
    const removed: ViewedApp[] = [];
    for (const [name, held] of [...this.apps]) {
      if (names.has(name)) continue;
      const order = compareResourceVersions(held.metadata.resourceVersion, resourceVersion);
      // Newer than the list: written (created) after the list was served.
      if (order !== undefined && order > 0) continue;
      if (order === undefined) { this.comparable = false; this.apps.delete(name); removed.push(held); continue; }
      if (this.removed(name, resourceVersion)) removed.push(held);
    }
    if (isVersion(resourceVersion)) {
      this.floor = this.newest(this.floor, resourceVersion);
      // Deletions the list is not older than: the floor says as much from now on.
      for (const [name, at] of [...this.gone]) if ((compareResourceVersions(at, this.floor) ?? 1) <= 0) this.gone.delete(name);
    } else this.comparable = false;
    return { taken, removed };
  }

  private newest(a: string | undefined, b: string | undefined): string | undefined {
    if (a === undefined) return b;
    if (b === undefined) return a;
    return (compareResourceVersions(a, b) ?? 0) >= 0 ? a : b;
  }
}
