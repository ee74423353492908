/**
 * Redirects only within the origin the URL names (scheme, host and port). App repository URLs
 * come from app files, and a repository's server answers what it likes: a redirect to another
 * host would make the engine request internal addresses (the API server, cloud metadata, a
 * sidecar on another port) from inside the cluster, and send the clone credentials along on a
 * same-host port change. Canonical git follows cross-host redirects only on the first request;
 * Ria follows none of them: a move to another origin is a typed error naming both URLs redacted,
 * and the fix is to write the new URL in the app file.
 */
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { GitRedirectError } from './errors.js';

export const MAX_REDIRECTS = 5;

export function sameOriginRedirects(http: HttpClient, maxRedirects = MAX_REDIRECTS): HttpClient {
  return {
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      // Bodies are a few pkt-lines (wants, haves): kept so a 307/308 can send them again.
      const body = req.body === undefined ? undefined : Array.isArray(req.body) ? req.body : await collect(req.body);
      const origin = new URL(req.url).origin;
      let current: GitHttpRequest = { ...req, ...(body ? { body: body as unknown as GitHttpRequest['body'] } : {}),
        fetchOptions: { ...(req as { fetchOptions?: object }).fetchOptions, followRedirects: false } } as GitHttpRequest;
      for (let hops = 0; ; hops++) {
        const res = await http.request(current);
        const location = header(res, 'location');
        if (res.statusCode < 300 || res.statusCode >= 400 || !location) return res;
        await discard(res);
        const next = new URL(location, current.url);
        if (next.origin !== origin) throw new GitRedirectError(req.url, { location: next.href, status: res.statusCode });
        if (hops >= maxRedirects) throw new GitRedirectError(req.url, { location: next.href, status: res.statusCode, tooMany: maxRedirects });
        // 303, and 301/302 after a POST, turn into a GET without a body (as browsers, curl and git do).
        const toGet = res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && (current.method ?? 'GET').toUpperCase() === 'POST');
        current = { ...current, url: next.href, ...(toGet ? { method: 'GET', body: undefined } : {}) } as GitHttpRequest;
      }
    },
  };
}

function header(res: GitHttpResponse, name: string): string | undefined {
  const headers = (res.headers ?? {}) as Record<string, string | string[] | undefined>;
  const value = headers[name] ?? Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value[0] : value;
}

async function collect(body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return chunks;
}

/** The redirect's own body is not needed: stop reading it (and free the socket). */
async function discard(res: GitHttpResponse): Promise<void> {
  const it = res.body as (AsyncIterableIterator<Uint8Array> & { return?: () => unknown }) | undefined;
  try {
    await it?.return?.();
  } catch {
    // an already-closed stream: nothing to free
  }
}
