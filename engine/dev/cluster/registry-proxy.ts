/**
 * The node's registry, read-only, on a host loopback port: what `ria dev`'s engine (on the host)
 * needs to ask whether a commit's image is built already (a HEAD, or a GET, of
 * `/v2/<repository>/manifests/<tag>`; registry/manifest-check.ts).
 *
 * The registry itself takes pushes from anyone who reaches it (the builds push to it without
 * credentials, inside the node's network namespace). Published as a raw TCP pipe, any local user
 * of a shared host, or a page in the developer's browser that rebinds a DNS name to 127.0.0.1,
 * could PUT a manifest for `<app>/<service>:<commit>`: the engine would take the commit's image as
 * built and the node would run the attacker's. So this is an HTTP proxy that passes only GET and
 * HEAD of `/v2/...` (405 for any other method, 404 for another path) and only with the Host
 * header a client on this host sends, `127.0.0.1:<port>` or `localhost:<port>` (403 otherwise: a
 * rebound name arrives with its own name as Host). Request bodies are never forwarded.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ReadOnlyProxyOptions {
  /** Upstream answer timeout (default 30 s). */
  timeoutMs?: number;
}

/** Hop-by-hop headers (RFC 9110 7.6.1): for one connection, never passed on. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate']);

function passable(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

/** Whether a request may pass: its method, path and Host. Pure. */
export function readOnlyVerdict(method: string | undefined, url: string | undefined, host: string | undefined, port: number): { status: number; reason: string } | undefined {
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, reason: 'only GET and HEAD pass: the registry is published read-only' };
  const h = (host ?? '').toLowerCase();
  if (h !== `127.0.0.1:${port}` && h !== `localhost:${port}`) return { status: 403, reason: `Host must be 127.0.0.1:${port} or localhost:${port}` };
  if (!url || !url.startsWith('/v2/')) return { status: 404, reason: 'only the registry API (/v2/) passes' };
  return undefined;
}

/**
 * Listens on 127.0.0.1 (an ephemeral port) and passes the allowed requests to `host:port` through
 * `connect` (the node's network namespace), one upstream connection per request.
 */
export async function publishReadOnlyRegistry(connect: (host: string, port: number) => Promise<Socket>, host: string, port: number, options: ReadOnlyProxyOptions = {}): Promise<{ port: number; close(): Promise<void> }> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  let ownPort = 0;
  const server: Server = createServer((req, res) => {
    const refused = readOnlyVerdict(req.method, req.url, req.headers.host, ownPort);
    if (refused) {
      res.writeHead(refused.status, { 'content-type': 'text/plain; charset=utf-8', ...(refused.status === 405 ? { allow: 'GET, HEAD' } : {}) });
      res.end(`${refused.reason}\n`);
      req.resume();
      return;
    }
    req.resume(); // a body sent with GET is read and dropped, never forwarded
    const fail = () => { if (!res.headersSent) { res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' }); res.end('the node\'s registry did not answer\n'); } else res.destroy(); };
    connect(host, port).then((socket) => {
      const headers = { ...passable(req.headers), host: `${host}:${port}`, connection: 'close' };
      delete (headers as Record<string, unknown>)['content-length'];
      const upstream = httpRequest({ host, port, method: req.method, path: req.url, headers, createConnection: () => socket, timeout: timeoutMs }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, passable(answer.headers));
        answer.pipe(res);
        answer.on('error', () => res.destroy());
      });
      upstream.on('timeout', () => upstream.destroy(new Error('timeout')));
      upstream.on('error', fail);
      res.on('close', () => upstream.destroy());
      upstream.end();
    }, fail);
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', () => resolve()); });
  const address = server.address();
  ownPort = typeof address === 'object' && address ? address.port : 0;
  return {
    port: ownPort,
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}
