import { request as httpsRequest, type RequestOptions } from 'node:https';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { KubeAccess } from './kube-access.js';
import { KubeApiError, type KubeObjectRef } from './errors.js';
import { TlsAgents } from './tls-agent.js';
import { DEFAULT_RETRY_POLICY, nextRetry, realSleep, retriedNote, type RetryNote, type RetryPolicy, type RetryState, type Sleep } from './retry.js';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'apply' | 'patch' | 'update' | 'delete';
const WRITE_VERBS: ReadonlySet<Verb> = new Set(['create', 'apply', 'patch', 'update', 'delete']);

export interface RequestStats {
  /** Requests sent: a retried request counts once per time it was sent (the API server saw each). */
  reads: number; writes: number; byVerb: Record<string, number>;
  /** New connections opened (the rest reused a kept-alive one). */
  connections: number;
  /** Requests sent again after a 429 or 5xx with Retry-After, by reason (engine/kube/retry.ts). */
  retries: Record<string, number>;
}

export interface KubeRequest {
  verb: Verb;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  ref?: KubeObjectRef;
  timeoutMs?: number;
  /**
   * Make the request as this user (`Impersonate-User`), e.g. an environment's ServiceAccount
   * `system:serviceaccount:NS:NAME`: the API server authorizes (and admits) it as that identity,
   * provided the kubeconfig's own identity may impersonate it. Same connection, same counts.
   */
  impersonate?: string;
  /** The body as text, not parsed (pods/log answers text/plain). */
  text?: boolean;
  /** false: the first answer is final, even a 429 (a caller with its own retry schedule and deadline: the Lease). */
  retry?: boolean;
}

export interface KubeRestOptions {
  /** A request without an answer for this long fails (default 30 s; watches and streams have their own). */
  timeoutMs?: number;
  /** When a 429 or 5xx is sent again (engine/kube/retry.ts; default: client-go's 10 retries, 10 s cap, 30 s in all). */
  retry?: Partial<RetryPolicy>;
  /** How a retry waits (tests pass one that does not). */
  sleep?: Sleep;
  /** Told of every retry before its wait (metrics). */
  onRetry?: (note: RetryNote) => void;
}

/** A non-2xx answer, read in full. */
interface FailedAnswer { status: number; body: string; headers: IncomingHttpHeaders }

/**
 * The engine's one way to talk to the API server: JSON over HTTPS with the kubeconfig's
 * credentials, typed errors, a count of reads and writes (a no-op reconcile must write nothing;
 * the count proves it), and a request the server asked to send again (429 or 5xx with
 * Retry-After, engine/kube/retry.ts) sent again. Watches stream over the same agent
 * ({@link KubeRest.watch}).
 */
export class KubeRest {
  readonly stats: RequestStats = { reads: 0, writes: 0, byVerb: {}, connections: 0, retries: {} };
  private readonly server: URL;
  /**
   * One keep-alive agent for all calls. client-node makes a new Agent per request, which means a
   * new TCP connection and TLS handshake (with client-certificate auth) per call: most of the
   * time of a small request. Rebuilt when the TLS material changes (rotated certificates).
   */
  private readonly agents = new TlsAgents();
  private readonly defaultTimeoutMs: number;
  private readonly policy: RetryPolicy;
  private readonly sleep: Sleep;
  private readonly onRetry: ((note: RetryNote) => void) | undefined;

  constructor(private readonly kc: KubeAccess, options: KubeRestOptions = {}) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new KubeApiError('connect', undefined, 0, 'the kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
    this.defaultTimeoutMs = options.timeoutMs ?? 30_000;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.sleep = options.sleep ?? realSleep;
    this.onRetry = options.onRetry;
  }

  async call<T>(req: KubeRequest): Promise<T> {
    const state: RetryState = { retries: 0, waitedMs: 0 };
    for (;;) {
      const answer = await this.callOnce(req);
      if (answer.status >= 200 && answer.status < 300) return (req.text ? answer.body : answer.body ? JSON.parse(answer.body) : {}) as T;
      if (!(await this.waitToRetry(req, answer, state))) throw answerError(req.verb, req.ref, answer, state);
    }
  }

