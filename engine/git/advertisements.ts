/**
 * Ref advertisements a listing received (the v0/v1 answer to `GET info/refs?service=git-upload-pack`,
 * every ref with its SHA and the server's capabilities), kept a short while so the fetch of a
 * commit that listing found needs no discovery request of its own: the fetch's first request
 * would ask the same question and, for that commit, get the same answer. A cold start lists each
 * app's repository and then fetches the commit it found, so a first sync costs two requests
 * (the listing, the fetch's upload-pack) instead of four.
 *
 * An advertisement answers only a fetch of a ref it lists at the very SHA the caller wants
 * (`take`): a fetch that must see where the ref is now (a webhook's push, no SHA) always asks the
 * server. Keyed by URL and credentials, like the shared listings: a fetch never uses what
 * another identity was told. A fetch that failed with one drops it (`drop`), so a retry asks.
 */
import { createHash } from 'node:crypto';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import type { Credentials } from './redact.js';

interface Entry { at: number; body: Uint8Array; refs: ReadonlyMap<string, string>; headers: Record<string, string> }

export class Advertisements {
  private readonly entries = new Map<string, Entry>();

  /**
   * `maxBodyBytes`: a larger advertisement is not kept. A listing may be up to ria.yaml's
   * git.maxRefsSize (16 MiB by default), and `max` of those held for a minute would be memory the
   * fetch limits exist to bound; a repository with that many refs pays one discovery request more.
   */
  constructor(private readonly ttlMs = 60_000, private readonly max = 128, private readonly now: () => number = Date.now, private readonly maxBodyBytes = 256 * 1024) {}

  /** Keeps a listing's advertisement (its body as received, and the refs parsed from it). */
  keep(url: string, auth: Credentials | undefined, advert: { body: Uint8Array; refs: ReadonlyMap<string, string>; headers?: Record<string, string> }): void {
    const key = advertKey(url, auth);
    this.entries.delete(key); // re-inserted: Map order is age
    if (advert.body.byteLength > this.maxBodyBytes) return;
    this.entries.set(key, { at: this.now(), body: advert.body, refs: advert.refs, headers: advert.headers ?? {} });
    for (const [k, e] of this.entries) {
      if (this.entries.size <= this.max && this.now() - e.at < this.ttlMs) break;
      this.entries.delete(k);
    }
  }

  /** The advertisement to answer a fetch of `ref` at `sha` with: only if fresh and it lists `ref` at `sha`. */
  take(url: string, auth: Credentials | undefined, ref: string, sha: string | undefined): { body: Uint8Array; headers: Record<string, string> } | undefined {
    if (!sha) return undefined;
    const key = advertKey(url, auth);
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (this.now() - e.at >= this.ttlMs) { this.entries.delete(key); return undefined; }
    return e.refs.get(ref) === sha ? { body: e.body, headers: e.headers } : undefined;
  }

  drop(url: string, auth: Credentials | undefined): void {
    this.entries.delete(advertKey(url, auth));
  }

  get size(): number {
    return this.entries.size;
  }
}

function advertKey(url: string, auth: Credentials | undefined): string {
  const who = auth ? createHash('sha256').update(`${auth.username ?? ''}\n${auth.password ?? ''}`).digest('hex').slice(0, 16) : '';
  return `${url}\n${who}`;
}

const isDiscovery = (req: GitHttpRequest) => (req.method ?? 'GET').toUpperCase() === 'GET' && /\/info\/refs\?service=git-upload-pack$/.test(req.url);

/**
 * The http client of a v0/v1 listing: keeps the body of the ref advertisement it receives
 * (`onAdvert`) and hands the caller the same bytes. A v2 answer (capabilities only) is not an
 * advertisement. One wire fix: isomorphic-git takes the advertisement of an empty repository (no
 * refs, no capabilities) for protocol v2 and sends an `ls-refs` the server cannot read; that
 * request is answered here as v2's empty list, since the advertisement said it all.
 */
export function recordingAdvert(http: HttpClient, onAdvert: (body: Uint8Array, headers: Record<string, string>) => void): HttpClient {
  let empty = false;
  return {
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      if (empty && (req.method ?? 'GET').toUpperCase() === 'POST' && req.url.endsWith('/git-upload-pack')) {
        return { url: req.url, method: 'POST', statusCode: 200, statusMessage: 'OK', headers: {}, body: once(Buffer.from('0000')) };
      }
      const res = await http.request(req);
      if (!isDiscovery(req) || res.statusCode !== 200 || !res.body) return res;
      const chunks: Buffer[] = [];
      for await (const chunk of res.body) chunks.push(Buffer.from(chunk));
      const body = Buffer.concat(chunks);
      if (isV1Advert(body)) {
        empty = /^[0-9a-f]{4}# service=git-upload-pack\n0000(0000)?$/.test(body.toString('latin1'));
        onAdvert(body, res.headers ?? {});
      }
      return { ...res, body: once(body) };
    },
  };
}

/** An http client whose discovery request is answered with `advert` (no request made); the rest go to `http`. */
export function answeringDiscovery(http: HttpClient, advert: { body: Uint8Array; headers: Record<string, string> }): HttpClient {
  return {
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      if (!isDiscovery(req) || 'git-protocol' in lowerKeys(req.headers)) return http.request(req);
      return { url: req.url, method: 'GET', statusCode: 200, statusMessage: 'OK', headers: advert.headers, body: once(advert.body) };
    },
  };
}

/** Pure: whether a discovery answer is a v0/v1 advertisement (`# service=` then refs), not v2's capabilities. */
export function isV1Advert(body: Uint8Array): boolean {
  const text = Buffer.from(body.subarray(0, 64)).toString('latin1');
  return /^[0-9a-f]{4}# service=git-upload-pack\n0000/.test(text) && !/^[0-9a-f]{4}version 2\n/.test(text.slice(text.indexOf('0000') + 4));
}

function lowerKeys(headers: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
}

function once(buf: Uint8Array): AsyncIterableIterator<Uint8Array> {
  return (async function* () { yield buf; })();
}
