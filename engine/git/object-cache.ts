import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * isomorphic-git's `cache` objects, one per cache directory. Without one, every object read
 * parses every pack index of the repository again and re-hashes the pack it reads from (tens of
 * milliseconds per read on a busy engine); with one, each pack is parsed and verified once.
 *
 * The cache holds the directory's packs in memory (the pack files whole, once an object is read
 * from them, and the objects read), so only the most recently used directories keep theirs: at
 * most `limit` directories, and at most `maxBytes` of pack files in all, among those no git call
 * is using. A cache in use (taken with `use`, until its release) is never evicted: its reader
 * goes on filling it whatever the map says, so forgetting it would free nothing and only stop
 * counting it, and the next reader of the directory would build a second copy beside it. It
 * counts towards the cap all along, and the eviction it held back happens at its release. So
 * the packs in memory are at most `maxBytes` plus those of the directories being read at that
 * moment (fetches are bounded by the limiter, reads by the work queue's concurrency), and one repository
 * larger than `maxBytes` is held alone, and only while it is used or the most recent.
 */
export class ObjectCaches {
  private readonly caches = new Map<string, CacheEntry>();
  /** Directories initialised for a URL by this process (init + config written once, not per fetch). */
  private readonly prepared = new Map<string, string>();
  private bytes = 0;

  constructor(private readonly limit = 64, private readonly maxBytes = DEFAULT_MAX_PACK_BYTES,
    private readonly packBytes: (dir: string) => number = packBytesOnDisk) {}

  /**
   * The directory's cache object, held until `release` is called (once; later calls do nothing):
   * not evicted meanwhile. Release it when the git call using it has settled, not when its
   * caller was answered (a fetch past its deadline still reads and writes through it).
   */
  use(dir: string): { cache: object; release: () => void } {
    let entry = this.caches.get(dir);
    if (entry) this.caches.delete(dir); // re-inserted below: Map order is recency
    else {
      entry = { cache: {}, bytes: this.packBytes(dir), users: 0, dropped: false };
      this.bytes += entry.bytes;
    }
    this.caches.set(dir, entry);
    entry.users++;
    this.evict();
    const used = entry;
    let released = false;
    return {
      cache: used.cache,
      release: () => {
        if (released) return;
        released = true;
        used.users--;
        if (used.users > 0) return;
        // Dropped while in use: it counted until its last reader let go.
        if (used.dropped) this.bytes -= used.bytes;
        else this.evict();
      },
    };
  }

  /** A fetch added a pack to the directory: its size counts from now. */
  resized(dir: string): void {
    const entry = this.caches.get(dir);
    if (!entry) return;
    const bytes = this.packBytes(dir);
    this.bytes += bytes - entry.bytes;
    entry.bytes = bytes;
    this.evict();
  }

  /**
   * Forget a directory (emptied or rebuilt: its packs are gone); the next `use` starts a new
   * cache. One still in use counts until its release.
   */
  drop(dir: string): void {
    const entry = this.caches.get(dir);
    if (entry) {
      if (entry.users > 0) entry.dropped = true;
      else this.bytes -= entry.bytes;
    }
    this.caches.delete(dir);
    this.prepared.delete(dir);
  }

  /** Directories cached and the bytes of their packs, those dropped while in use included (tests, observability). */
  get size(): { directories: number; bytes: number } {
    return { directories: this.caches.size, bytes: this.bytes };
  }

  isPrepared(dir: string, url: string): boolean {
    return this.prepared.get(dir) === url;
  }

  markPrepared(dir: string, url: string): void {
    this.prepared.set(dir, url);
  }

  /** The least recently used that no call is using go until both bounds hold; the most recent one stays. */
  private evict(): void {
    let newest: string | undefined;
    for (const dir of this.caches.keys()) newest = dir;
    for (const [dir, entry] of this.caches) {
      if (this.caches.size <= this.limit && this.bytes <= this.maxBytes) return;
      if (entry.users > 0 || dir === newest) continue;
      this.bytes -= entry.bytes;
      this.caches.delete(dir);
    }
  }
}

interface CacheEntry {
  cache: object;
  bytes: number;
  /** Git calls using the cache now: it is not evicted while any is. */
  users: number;
  /** Forgotten by drop() while in use: its bytes leave the count at its last release. */
  dropped: boolean;
}

/** Pack bytes all cached directories may hold together by default. */
export const DEFAULT_MAX_PACK_BYTES = 64 * 2 ** 20;

/**
 * The bytes of a cache directory's pack files (what its cache object holds once they are read);
 * 0 when it has none yet. Synchronous: called when a directory enters the cache or a fetch
 * added a pack, one readdir and a stat per pack.
 */
export function packBytesOnDisk(dir: string): number {
  const packs = join(dir, 'objects', 'pack');
  try {
    return readdirSync(packs).filter((n) => n.endsWith('.pack')).reduce((sum, n) => sum + statSync(join(packs, n)).size, 0);
  } catch {
    return 0;
  }
}