  /**
   * A GET whose answer is a stream (pods/log?follow=true): each chunk goes to `onData` as it
   * comes; resolves when the server ends it or `signal` aborts. No timeout: a quiet log is no error.
   * Sent again (before any chunk) on an answer that asks for it, as {@link KubeRest.call}.
   */
  async stream(req: Omit<KubeRequest, 'method' | 'body'>, onData: (chunk: Buffer) => void, signal: AbortSignal): Promise<void> {
    const state: RetryState = { retries: 0, waitedMs: 0 };
    while (!signal.aborted) {
      const failed = await this.streamOnce(req, onData, signal);
      if (!failed) return;
      if (!(await this.waitToRetry({ ...req, method: 'GET' }, failed, state, signal))) throw answerError(req.verb, req.ref, failed, state);
    }
  }

  /**
   * A streaming GET (a watch): each line of the answer (one JSON event per line) goes to `onLine`
   * as it arrives; resolves when the server ends the answer, rejects on a network error, an HTTP
   * error (as KubeApiError) or `idleMs` without a byte (a half-open connection). Aborting `signal`
   * ends it quietly. Counted as one read per time it is sent: an answer asking for a retry (429,
   * 5xx with Retry-After, before any event) is waited for and the watch sent again.
   */
  async watch(req: { path: string; query?: KubeRequest['query']; idleMs: number; signal: AbortSignal }, onLine: (line: string) => void): Promise<void> {
    const state: RetryState = { retries: 0, waitedMs: 0 };
    while (!req.signal.aborted) {
      const failed = await this.watchOnce(req, onLine);
      if (!failed) return;
      if (!(await this.waitToRetry({ verb: 'watch', method: 'GET' }, failed, state, req.signal))) throw answerError('watch', undefined, failed, state);
    }
  }

  /** Closes idle keep-alive connections (tests and shutdown; open sockets would keep a process alive). */
  close(): void {
    this.agents.close();
  }

  /** Waits before a retry when the answer asks for one and the policy allows it; false: the answer is final. */
  private async waitToRetry(req: { verb: string; method: string; retry?: boolean }, answer: FailedAnswer, state: RetryState, signal?: AbortSignal): Promise<boolean> {
    if (req.retry === false) return false;
    const next = nextRetry({ status: answer.status, retryAfter: answer.headers['retry-after'] }, req, state, this.policy);
    if (!next) return false;
    this.stats.retries[next.reason] = (this.stats.retries[next.reason] ?? 0) + 1;
    this.onRetry?.({ reason: next.reason, verb: req.verb, status: answer.status, waitMs: next.waitMs, attempt: state.retries + 1 });
    await this.sleep(next.waitMs, signal);
    state.retries++;
    state.waitedMs += next.waitMs;
    return true;
  }

