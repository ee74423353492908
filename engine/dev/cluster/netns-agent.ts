/**
 * The bridge between the host's loopback and the real node's network namespace. Unix sockets
 * are files, so they cross network namespaces; TCP does not. One copy of this script runs in
 * each namespace (inside the node's with `nsenter --net=`), and the pair joins the two:
 *
 *   --forward=tcp:0.0.0.0:6443=unix:/dir/api.sock    listen on TCP, pass each connection to a socket
 *   --forward=unix:/dir/api.sock=tcp:127.0.0.1:6443  listen on a socket, dial TCP from here
 *   --connect-proxy=unix:/dir/connect.sock           an HTTP CONNECT proxy that dials from here
 *
 * The CONNECT proxy is what the API server's egress selector uses to reach the kubelet and pods
 * (logs, exec, the service proxy), and what the harness uses to open a connection "from inside
 * the node" (tests, host port forwards). Prints `ready` once every listener is listening.
 * No dependencies, no state: started and stopped by pid like every other component.
 */
import { createServer, connect, type Socket, type Server } from 'node:net';
import { rmSync } from 'node:fs';

export type Endpoint = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

export function parseEndpoint(text: string): Endpoint {
  if (text.startsWith('unix:')) return { kind: 'unix', path: text.slice(5) };
  const m = /^tcp:(.+):(\d+)$/.exec(text);
  if (!m) throw new Error(`not an endpoint: ${text} (want tcp:HOST:PORT or unix:PATH)`);
  return { kind: 'tcp', host: m[1]!, port: Number(m[2]) };
}

export function endpointText(e: Endpoint): string {
  return e.kind === 'unix' ? `unix:${e.path}` : `tcp:${e.host}:${e.port}`;
}

function dial(e: Endpoint): Socket {
  return e.kind === 'unix' ? connect(e.path) : connect(e.port, e.host);
}

function listen(server: Server, e: Endpoint): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = () => { server.off('error', reject); resolve(); };
    if (e.kind === 'unix') {
      rmSync(e.path, { force: true });
      server.listen(e.path, done);
    } else {
      server.listen(e.port, e.host, done);
    }
  });
}

function pipe(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  const end = () => { a.destroy(); b.destroy(); };
  a.on('error', end);
  b.on('error', end);
  a.on('close', end);
  b.on('close', end);
}

export async function forward(from: Endpoint, to: Endpoint): Promise<Server> {
  const server = createServer((client) => pipe(client, dial(to)));
  await listen(server, from);
  return server;
}

/** Answers `CONNECT host:port` by dialing host:port from this namespace; anything else gets 405. */
export async function connectProxy(at: Endpoint): Promise<Server> {
  const server = createServer((client) => {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 8192) client.destroy();
        return;
      }
      client.off('data', onData);
      client.pause();
      const m = /^CONNECT ([^\s:]+|\[[^\]]+\]):(\d+) HTTP\/1\.[01]\r\n/.exec(head.subarray(0, end).toString('latin1'));
      if (!m) { client.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n'); return; }
      const upstream = connect(Number(m[2]), m[1]!.replace(/^\[|\]$/g, ''));
      // A caller that gives up while the dial is pending takes the dial with it.
      client.once('close', () => upstream.destroy());
      upstream.once('connect', () => {
        client.write('HTTP/1.1 200 Connection established\r\n\r\n');
        const rest = head.subarray(end + 4);
        if (rest.length) upstream.write(rest);
        pipe(client, upstream);
        client.resume();
      });
      upstream.once('error', (err) => {
        if (!client.destroyed) client.end(`HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\n\r\n${err.message}\n`);
      });
    };
    client.on('data', onData);
    client.on('error', () => client.destroy());
  });
  await listen(server, at);
  return server;
}

async function main(argv: string[]): Promise<void> {
  for (const arg of argv) {
    const f = /^--forward=(tcp:[^=]+|unix:[^=]+)=(.+)$/.exec(arg);
    const p = /^--connect-proxy=(.+)$/.exec(arg);
    if (f) {
      await forward(parseEndpoint(f[1]!), parseEndpoint(f[2]!));
      console.log(`forwarding ${f[1]} -> ${f[2]}`);
    } else if (p) {
      await connectProxy(parseEndpoint(p[1]!));
      console.log(`CONNECT proxy on ${p[1]}`);
    } else {
      throw new Error(`unknown argument ${arg}`);
    }
  }
  console.log('ready');
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  process.on('SIGTERM', () => process.exit(0));
  main(process.argv.slice(2)).catch((err: Error) => { console.error(err.message); process.exit(1); });
}
