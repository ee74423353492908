/**
 * A local git smart-HTTP server for tests, benchmarks and `ria dev`: real git behind node:http,
 * serving bare repositories from a directory. Pushes are enabled. It can play dead (`setDown`)
 * so the engine's backoff can be exercised against a real outage.
 *
 * The smart-HTTP requests (`info/refs?service=`, `git-upload-pack`, `git-receive-pack`) on an
 * existing repository run `git upload-pack` / `git receive-pack --stateless-rpc` directly, as
 * `git http-backend` itself does for them: one process per request instead of two (the backend,
 * then the service it starts), the cost a benchmark's git server spends per listing and fetch.
 * Everything else (a missing repository, odd paths, the dumb protocol) goes through
 * `git http-backend` (CGI), whose answers stay the reference.
 *
 * It answers only requests whose Host is `localhost` or an IP address (with its port): a page in
 * the developer's browser that rebinds a DNS name to 127.0.0.1 arrives with that name as Host,
 * and could otherwise push a commit `ria dev`'s engine then deploys (same-origin after the
 * rebinding, so git's content type is no bar). Without rebinding, a cross-origin POST cannot
 * carry git's content type without a CORS preflight this server never answers.
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { isIP, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timingSafeEqual } from 'node:crypto';

/** How the server misbehaves while down. `503` answers every request with 503 Service Unavailable;
 * `refuse` closes the listening socket (clients get ECONNREFUSED); `hang` accepts connections and
 * never answers (clients hit their timeout). */
export type DownMode = '503' | 'refuse' | 'hang';

export interface GitServerOptions {
  /** Directory holding the bare repositories; a fresh temp dir by default. */
  root?: string;
  /** When set, every request needs these HTTP basic credentials. */
  auth?: { username: string; password: string };
  /** 0 (a free port) by default. */
  port?: number;
  /** Called once per request when the response ends (tests count requests and check protocols). */
  onRequest?: (info: RequestInfo) => void;
}

export interface RequestInfo {
  method: string;
  /** Path without the query, e.g. `/app.git/info/refs`. */
  path: string;
  query: string;
  status: number;
  /** The Git-Protocol header (`version=2`), when sent. */
  gitProtocol?: string;
  /** The Content-Encoding of the request body, when sent. */
  contentEncoding?: string;
}

export interface GitServer {
  /** http://127.0.0.1:PORT */
  url: string;
  root: string;
  /** Clone URL of a repository: `${url}/${name}.git`. */
  urlFor(repoName: string): string;
  /** Bare repository directory of a repository: `${root}/${name}.git`. */
  pathFor(repoName: string): string;
  /** `true` means '503'; `false` brings the server back. */
  setDown(mode: DownMode | boolean): Promise<void>;
  stop(): Promise<void>;
}

/** Normalises `app` and `app.git` to `app.git`. */
export function repoDirName(repoName: string): string {
  return repoName.endsWith('.git') ? repoName : `${repoName}.git`;
}

