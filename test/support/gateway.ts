/**
 * The real node's gateway (Traefik, started by test/run.ts with the real cluster when it is built)
 * for tests: a Gateway of their own on it, a host loopback port that reaches it (as a user's curl
 * does), requests with a Host header, and answers counted by what they say (a version, a commit).
 *
 *   const gw = await testGateway(testClients().ria);  // skip with gatewaySkip() when absent
 *   const h = await engineHarness({ settings: gw.settings(realBuildSettings(node.info)) });
 *   const counts = await gw.count(host, '/', 1000, (a) => /v(\d)/.exec(a.body)?.[1] ?? a.status);
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { KubeObjects } from '../../engine/kube/objects.js';
import type { RunningGateway } from '../../engine/dev/cluster/gateway.js';
import { gatewayObject } from '../../engine/dev/cluster/gateway-objects.js';
import { realNode } from './real-node.js';
import { eventually } from './kube.js';

export interface Answer { status: number; headers: IncomingHttpHeaders; body: string }

/** Why the gateway tests cannot run here, or false when they can. */
export function gatewaySkip(): string | false {
  if (!process.env.RIA_TEST_REAL_NODE) return 'no real node (run through node dist/test/run.js --integration real on a machine that can run one)';
  if (!process.env.RIA_TEST_GATEWAY) return 'Traefik is not built (test/cluster/build.sh --gateway; not part of CI\'s first build, see README "First run")';
  return false;
}

/** The gateway test/run.ts started with the real node. */
export function runningGateway(): RunningGateway {
  const text = process.env.RIA_TEST_GATEWAY;
  if (!text) throw new Error(`no gateway: ${gatewaySkip()}`);
  return JSON.parse(text) as RunningGateway;
}

/** One HTTP request to 127.0.0.1:`port` with `Host: host` (a new connection each time). */
export function get(port: number, host: string, path = '/', options: { headers?: Record<string, string>; timeoutMs?: number; method?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1', port, path, method: options.method ?? 'GET', agent: false,
      headers: { ...options.headers, host }, timeout: options.timeoutMs ?? 10_000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${options.timeoutMs ?? 10_000} ms: http://${host}${path}`)));
    req.on('error', reject);
    req.end();
  });
}

/** `n` requests, `concurrency` at a time, counted by `key(answer)`. */
export async function countAnswers(port: number, host: string, path: string, n: number, key: (a: Answer) => string,
  options: { concurrency?: number; headers?: Record<string, string> } = {}): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      const k = key(await get(port, host, path, options.headers ? { headers: options.headers } : {}));
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, n) }, worker));
  return counts;
}

export interface TestGateway {
  gateway: RunningGateway;
  /** Where the Gateway is, and the wildcard domain its listener serves (`*.<domain>`, unique per call). */
  namespace: string;
  name: string;
  domain: string;
  /** Host loopback port reaching the gateway's HTTP entry point in the node's namespace. */
  port: number;
  /** ria.yaml lines (domain, gateway) appended to `base`, for engineHarness({ settings }). */
  settings(base?: string): string;
  get(host: string, path?: string, options?: { headers?: Record<string, string>; timeoutMs?: number }): Promise<Answer>;
  count(host: string, path: string, n: number, key: (a: Answer) => string, options?: { concurrency?: number; headers?: Record<string, string> }): Promise<Map<string, number>>;
  /** Polls the URL until `check` accepts an answer (a route is programmed asynchronously). */
  until<T>(what: string, host: string, path: string, check: (a: Answer) => T | undefined, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

/** A Gateway of this test's own on the node's Traefik (HTTP listener `*.<unique domain>`), published on a host port. */
export async function testGateway(objects: KubeObjects): Promise<TestGateway> {
  const gateway = runningGateway();
  const node = realNode();
  const id = randomBytes(3).toString('hex');
  const namespace = `gw-${id}`;
  const name = 'gw';
  const domain = `${id}.ria.test`;
  await objects.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, { force: true });
  await objects.apply(gatewayObject({ namespace, name, className: gateway.className, hostname: `*.${domain}`, httpPort: gateway.ports.http }), { force: true });
  await eventually(`Gateway ${namespace}/${name} Programmed`, async () => {
    const live = await objects.get<{ status?: { conditions?: { type: string; status: string }[] } }>(
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace, name });
    return live?.status?.conditions?.some((c) => c.type === 'Programmed' && c.status === 'True');
  }, 30_000);
  const published = await node.publish(gateway.statusAddress, gateway.ports.http);
  return {
    gateway, namespace, name, domain, port: published.port,
    // The base's own domain (realBuildSettings has one) gives way to this Gateway's.
    settings: (base = '') => `${base.split('\n').filter((l) => !/^domain:/.test(l)).join('\n').trimEnd()}\ndomain: ${domain}\ngateway:\n  namespace: ${namespace}\n  name: ${name}\n`.replace(/^\n/, ''),
    get: (host, path = '/', options = {}) => get(published.port, host, path, options),
    count: (host, path, n, key, options = {}) => countAnswers(published.port, host, path, n, key, options),
    until: (what, host, path, check, timeoutMs = 60_000) => eventually(what, async () => {
      const a = await get(published.port, host, path, { timeoutMs: 5000 }).catch(() => undefined);
      return a ? check(a) : undefined;
    }, timeoutMs, 250),
    async close() {
      await published.close();
      await node.close();
      await objects.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace }).catch(() => undefined);
    },
  };
}

/** The host of an Environment URL (`https://web-app-main.x.ria.test` -> `web-app-main.x.ria.test`). */
export function hostOf(url: string): string {
  return new URL(url).hostname;
}

/**
 * A tiny HTTP server for Riofile configs (run by `node` on the local node:20-alpine stand-in):
 * answers JSON with $WHO, the path it was asked for and the request headers it received; `?sleep=MS`
 * delays the answer; /healthz is the readiness path.
 */
export const ECHO_SERVER = `import { createServer } from 'node:http';
createServer((req, res) => {
  if (req.url === '/healthz') { res.end('ok'); return; }
  const wait = Number(new URL(req.url, 'http://x').searchParams.get('sleep') ?? 0);
  setTimeout(() => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ who: process.env.WHO, url: req.url, headers: req.headers }));
  }, wait);
}).listen(8080);
process.on('SIGTERM', () => process.exit(0));`;

/** A Riofile service running ECHO_SERVER (from the config `echo`, key server.mjs) with WHO=`who`, port 8080. */
export function echoService(who: string, indent = '    '): string {
  return [
    'image: node:20-alpine', 'command: [node, /app/server.mjs]', 'ports: 8080/http', 'env:', `  - WHO=${who}`,
    'configs:', '  - echo/server.mjs:/app/server.mjs', 'readiness:', '  httpGet:', '    path: /healthz', '    port: 8080',
  ].map((l) => `${indent}${l}`).join('\n');
}

/** The `configs:` section that holds ECHO_SERVER. */
export function echoConfigs(): string {
  return `configs:\n  echo:\n    server.mjs: |-\n${ECHO_SERVER.split('\n').map((l) => `      ${l}`).join('\n')}\n`;
}
