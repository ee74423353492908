import { createHash } from 'node:crypto';
import type { Credentials, RemoteRefs } from '../../git/index.js';

type List = (url: string, auth: Credentials | undefined) => Promise<RemoteRefs>;

/**
 * One listing of a repository's branches, shared by every app that deploys from it (a monorepo
 * with an app per folder polls it once per interval, not once per app). Callers at the same time
 * share the request in flight; a result serves for `ttlMs`. Keyed by URL and credentials, so an
 * app never sees a listing made with someone else's token. A failed listing is not kept.
 */
export class SharedListings {
  private readonly entries = new Map<string, { at: number; refs: Promise<RemoteRefs> }>();

  constructor(private readonly list: List, private readonly ttlMs: () => number, private readonly now: () => number = Date.now) {}

  get(url: string, auth: Credentials | undefined): Promise<RemoteRefs> {
    const key = listingKey(url, auth);
    const hit = this.entries.get(key);
    if (hit && this.now() - hit.at < this.ttlMs()) return hit.refs;
    const refs = this.list(url, auth);
    const entry = { at: this.now(), refs };
    this.entries.set(key, entry);
    refs.catch(() => { if (this.entries.get(key) === entry) this.entries.delete(key); });
    if (this.entries.size > 64) this.prune();
    return refs;
  }

  /** A webhook said the repository changed: the next caller lists it again. */
  invalidate(url: string): void {
    const prefix = `${url}\n`;
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  private prune(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (now - entry.at >= this.ttlMs()) this.entries.delete(key);
  }
}

function listingKey(url: string, auth: Credentials | undefined): string {
  const who = auth ? createHash('sha256').update(`${auth.username ?? ''}\n${auth.password ?? ''}`).digest('hex').slice(0, 16) : '';
  return `${url}\n${who}`;
}
