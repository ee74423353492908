import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * isomorphic-git's `cache` objects, one per cache directory. Without one, every object read
 * parses every pack index of the repository again and re-hashes the pack it reads from (tens of
 * milliseconds per read on a busy engine); with one, each pack is parsed and verified once.
 *
 * The cache holds the directory's packs in memory (the pack files whole, once an object is read
 * from them, and the objects read), so only the most recently used directories keep theirs: at
 * most `limit` directories, and at most `maxBytes` of pack files in all. The directory in use is
 * never dropped for its size (a read needs its packs), so one repository larger than `maxBytes`
 * is held alone, and only while it is the most recent.
 */
export class ObjectCaches {
  private readonly caches = new Map<string, { cache: object; bytes: number }>();
  /** Directories initialised for a URL by this process (init + config written once, not per fetch). */
  private readonly prepared = new Map<string, string>();
  private bytes = 0;

  constructor(private readonly limit = 64, private readonly maxBytes = DEFAULT_MAX_PACK_BYTES,
    private readonly packBytes: (dir: string) => number = packBytesOnDisk) {}

  for(dir: string): object {
    let entry = this.caches.get(dir);
    if (entry) this.caches.delete(dir); // re-inserted below: Map order is recency
    else {
      entry = { cache: {}, bytes: this.packBytes(dir) };
      this.bytes += entry.bytes;
    }
    this.caches.set(dir, entry);
    this.evict();
    return entry.cache;
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

  /** Forget a directory (emptied or rebuilt: its packs are gone). */
  drop(dir: string): void {
    const entry = this.caches.get(dir);
    if (entry) this.bytes -= entry.bytes;
    this.caches.delete(dir);
    this.prepared.delete(dir);
  }

  /** Directories cached and the bytes of their packs (tests, observability). */
  get size(): { directories: number; bytes: number } {
    return { directories: this.caches.size, bytes: this.bytes };
  }

  isPrepared(dir: string, url: string): boolean {
    return this.prepared.get(dir) === url;
  }

  markPrepared(dir: string, url: string): void {
    this.prepared.set(dir, url);
  }

  /** The least recently used go until both bounds hold; the most recent one stays. */
  private evict(): void {
    while (this.caches.size > 1 && (this.caches.size > this.limit || this.bytes > this.maxBytes)) {
      const [oldest, entry] = this.caches.entries().next().value!;
      this.bytes -= entry.bytes;
      this.caches.delete(oldest);
    }
  }
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