export async function startGitServer(options: GitServerOptions = {}): Promise<GitServer> {
  const root = options.root ?? (await mkdtemp(join(tmpdir(), 'ria-git-server-')));
  let down: DownMode | false = false;
  const sockets = new Set<Socket>();
  const hung = new Set<Socket>();
  let port = 0;

  const server = http.createServer((req, res) => {
    if (options.onRequest) reportRequest(req, res, options.onRequest);
    if (down === 'hang') {
      hung.add(req.socket); // never answer; the socket is destroyed when the mode changes
      return;
    }
    if (down) {
      res.writeHead(503, { 'Content-Type': 'text/plain' }).end('git server is down (simulated)\n');
      return;
    }
    if (!addressedDirectly(req.headers.host, port)) {
      req.resume();
      res.writeHead(403, { 'Content-Type': 'text/plain' }).end(`Host must be localhost:${port} or an IP address with port ${port}\n`);
      return;
    }
    const user = options.auth ? authenticate(req, options.auth) : undefined;
    if (options.auth && !user) {
      req.resume();
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="ria-git"', 'Content-Type': 'text/plain' })
        .end('authentication required\n');
      return;
    }
    if (!runService(req, res, { projectRoot: root, remoteUser: user })) runCgi(req, res, { projectRoot: root, remoteUser: user });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await listen(server, options.port ?? 0);
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const dropConnections = (which: Set<Socket>): void => {
    for (const socket of which) socket.destroy();
    which.clear();
  };

  return {
    url,
    root,
    urlFor: (name) => `${url}/${repoDirName(name)}`,
    pathFor: (name) => join(root, repoDirName(name)),
    async setDown(mode) {
      const next: DownMode | false = mode === true ? '503' : mode;
      if (next === down) return;
      const wasRefusing = down === 'refuse';
      down = next;
      // Requests left hanging end with the mode. Idle keep-alive sockets stay for 503 and up
      // (each request checks the mode), but a refusing server must not keep talking on them.
      dropConnections(hung);
      if (next === 'refuse') {
        dropConnections(sockets);
        await close(server);
      } else if (wasRefusing) {
        await listen(server, port);
      }
    },
    async stop() {
      dropConnections(sockets);
      if (server.listening) await close(server);
      // A root it made itself is nobody else's: left behind, every run would add one to /tmp.
      if (!options.root) await rm(root, { recursive: true, force: true });
    },
  };
}

/**
 * Pure: whether a request's Host names this server by `localhost` or an IP literal (v4, or v6 in
 * brackets) with its port: not by a DNS name, which a rebinding page chooses. Clients inside the
 * real node's namespace reach it at `127.0.0.1:port` or the bridge address (real-node.ts).
 */
export function addressedDirectly(host: string | undefined, port: number): boolean {
  const h = (host ?? '').toLowerCase();
  const suffix = `:${port}`;
  if (!h.endsWith(suffix)) return false;
  const name = h.slice(0, -suffix.length);
  return name === 'localhost' || isIP(name) === 4 || (name.startsWith('[') && name.endsWith(']') && isIP(name.slice(1, -1)) === 6);
}

/** Pure: a request's kind as counted: `ref advertisement`, `upload-pack` (each with ` (v2)` in protocol v2), `receive-pack`, `other`. */
export function requestKind(info: Pick<RequestInfo, 'method' | 'path' | 'query' | 'gitProtocol'>): string {
  const v2 = /version=2/.test(info.gitProtocol ?? '') ? ' (v2)' : '';
  if (info.method === 'GET' && info.path.endsWith('/info/refs')) return `ref advertisement${v2}`;
  if (info.method === 'POST' && info.path.endsWith('/git-upload-pack')) return `upload-pack${v2}`;
  if (info.method === 'POST' && info.path.endsWith('/git-receive-pack')) return 'receive-pack';
  return 'other';
}

function reportRequest(req: http.IncomingMessage, res: http.ServerResponse, onRequest: (info: RequestInfo) => void): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  res.on('finish', () => {
    const info: RequestInfo = { method: req.method ?? 'GET', path: url.pathname, query: url.search.slice(1), status: res.statusCode };
    if (req.headers['git-protocol']) info.gitProtocol = String(req.headers['git-protocol']);
    if (req.headers['content-encoding']) info.contentEncoding = req.headers['content-encoding'];
    onRequest(info);
  });
}

/** The user name when the request carries the expected basic credentials, else undefined. */
function authenticate(req: http.IncomingMessage, expected: { username: string; password: string }): string | undefined {
  const header = req.headers.authorization ?? '';
  const match = /^Basic\s+(.+)$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  return safeEqual(username, expected.username) && safeEqual(password, expected.password) ? username : undefined;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function listen(server: http.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

const SERVICES = new Set(['git-upload-pack', 'git-receive-pack']);
const NO_CACHE = { Expires: 'Fri, 01 Jan 1980 00:00:00 GMT', Pragma: 'no-cache', 'Cache-Control': 'no-cache, max-age=0, must-revalidate' };

/**
 * Pure: the repository path and service of a smart-HTTP request, when it is one (`GET
 * /r.git/info/refs?service=git-upload-pack`, `POST /r.git/git-upload-pack`), on a path with no
 * `.` segment or hidden name; undefined otherwise (http-backend answers those).
 */
export function smartRequest(method: string, rawPath: string, query: string): { repo: string; service: string; advertise: boolean } | undefined {
  let path: string;
  try { path = decodeURIComponent(rawPath); } catch { return undefined; }
  const m = /^((?:\/[A-Za-z0-9_][A-Za-z0-9._-]*)+)\/(info\/refs|git-upload-pack|git-receive-pack)$/.exec(path);
  if (!m || m[1]!.split('/').some((seg) => seg.startsWith('.'))) return undefined;
  if (m[2] === 'info/refs') {
    const service = new URLSearchParams(query).get('service') ?? '';
    return method === 'GET' && SERVICES.has(service) ? { repo: m[1]!, service, advertise: true } : undefined;
  }
  return method === 'POST' ? { repo: m[1]!, service: m[2]!, advertise: false } : undefined;
}

/**
 * Runs a smart-HTTP request's service directly (`git upload-pack --stateless-rpc [--advertise-refs]`),
 * as http-backend does for it: the `# service=` line before a v0/v1 advertisement, the request
 * body inflated when gzip, the same content types and no-cache headers. False (nothing answered)
 * when the request is not one, or its repository is not a bare repository here.
 */
function runService(req: http.IncomingMessage, res: http.ServerResponse, { projectRoot, remoteUser }: { projectRoot: string; remoteUser: string | undefined }): boolean {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const smart = smartRequest(req.method ?? 'GET', url.pathname, url.search.slice(1));
  if (!smart) return false;
  const dir = join(projectRoot, smart.repo);
  try { if (!statSync(join(dir, 'HEAD')).isFile()) return false; } catch { return false; }
  const name = smart.service.slice('git-'.length);
  if (!smart.advertise && req.headers['content-type'] !== `application/x-${smart.service}-request`) {
    req.resume();
    res.writeHead(415, { 'Content-Type': 'text/plain' }).end('Unsupported Media Type\n');
    return true;
  }
  const protocol = req.headers['git-protocol'] ? String(req.headers['git-protocol']) : undefined;
  const who = remoteUser ?? 'anonymous';
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null',
    // Who pushed, for the reflog (http-backend sets the same).
    GIT_COMMITTER_NAME: who, GIT_COMMITTER_EMAIL: `${who}@http.${req.socket.remoteAddress ?? '127.0.0.1'}`,
    ...(protocol ? { GIT_PROTOCOL: protocol } : {}),
  };
  const child = spawn('git', [name, '--stateless-rpc', ...(smart.advertise ? ['--advertise-refs'] : []), '.'], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let started = false;
  child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
  child.stdin.on('error', () => {}); // the service may exit before reading the whole body
  const begin = () => {
    if (started) return;
    started = true;
    res.writeHead(200, { ...NO_CACHE, 'Content-Type': `application/x-${smart.service}-${smart.advertise ? 'advertisement' : 'result'}` });
    // http-backend's line before a v0/v1 advertisement; v2 starts with its own `version 2`.
    if (smart.advertise && !/version=2/.test(protocol ?? '')) res.write(pktLine(`# service=${smart.service}\n`) + '0000');
  };
  if (smart.advertise) req.resume();
  else {
    const encoding = req.headers['content-encoding'];
    const body = encoding === 'gzip' || encoding === 'x-gzip' ? req.pipe(createGunzip()) : req;
    body.on('error', () => { child.kill(); if (!res.headersSent) res.writeHead(400, { 'Content-Type': 'text/plain' }).end('bad request body\n'); else res.destroy(); });
    body.pipe(child.stdin);
  }
  child.stdout.once('data', (chunk: Buffer) => {
    begin();
    res.write(chunk);
    child.stdout.pipe(res, { end: false });
  });
  child.on('error', (err) => { if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`cannot run git ${name}: ${err.message}\n`); });
  child.on('close', (code) => {
    if (res.headersSent || res.writableEnded) { res.end(); return; }
    if (code === 0) { begin(); res.end(); return; }
    res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`git ${name} exited with ${code}: ${stderr.trim()}\n`);
  });
  res.on('close', () => { if (child.exitCode === null) child.kill(); });
  return true;
}

function pktLine(payload: string): string {
  return (Buffer.byteLength(payload) + 4).toString(16).padStart(4, '0') + payload;
}

/**
 * Runs one request through `git http-backend`. The request body goes to the backend untouched,
 * gzip included: the backend inflates it itself when told the encoding (as it does behind
 * Apache), and CONTENT_LENGTH is passed only when the client sent one (chunked bodies are read
 * to EOF).
 */
function runCgi(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  { projectRoot, remoteUser }: { projectRoot: string; remoteUser: string | undefined },
): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const pathInfo = safeDecode(url.pathname);
  if (pathInfo === undefined) {
    req.resume();
    res.writeHead(400, { 'Content-Type': 'text/plain' }).end('bad path\n');
    return;
  }
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    // Isolate from the machine's git config, and allow pushes.
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.receivepack',
    GIT_CONFIG_VALUE_0: 'true',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: pathInfo,
    QUERY_STRING: url.search.slice(1),
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
  };
  if (req.headers['content-type']) env.CONTENT_TYPE = req.headers['content-type'];
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
  if (remoteUser !== undefined) {
    env.REMOTE_USER = remoteUser;
    env.AUTH_TYPE = 'Basic';
  }
  // Every other header as HTTP_*, the CGI way: HTTP_CONTENT_ENCODING (gzip bodies) and
  // HTTP_GIT_PROTOCOL (protocol v2) are the ones the backend reads.
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === 'authorization') continue;
    env[`HTTP_${name.toUpperCase().replace(/-/g, '_')}`] = Array.isArray(value) ? value.join(', ') : value;
  }
  if (req.headers['git-protocol']) env.GIT_PROTOCOL = String(req.headers['git-protocol']);

  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
  child.stdin.on('error', () => {}); // the backend may exit before reading the whole body
  req.pipe(child.stdin);

  let head = Buffer.alloc(0);
  let headersSent = false;
  const onData = (chunk: Buffer): void => {
    head = Buffer.concat([head, chunk]);
    const end = findHeaderEnd(head);
    if (!end) return;
    child.stdout.off('data', onData);
    const { status, headers } = parseCgiHeaders(head.subarray(0, end.index).toString('latin1'));
    res.writeHead(status, headers);
    headersSent = true;
    res.write(head.subarray(end.index + end.length));
    child.stdout.pipe(res);
  };
  child.stdout.on('data', onData);
  child.on('error', (err) => fail(`cannot run git http-backend: ${err.message}`));
  child.on('close', (code) => {
    if (!headersSent) fail(`git http-backend exited with ${code} before sending headers: ${stderr.trim()}`);
  });
  res.on('close', () => { if (child.exitCode === null) child.kill(); });

  function fail(message: string): void {
    if (headersSent || res.headersSent) return void res.destroy();
    headersSent = true;
    res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${message}\n`);
  }
}

function safeDecode(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}

function findHeaderEnd(buf: Buffer): { index: number; length: number } | undefined {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { index: crlf, length: 4 };
  if (lf >= 0) return { index: lf, length: 2 };
  return undefined;
}

/** Parses CGI response headers; `Status: 404 Not Found` becomes the HTTP status. */
export function parseCgiHeaders(text: string): { status: number; headers: Record<string, string | string[]> } {
  let status = 200;
  const headers: Record<string, string | string[]> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') {
      status = Number.parseInt(value, 10) || 500;
      continue;
    }
    const existing = headers[name];
    headers[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return { status, headers };
}
