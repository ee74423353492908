/**
 * The engine's HTTP listeners. Two of them, on two ports: the operations port (health probes for
 * the kubelet, /metrics for Prometheus; reached from inside the cluster only) and the webhook
 * port, the one exposed to the internet, which serves the GitHub webhook and nothing else.
 * Plain node:http: the surface is a handful of fixed paths, and the webhook needs the raw body
 * for its signature check, which frameworks tend to parse away.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RiaError, errorMessage } from '../errors.js';
import type { Logger } from '../observe/logger.js';
import { METRICS_CONTENT_TYPE, type MetricsRegistry } from '../observe/metrics.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface Route {
  method: string;
  /** Exact path, query string excluded. */
  path: string;
  handler: RouteHandler;
}

/** Readiness with an optional reason, returned in the 503 body so `kubectl describe` says why. */
export type Readiness = boolean | { ready: boolean; reason?: string };

/**
 * What a slow or greedy client may hold. Node's defaults let a trickled request hold its socket
 * for 300 s (`requestTimeout`) and accept any number of connections.
 */
export interface ServerLimits {
  /** All headers must arrive within this (Slowloris). */
  headersTimeoutMs: number;
  /** The whole request, body included; GitHub gives up on a delivery after 10 s anyway. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** Connections beyond this are closed as they arrive. */
  maxConnections: number;
  /** How often Node checks the two timeouts above (its default, 30 s, would stretch them). */
  checkIntervalMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  headersTimeoutMs: 5_000, requestTimeoutMs: 15_000, keepAliveTimeoutMs: 5_000, maxConnections: 256, checkIntervalMs: 1_000,
};

export interface HttpServerOptions {
  host?: string;
  /** 0 picks a free port (tests). */
  port: number;
  logger: Logger;
  /** With `isReady`: serve /healthz, /readyz and /metrics (the operations port). */
  metrics?: Pick<MetricsRegistry, 'metrics'>;
  isReady?: () => Readiness;
  routes?: Route[];
  limits?: Partial<ServerLimits>;
  /** For log lines: which listener this is ("ops", "webhook"). */
  name?: string;
}

export interface RunningHttpServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

export class HttpServerError extends RiaError {
  constructor(message: string, data: Record<string, unknown>, cause?: unknown) {
    super('HttpServerError', message, data, { cause });
  }
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const { host = '0.0.0.0', port, logger, metrics, isReady, routes = [], name = 'http' } = options;
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const builtIn: Route[] = metrics && isReady ? [
    { method: 'GET', path: '/healthz', handler: (_req, res) => send(res, 200, 'ok\n') },
    { method: 'GET', path: '/readyz', handler: (_req, res) => readyz(res, isReady) },
    { method: 'GET', path: '/metrics', handler: async (_req, res) => send(res, 200, await metrics.metrics(), METRICS_CONTENT_TYPE) },
  ] : [];
  const all = [...builtIn, ...routes];
  for (const r of routes) {
    if (builtIn.some((b) => b.path === r.path)) throw new HttpServerError(`route ${r.method} ${r.path} clashes with a built-in path`, { path: r.path });
  }

  const server = createServer({
    headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs, connectionsCheckingInterval: limits.checkIntervalMs,
  }, (req, res) => {
    void dispatch(all, req, res, logger);
  });
  server.maxConnections = limits.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new HttpServerError(`cannot listen on ${host}:${port}: ${errorMessage(err)}`, { host, port }, err)));
    server.listen(port, host, resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  logger.info('http server listening', { server: name, host, port: bound });
  return {
    port: bound,
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${bound}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Keep-alive connections (Prometheus scrapes) would otherwise hold close() open.
      server.closeAllConnections();
    }),
  };
}

async function dispatch(routes: Route[], req: IncomingMessage, res: ServerResponse, logger: Logger): Promise<void> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const method = req.method ?? 'GET';
  const onPath = routes.filter((r) => r.path === path);
  // HEAD is what some load balancers probe with; it gets the GET answer without a body.
  const route = onPath.find((r) => r.method === method) ?? (method === 'HEAD' ? onPath.find((r) => r.method === 'GET') : undefined);
  if (!route) {
    if (onPath.length) {
      res.setHeader('Allow', onPath.map((r) => r.method).join(', '));
      send(res, 405, 'method not allowed\n');
    } else send(res, 404, 'not found\n');
    return;
  }
  try {
    await route.handler(req, res);
  } catch (err) {
    logger.error('http handler failed', { method, path, error: err });
    if (!res.headersSent) send(res, 500, 'internal error\n');
    else res.destroy();
  }
}

function readyz(res: ServerResponse, isReady: () => Readiness): void {
  let readiness: Readiness;
  try {
    readiness = isReady();
  } catch (err) {
    readiness = { ready: false, reason: `readiness check failed: ${errorMessage(err)}` };
  }
  const { ready, reason } = typeof readiness === 'boolean' ? { ready: readiness, reason: undefined } : readiness;
  if (ready) send(res, 200, 'ok\n');
  else send(res, 503, `not ready: ${reason ?? 'starting'}\n`);
}

function send(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