  private url(req: { path: string; query?: KubeRequest['query'] }): URL {
    const url = new URL(this.server.href.replace(/\/$/, '') + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  private count(verb: string): void {
    this.stats.byVerb[verb] = (this.stats.byVerb[verb] ?? 0) + 1;
    if (WRITE_VERBS.has(verb as Verb)) this.stats.writes++; else this.stats.reads++;
  }

  /** One request, its answer read in full whatever the status. */
  private async callOnce(req: KubeRequest): Promise<FailedAnswer> {
    const url = this.url(req);
    const options: RequestOptions = {
      method: req.method,
      headers: {
        accept: req.text ? 'text/plain, */*' : 'application/json',
        ...(req.body !== undefined ? { 'content-type': req.contentType ?? 'application/json' } : {}),
        ...(req.impersonate ? { 'impersonate-user': req.impersonate } : {}),
      },
    };
    await this.kc.applyToHTTPSOptions(options);
    if (url.protocol === 'https:') options.agent = this.agents.for(options);
    this.count(req.verb);
    const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
    // Always framed by Content-Length: Node sends a DELETE body without chunked encoding, so an
    // unframed body would be read by the server as the start of the next request on a kept-alive
    // connection (and answered "400 Bad Request").
    if (payload !== undefined) (options.headers as Record<string, string | number>)['content-length'] = Buffer.byteLength(payload);
    const timeoutMs = req.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise<FailedAnswer>((resolve, reject) => {
      const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
      const r = send(url, { ...options, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
        res.on('error', reject);
      });
      r.on('socket', () => { if (!r.reusedSocket) this.stats.connections++; });
      r.on('timeout', () => r.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      r.on('error', reject);
      if (payload !== undefined) r.write(payload);
      r.end();
    }).catch((err: Error) => { throw new KubeApiError(req.verb, req.ref, 0, `API server unreachable: ${err.message}`, undefined, err); });
  }

  /** One streaming GET: undefined when it ended (or was aborted), the answer when it was not a 2xx. */
  private async streamOnce(req: Omit<KubeRequest, 'method' | 'body'>, onData: (chunk: Buffer) => void, signal: AbortSignal): Promise<FailedAnswer | undefined> {
    const url = this.url(req);
    const options: RequestOptions = { method: 'GET', headers: { accept: '*/*' } };
    await this.kc.applyToHTTPSOptions(options);
    this.stats.byVerb[req.verb] = (this.stats.byVerb[req.verb] ?? 0) + 1;
    this.stats.reads++;
    if (signal.aborted) return undefined;
    return new Promise<FailedAnswer | undefined>((resolve, reject) => {
      const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
      const r = send(url, options, (res) => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
          return;
        }
        res.on('data', onData);
        res.on('end', () => resolve(undefined));
        res.on('error', (err) => (signal.aborted ? resolve(undefined) : reject(err)));
      });
      const abort = () => { r.destroy(); resolve(undefined); };
      signal.addEventListener('abort', abort, { once: true });
      r.on('close', () => signal.removeEventListener('abort', abort));
      r.on('error', (err) => (signal.aborted ? resolve(undefined) : reject(new KubeApiError(req.verb, req.ref, 0, `API server unreachable: ${err.message}`, undefined, err))));
      r.end();
    });
  }

  /** One watch: undefined when the server ended it (or it was aborted), the answer when it was not a 2xx. */
  private async watchOnce(req: { path: string; query?: KubeRequest['query']; idleMs: number; signal: AbortSignal }, onLine: (line: string) => void): Promise<FailedAnswer | undefined> {
    const url = this.url(req);
    const options: RequestOptions = { method: 'GET', headers: { accept: 'application/json' } };
    await this.kc.applyToHTTPSOptions(options);
    if (url.protocol === 'https:') options.agent = this.agents.for(options);
    this.stats.byVerb.watch = (this.stats.byVerb.watch ?? 0) + 1;
    this.stats.reads++;
    if (req.signal.aborted) return undefined;
    return new Promise<FailedAnswer | undefined>((resolve, reject) => {
      const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
      const r = send(url, { ...options, timeout: req.idleMs }, (res) => {
        const status = res.statusCode ?? 0;
        let pending = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          pending += chunk;
          if (status < 200 || status >= 300) return;
          let nl: number;
          while ((nl = pending.indexOf('\n')) >= 0) {
            const line = pending.slice(0, nl).trim();
            pending = pending.slice(nl + 1);
            if (line) {
              try { onLine(line); } catch (err) { r.destroy(err as Error); return; }
            }
          }
        });
        res.on('end', () => {
          if (status >= 200 && status < 300) { if (pending.trim()) onLine(pending.trim()); resolve(undefined); return; }
          resolve({ status, body: pending, headers: res.headers });
        });
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('the API server closed the watch mid-answer')));
      });
      const abort = () => { r.destroy(); resolve(undefined); };
      req.signal.addEventListener('abort', abort, { once: true });
      r.on('close', () => req.signal.removeEventListener('abort', abort));
      r.on('socket', () => { if (!r.reusedSocket) this.stats.connections++; });
      r.on('timeout', () => r.destroy(new Error(`no byte from the watch within ${req.idleMs} ms`)));
      r.on('error', (err) => (req.signal.aborted ? resolve(undefined) : reject(new KubeApiError('watch', undefined, 0, `API server unreachable: ${err.message}`, undefined, err))));
      r.end();
    });
  }
}

/** The API server's own message and reason (a Status body), else the status and the body's start; how long it was retried. */
function answerError(verb: string, ref: KubeObjectRef | undefined, answer: FailedAnswer, state: RetryState): KubeApiError {
  let message = `HTTP ${answer.status}`;
  let reason: string | undefined;
  try {
    const parsed = JSON.parse(answer.body) as { message?: string; reason?: string };
    message = parsed.message ?? message;
    reason = parsed.reason;
  } catch { if (answer.body) message = `${message}: ${answer.body.slice(0, 300)}`; }
  return new KubeApiError(verb, ref, answer.status, `${message}${retriedNote(state)}`, reason);
}
