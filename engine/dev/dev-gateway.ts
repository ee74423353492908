/**
 * `ria dev` on the real node: the Gateway the examples' routes attach to, served by the local
 * cluster's Traefik, and reachable from the user's shell. The node's network namespace is not
 * reachable from the host, so a host loopback port is forwarded into it for HTTP and one for HTTPS
 * (each connection is opened from inside the namespace, see RealNode.connect). HTTPS uses a
 * wildcard certificate of a local CA kept in ~/.cache/ria, so a user trusts it once.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { KubeObjects, KubeObject } from '../kube/objects.js';
import { gatewayObject, tlsSecret } from './cluster/gateway-objects.js';
import { gatewayTls } from './cluster/gateway-tls.js';
import type { RunningGateway } from './cluster/gateway.js';

/** Ports `ria dev` tries first on the host (any free one when taken). */
export const PREFERRED_PORTS = { http: 8080, https: 8443 } as const;
export const TLS_SECRET = 'ria-dev-tls';

export interface DevGateway {
  /** Host loopback ports reaching the gateway's HTTP and HTTPS listeners. */
  httpPort: number;
  httpsPort: number;
  /** The CA to trust for HTTPS (`curl --cacert`). */
  caCert: string;
  /** A URL Ria reports (`https://host`) as it answers from this machine: `http://host:port`. */
  local(url: string): string;
  close(): Promise<void>;
}

export interface DevGatewayOptions {
  objects: Pick<KubeObjects, 'apply'>;
  gateway: RunningGateway;
  /** Where the Gateway lives and its name (ria.yaml's `gateway`). */
  namespace: string;
  name: string;
  domain: string;
  /** Opens a TCP connection from inside the node's network namespace. */
  connect: (host: string, port: number) => Promise<Socket>;
  /** Where the local CA is kept between runs, and this run's certificate. */
  caDir: string;
  dir: string;
  ports?: { http: number; https: number };
}

/** The Gateway objects for the real gateway: its TLS Secret and the Gateway (HTTP + HTTPS listeners). */
export function devGatewayObjects(o: Pick<DevGatewayOptions, 'gateway' | 'namespace' | 'name' | 'domain'>, tls: { certPem: string; keyPem: string }): KubeObject[] {
  const labels = { 'app.kubernetes.io/managed-by': 'ria-dev' };
  return [
    tlsSecret(o.namespace, TLS_SECRET, tls.certPem, tls.keyPem, labels),
    gatewayObject({
      namespace: o.namespace, name: o.name, className: o.gateway.className, hostname: `*.${o.domain}`,
      httpPort: o.gateway.ports.http, httpsPort: o.gateway.ports.https, tlsSecretName: TLS_SECRET,
    }, labels),
  ];
}

export async function startDevGateway(o: DevGatewayOptions): Promise<DevGateway> {
  const tls = await gatewayTls(o.caDir, join(o.dir, 'gateway-tls'), o.domain);
  for (const obj of devGatewayObjects(o, tls)) await o.objects.apply(obj, { force: true });
  const wanted = o.ports ?? PREFERRED_PORTS;
  // The gateway listens on the node's address; pods reach it there too.
  const http = await forwardPort(wanted.http, () => o.connect(o.gateway.statusAddress, o.gateway.ports.http));
  const https = await forwardPort(wanted.https, () => o.connect(o.gateway.statusAddress, o.gateway.ports.https)).catch(async (err: unknown) => {
    await close(http.server);
    throw err;
  });
  return {
    httpPort: http.port, httpsPort: https.port, caCert: tls.caCert,
    local: (url) => localUrl(url, http.port),
    async close() { await close(http.server); await close(https.server); },
  };
}

/** `https://hello--main.ria.localhost` -> `http://hello--main.ria.localhost:8080`. */
export function localUrl(url: string, httpPort: number): string {
  const m = /^https?:\/\/([^/:]+)(?::\d+)?(\/.*)?$/.exec(url);
  return m ? `http://${m[1]}:${httpPort}${m[2] ?? ''}` : url;
}

/** A loopback listener on `port` (or any free port when it is taken) piping each connection to `dial()`. */
async function forwardPort(port: number, dial: () => Promise<Socket>): Promise<{ server: Server; port: number }> {
  const make = () => createServer((client) => {
    client.pause();
    dial().then((upstream) => {
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
      const end = () => { client.destroy(); upstream.destroy(); };
      client.on('error', end); upstream.on('error', end); client.on('close', end); upstream.on('close', end);
    }, () => client.destroy());
  });
  const listen = (server: Server, p: number) => new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(p, '127.0.0.1', () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : p);
    });
  });
  let server = make();
  try {
    return { server, port: await listen(server, port) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw err;
    server = make();
    return { server, port: await listen(server, 0) };
  }
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
