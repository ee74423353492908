/**
 * Opt-in: ask the server for a thin pack on fetch. isomorphic-git leaves `thin-pack` out of its
 * upload-pack request because canonical git cannot read the packs it then stores (deltas
 * against objects outside the pack). Ria's cache is read only by isomorphic-git, which resolves
 * those deltas from the objects it already has.
 *
 * Why it matters: on a shallow (depth 1) fetch the server cannot see that the new commit's
 * parent is the commit we have, so without a thin pack it resends the whole tree of every new
 * tip. With it, only changed objects (as deltas) come down.
 */
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';

export function withThinPack(http: HttpClient): HttpClient {
  return {
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      const isUploadPack = (req.method ?? 'GET').toUpperCase() === 'POST' && req.url.endsWith('/git-upload-pack') && req.body;
      if (!isUploadPack) return http.request(req);
      const chunks: Buffer[] = [];
      for await (const chunk of req.body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
      return http.request({ ...req, body: [addThinPack(Buffer.concat(chunks))] as unknown as GitHttpRequest['body'] });
    },
  };
}

/** Pure: adds `thin-pack` to the capabilities on the first `want` pkt-line of a v0/v1 request. */
export function addThinPack(body: Uint8Array): Buffer {
  const buf = Buffer.from(body);
  const len = Number.parseInt(buf.subarray(0, 4).toString('ascii'), 16);
  if (!Number.isFinite(len) || len < 4 || len > buf.length) return buf;
  const line = buf.subarray(4, len).toString('latin1');
  if (!line.startsWith('want ') || / thin-pack( |\n|$)/.test(line)) return buf;
  const newline = line.endsWith('\n') ? '\n' : '';
  const patched = `${line.slice(0, line.length - newline.length)} thin-pack${newline}`;
  const header = (patched.length + 4).toString(16).padStart(4, '0');
  return Buffer.concat([Buffer.from(header + patched, 'latin1'), buf.subarray(len)]);
}
