/**
 * Works around isomorphic-git's fetch failing on a repository whose HEAD points at a missing
 * branch (a deleted default branch, an unborn HEAD). After receiving the pack, fetch looks up
 * the remote HEAD to report the default branch and throws NotFoundError('HEAD') when the server
 * did not advertise one — before writing the pack, so the fetched objects are lost.
 *
 * When the v0/v1 ref advertisement has neither a HEAD line nor a `symref=HEAD:` capability, this
 * adds `symref=HEAD:<the ref being fetched>` to the capabilities. fetch only uses it for the
 * `defaultBranch` it reports (which Ria ignores); with singleBranch no local ref is written from
 * it. Advertisements that name HEAD pass through untouched.
 */
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';

export function withHeadFallback(http: HttpClient, fullref: string): HttpClient {
  return {
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      const res = await http.request(req);
      const isDiscovery = (req.method ?? 'GET').toUpperCase() === 'GET' && /\/info\/refs\?service=git-upload-pack$/.test(req.url);
      if (!isDiscovery || res.statusCode !== 200 || !res.body) return res;
      const body = await collect(res.body);
      return { ...res, body: toIterator(addHeadSymref(body, fullref)) };
    },
  };
}

/** Pure: the advertisement with `symref=HEAD:<fullref>` added when it has no HEAD at all. */
export function addHeadSymref(advert: Uint8Array, fullref: string): Uint8Array {
  const lines = parsePktLines(advert);
  if (!lines) return advert;
  const firstRef = lines.findIndex((l) => l !== null && !l.toString('utf8').startsWith('# service='));
  const first = firstRef >= 0 ? lines[firstRef] : undefined;
  if (!first) return advert;
  const nul = first.indexOf(0);
  if (nul < 0) return advert; // not a v0/v1 first line (protocol v2 or unknown): leave alone
  const names = lines.filter((l): l is Buffer => l !== null).map((l) => l.toString('utf8').split(/[\0\n]/)[0]!.split(' ')[1]);
  const caps = first.subarray(nul + 1).toString('utf8');
  if (names.includes('HEAD') || /(^| )symref=HEAD:/.test(caps)) return advert;
  const trimmed = caps.endsWith('\n') ? caps.slice(0, -1) : caps;
  lines[firstRef] = Buffer.concat([first.subarray(0, nul + 1), Buffer.from(`${trimmed} symref=HEAD:${fullref}\n`, 'utf8')]);
  return writePktLines(lines);
}

/** pkt-lines as payload Buffers, `null` for a flush packet; undefined when malformed. */
function parsePktLines(buf: Uint8Array): Array<Buffer | null> | undefined {
  const data = Buffer.from(buf);
  const out: Array<Buffer | null> = [];
  let at = 0;
  while (at < data.length) {
    const len = Number.parseInt(data.subarray(at, at + 4).toString('ascii'), 16);
    if (!Number.isFinite(len) || (len > 0 && len < 4) || at + Math.max(len, 4) > data.length) return undefined;
    out.push(len === 0 ? null : data.subarray(at + 4, at + len));
    at += len === 0 ? 4 : len;
  }
  return out;
}

function writePktLines(lines: Array<Buffer | null>): Buffer {
  return Buffer.concat(
    lines.map((l) => (l === null ? Buffer.from('0000') : Buffer.concat([Buffer.from((l.length + 4).toString(16).padStart(4, '0')), l]))),
  );
}

async function collect(body: AsyncIterableIterator<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

function toIterator(buf: Uint8Array): AsyncIterableIterator<Uint8Array> {
  return (async function* () {
    yield buf;
  })();
}
