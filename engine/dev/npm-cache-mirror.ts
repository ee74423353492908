/**
 * A read-only npm registry that answers from this machine's npm cache (`~/.npm/_cacache`, filled
 * by the `npm ci` that set up the project), for image builds that run `npm ci` where there is no
 * registry to reach: the engine image's Kaniko build on the real node. It serves exactly what the
 * cache holds (package documents and tarballs, as npm stored them) and answers 404 for anything
 * else; it never fetches. npm rewrites the registry host of tarball URLs to the registry it is
 * given (`replace-registry-host`, default `npmjs`), so `NPM_CONFIG_REGISTRY=<this url>` is enough.
 *
 * The cache format is cacache's: index buckets under `index-v5/` (JSON lines, the last one for a
 * key wins, a null integrity deletes), contents under `content-v2/<algo>/<hex>` by integrity.
 */
import { createServer, type Server } from 'node:http';
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

const KEY_PREFIX = 'make-fetch-happen:request-cache:';

export interface CachedResponse { file: string; contentType: string; size: number }

export interface NpmCacheMirror {
  /** http://127.0.0.1:PORT/ */
  url: string;
  port: number;
  /** How many documents and tarballs the cache holds. */
  entries: number;
  /** Paths asked for that the cache did not hold (a build that failed on one names it). */
  misses: string[];
  stop(): Promise<void>;
}

/** Where cacache keeps an entry's content: `content-v2/<algo>/<hex[0:2]>/<hex[2:4]>/<hex[4:]>`. */
export function contentPath(cacheDir: string, integrity: string): string | undefined {
  const m = /^(sha\d+)-([A-Za-z0-9+/=]+)/.exec(integrity.trim());
  if (!m) return undefined;
  const hex = Buffer.from(m[2]!, 'base64').toString('hex');
  return join(cacheDir, 'content-v2', m[1]!, hex.slice(0, 2), hex.slice(2, 4), hex.slice(4));
}

/** The path a cached URL is asked for by, decoded (`/@types%2fnode` and `/@types/node` are one). */
export function requestKey(path: string): string {
  try { return decodeURIComponent(path.split('?')[0]!); } catch { return path; }
}

/** Reads every index bucket: request path -> the cached response (the last entry of a key wins). */
export async function readCacheIndex(cacheDir: string): Promise<Map<string, CachedResponse>> {
  const index = new Map<string, CachedResponse>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) { await walk(path); continue; }
      for (const line of (await readFile(path, 'utf8')).split('\n')) {
        const json = line.slice(line.indexOf('\t') + 1);
        if (!json.startsWith('{')) continue;
        let e: { key?: string; integrity?: string | null; size?: number; metadata?: { resHeaders?: Record<string, string> } };
        try { e = JSON.parse(json); } catch { continue; }
        if (!e.key?.startsWith(KEY_PREFIX)) continue;
        let url: URL;
        try { url = new URL(e.key.slice(KEY_PREFIX.length)); } catch { continue; }
        const key = requestKey(url.pathname);
        const file = e.integrity ? contentPath(cacheDir, e.integrity) : undefined;
        if (!file) { index.delete(key); continue; }
        index.set(key, { file, size: e.size ?? 0, contentType: e.metadata?.resHeaders?.['content-type'] ?? 'application/octet-stream' });
      }
    }
  };
  await walk(join(cacheDir, 'index-v5'));
  return index;
}

export async function startNpmCacheMirror(options: { cacheDir?: string; host?: string; port?: number } = {}): Promise<NpmCacheMirror> {
  const cacheDir = options.cacheDir ?? join(homedir(), '.npm', '_cacache');
  const index = await readCacheIndex(cacheDir);
  const misses: string[] = [];
  const server: Server = createServer((req, res) => {
    const hit = req.method === 'GET' || req.method === 'HEAD' ? index.get(requestKey(req.url ?? '/')) : undefined;
    if (!hit) {
      misses.push(req.url ?? '/');
      res.writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: `not in this machine's npm cache (${cacheDir}): run npm ci on the host first` }));
      return;
    }
    const stream = createReadStream(hit.file);
    stream.once('error', () => { if (!res.headersSent) res.writeHead(404).end(); else res.destroy(); });
    stream.once('open', () => {
      res.writeHead(200, { 'content-type': hit.contentType, ...(hit.size ? { 'content-length': hit.size } : {}) });
      if (req.method === 'HEAD') { stream.destroy(); res.end(); } else stream.pipe(res);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}/`, port, entries: index.size, misses,
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
