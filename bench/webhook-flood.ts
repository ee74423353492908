/**
 * Webhook flood against the compiled engine (`ria engine`, as the Deployment runs it), on
 * loopback only: 20 concurrent unsigned 25 MiB POSTs to /hooks/github, three ways, and what
 * they cost the engine. Prints figures; nothing is asserted (goal: all answered 413/401 within
 * 1 s, RSS growth under 50 MiB).
 *
 *  - declared: Content-Length 25 MiB, no signature        → expected 413 from the headers
 *  - chunked:  no Content-Length, no signature            → expected 401 from the headers
 *  - forged:   chunked, a well-formed but wrong signature → up to 8 read to the 4 MiB cap (413),
 *              the rest 503 (reading slots full); the worst case for memory
 *  - trickle:  CONCURRENCY slow senders (headers at once, then one byte every 50 ms, 100 KB declared)
 *              while a signed ping is sent every 250 ms: goal, the tricklers cut (408) within
 *              about a second and the signed deliveries answered throughout (before: the 8 reading
 *              slots were held until requestTimeout, 15 s, and signed deliveries got 503)
 *
 * Bounded: each request sends at most 25 MiB and stops when answered or cut off; each round
 * stops after 30 s; the engine is killed at the end. No cluster is needed: the engine's
 * kubeconfig points at a stand-in API server on loopback that lists no Apps (the webhook route
 * reads per-repository secrets from them) and answers 404 to the rest (leader election fails
 * quietly; the HTTP listeners run regardless).
 *
 *   npm run build && node dist/bench/webhook-flood.js [CONCURRENCY]
 */
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { API_VERSION } from '../engine/crds/types.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const CONCURRENCY = Number(process.argv[2] ?? 20);
const BODY_BYTES = 25 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x7b);
const ROUND_TIMEOUT_MS = 30_000;
const bin = fileURLToPath(new URL('../engine/cli/bin.js', import.meta.url));

interface Outcome { status: number | string; ms: number; sent: number }

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ria-flood-'));
  const api = await standInApiServer();
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, [
    'apiVersion: v1', 'kind: Config', 'current-context: none',
    `clusters: [{name: none, cluster: {server: "${api.url}", insecure-skip-tls-verify: true}}]`,
    'users: [{name: none, user: {token: none}}]',
    'contexts: [{name: none, context: {cluster: none, user: none}}]', '',
  ].join('\n'));
  const child = spawn(process.execPath, [bin, 'engine', '--config-repo', 'http://127.0.0.1:9/config.git', '--kubeconfig', kubeconfig,
    '--http-host', '127.0.0.1', '--http-port', '0', '--ops-port', '0', '--log-level', 'info', '--git-cache-dir', join(dir, 'git')], {
    env: { PATH: process.env.PATH ?? '', HOME: dir, RIA_WEBHOOK_SECRET: 'flood-bench-secret' }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Only until the listening line: the failing leader election keeps logging after it.
  let output = '';
  const collect = (c: Buffer) => { output += c.toString(); };
  child.stdout!.on('data', collect);
  try {
    const url = await listening(() => output, child.pid!);
    child.stdout!.off('data', collect);
    child.stdout!.resume();
    if (process.env.FLOOD_DEBUG) child.stdout!.on("data", (c: Buffer) => process.stderr.write(c));
    process.stdout.write(`engine pid ${child.pid}, webhook ${url}; ${CONCURRENCY} concurrent POSTs of ${BODY_BYTES / 1024 / 1024} MiB each\n`);
    await warmUp(url);
    for (const round of ['declared', 'chunked', 'forged'] as const) {
      const baseline = await rssKiB(child.pid!);
      let peak = baseline;
      const sampler = setInterval(() => { void rssKiB(child.pid!).then((r) => { peak = Math.max(peak, r); }, () => {}); }, 5);
      const started = performance.now();
      const outcomes = await Promise.all(Array.from({ length: CONCURRENCY }, () => flood(url, round)));
      const total = performance.now() - started;
      clearInterval(sampler);
      peak = Math.max(peak, await rssKiB(child.pid!));
      const byStatus = new Map<string, number>();
      for (const o of outcomes) byStatus.set(String(o.status), (byStatus.get(String(o.status)) ?? 0) + 1);
      const slowest = Math.max(...outcomes.map((o) => o.ms));
      const sentMiB = outcomes.reduce((n, o) => n + o.sent, 0) / 1024 / 1024;
      process.stdout.write(`  ${round.padEnd(8)} answers ${[...byStatus].map(([s, n]) => `${s}×${n}`).join(' ')}; all answered in ${slowest.toFixed(0)} ms `
        + `(round ${total.toFixed(0)} ms); client wrote ${sentMiB.toFixed(1)} MiB in all; engine RSS ${(baseline / 1024).toFixed(1)} → peak ${(peak / 1024).toFixed(1)} MiB `
        + `(growth ${((peak - baseline) / 1024).toFixed(1)} MiB)\n`);
    }
    await trickleRound(url);
    const signed = await post(url, '{"zen":"still fine"}', { 'x-github-event': 'ping', 'x-hub-signature-256': sign('{"zen":"still fine"}') });
    process.stdout.write(`  after the flood, a signed ping is answered ${signed}\n`);
  } finally {
    child.kill('SIGKILL');
    api.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Slow senders holding reading slots, and signed deliveries trying to get through meanwhile. */
async function trickleRound(url: string): Promise<void> {
  const started = performance.now();
  let trickling = true;
  const signed: Array<{ status: number; ms: number }> = [];
  const legit = (async () => {
    for (let i = 0; trickling && i < 200; i++) {
      const body = `{"zen":"during trickle ${i}"}`;
      const t0 = performance.now();
      const status = await post(url, body, { 'x-github-event': 'ping', 'x-hub-signature-256': sign(body) }).catch(() => 0);
      signed.push({ status, ms: performance.now() - t0 });
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  const outcomes = await Promise.all(Array.from({ length: CONCURRENCY }, () => trickle(url)));
  trickling = false;
  await legit;
  const byStatus = new Map<string, number>();
  for (const o of outcomes) byStatus.set(String(o.status), (byStatus.get(String(o.status)) ?? 0) + 1);
  const cut = outcomes.filter((o) => o.status === 408).map((o) => o.ms);
  const ok = signed.filter((s) => s.status === 202).length;
  process.stdout.write(`  trickle  answers ${[...byStatus].map(([s, n]) => `${s}×${n}`).join(' ')}; tricklers cut after ${cut.length ? `${Math.min(...cut).toFixed(0)}-${Math.max(...cut).toFixed(0)} ms` : '-'} `
    + `(round ${(performance.now() - started).toFixed(0)} ms); signed pings meanwhile: ${ok}/${signed.length} answered 202, slowest ${Math.max(0, ...signed.map((s) => s.ms)).toFixed(0)} ms, `
    + `others ${signed.filter((s) => s.status !== 202).map((s) => s.status).join(',') || 'none'}\n`);
}

/** A slow sender: headers at once, then one byte every 50 ms of a 100 KB declared body, until answered or cut. */
function trickle(url: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    let sent = 0;
    let settled = false;
    const done = (status: number | string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(drip);
      req.destroy();
      resolve({ status, ms: performance.now() - started, sent });
    };
    const req = request(`${url}/hooks/github`, { method: 'POST', agent: false, headers: {
      'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': `trickle-${Math.random()}`,
      'x-hub-signature-256': `sha256=${'0'.repeat(64)}`, 'content-length': 100_000 } });
    const timer = setTimeout(() => done('timeout'), ROUND_TIMEOUT_MS);
    req.on('response', (res) => { res.resume(); done(res.statusCode ?? 0); });
    req.on('error', (err: NodeJS.ErrnoException) => { setTimeout(() => done(`cut(${err.code ?? 'error'})`), 50); });
    req.flushHeaders();
    const drip = setInterval(() => { if (!settled) { req.write('x'); sent++; } }, 50);
  });
}

/** One flooding request: writes up to BODY_BYTES until answered or cut off. */
function flood(url: string, kind: 'declared' | 'chunked' | 'forged'): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    let sent = 0;
    let settled = false;
    const done = (status: number | string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ status, ms: performance.now() - started, sent });
    };
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': `flood-${Math.random()}` };
    if (kind === 'declared') headers['content-length'] = BODY_BYTES;
    if (kind === 'forged') headers['x-hub-signature-256'] = `sha256=${'0'.repeat(64)}`;
    const req = request(`${url}/hooks/github`, { method: 'POST', headers, agent: false });
    const timer = setTimeout(() => done('timeout'), ROUND_TIMEOUT_MS);
    req.on('response', (res) => { res.resume(); done(res.statusCode ?? 0); });
    // The engine answered and closed while this client was still writing: Node's client fails the
    // write (EPIPE/ECONNRESET) before it reads the answer. Counted as cut off.
    req.on('error', (err: NodeJS.ErrnoException) => { setTimeout(() => done(`cut(${err.code ?? 'error'})`), 50); });
    const pump = () => {
      while (!settled && sent < BODY_BYTES) {
        sent += CHUNK.length;
        if (!req.write(CHUNK)) { req.once('drain', pump); return; }
      }
      if (!settled) req.end();
    };
    req.flushHeaders();
    pump();
  });
}

