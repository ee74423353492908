/**
 * isomorphic-git's `cache` objects, one per cache directory. Without one, every object read
 * parses every pack index of the repository again and re-hashes the pack it reads from (tens of
 * milliseconds per read on a busy engine); with one, each pack is parsed and verified once.
 * The cache holds packs in memory, so only the most recently used directories keep theirs.
 */
export class ObjectCaches {
  private readonly caches = new Map<string, object>();
  /** Directories initialised for a URL by this process (init + config written once, not per fetch). */
  private readonly prepared = new Map<string, string>();

  constructor(private readonly limit = 64) {}

  for(dir: string): object {
    let cache = this.caches.get(dir);
    if (cache) this.caches.delete(dir); // re-inserted below: Map order is recency
    else cache = {};
    this.caches.set(dir, cache);
    if (this.caches.size > this.limit) this.caches.delete(this.caches.keys().next().value!);
    return cache;
  }

  /** Forget a directory (emptied or rebuilt: its packs are gone). */
  drop(dir: string): void {
    this.caches.delete(dir);
    this.prepared.delete(dir);
  }

  isPrepared(dir: string, url: string): boolean {
    return this.prepared.get(dir) === url;
  }

  markPrepared(dir: string, url: string): void {
    this.prepared.set(dir, url);
  }
}