function post(url: string, body: string, extra: Record<string, string>): Promise<number> {
  return fetch(`${url}/hooks/github`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-github-delivery': `ok-${Math.random()}`, ...extra } })
    .then(async (r) => { await r.text(); return r.status; });
}

function sign(body: string): string {
  return `sha256=${createHmac('sha256', 'flood-bench-secret').update(body).digest('hex')}`;
}

/** A few ordinary deliveries first, so the baseline includes what serving them loads. */
async function warmUp(url: string): Promise<void> {
  for (let i = 0; i < 5; i++) await post(url, '{"zen":"warm"}', { 'x-github-event': 'ping', 'x-hub-signature-256': sign('{"zen":"warm"}') });
}

/** Discovery of Ria's group and an empty App list; 404 (a Kubernetes Status) for anything else. */
async function standInApiServer(): Promise<{ url: string; close(): void }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const json = (status: number, body: unknown) => { res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)); };
    if (req.method === 'GET' && path === `/apis/${API_VERSION}`) {
      return json(200, { kind: 'APIResourceList', groupVersion: API_VERSION, resources: [
        { name: 'apps', singularName: 'app', namespaced: true, kind: 'App', verbs: ['get', 'list'] },
        { name: 'environments', singularName: 'environment', namespaced: true, kind: 'Environment', verbs: ['get', 'list'] },
      ] });
    }
    if (req.method === 'GET' && path.endsWith('/apps')) return json(200, { kind: 'AppList', apiVersion: API_VERSION, metadata: {}, items: [] });
    json(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'not in the stand-in' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => { server.closeAllConnections(); server.close(); } };
}

async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

async function listening(output: () => string, pid: number): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    for (const line of output().split('\n')) {
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'engine listening' && entry.url) return entry.url;
      } catch { /* not a log line */ }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the engine (pid ${pid}) did not log "engine listening" within 30 s`);
}

main().catch((err: unknown) => { process.stderr.write(`webhook-flood: ${(err as Error).stack ?? String(err)}\n`); process.exitCode = 1; });
