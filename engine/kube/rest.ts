import { request as httpsRequest, type RequestOptions } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { KubeAccess } from './kube-access.js';
import { KubeApiError, type KubeObjectRef } from './errors.js';
import { TlsAgents } from './tls-agent.js';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'apply' | 'patch' | 'update' | 'delete';
const WRITE_VERBS: ReadonlySet<Verb> = new Set(['create', 'apply', 'patch', 'update', 'delete']);

export interface RequestStats {
  reads: number; writes: number; byVerb: Record<string, number>;
  /** New connections opened (the rest reused a kept-alive one). */
  connections: number;
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
}

/**
 * The engine's one way to talk to the API server: JSON over HTTPS with the kubeconfig's
 * credentials, typed errors, and a count of reads and writes (a no-op reconcile must write
 * nothing; the count proves it). Watches stream over the same agent ({@link KubeRest.watch}).
 */
export class KubeRest {
  readonly stats: RequestStats = { reads: 0, writes: 0, byVerb: {}, connections: 0 };
  private readonly server: URL;
  /**
   * One keep-alive agent for all calls. client-node makes a new Agent per request, which means a
   * new TCP connection and TLS handshake (with client-certificate auth) per call: most of the
   * time of a small request. Rebuilt when the TLS material changes (rotated certificates).
   */
  private readonly agents = new TlsAgents();

  constructor(private readonly kc: KubeAccess, private readonly defaultTimeoutMs = 30_000) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new KubeApiError('connect', undefined, 0, 'the kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
  }

  async call<T>(req: KubeRequest): Promise<T> {
    const url = new URL(this.server.href.replace(/\/$/, '') + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
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
    this.stats.byVerb[req.verb] = (this.stats.byVerb[req.verb] ?? 0) + 1;
    if (WRITE_VERBS.has(req.verb)) this.stats.writes++; else this.stats.reads++;
    const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
    // Always framed by Content-Length: Node sends a DELETE body without chunked encoding, so an
    // unframed body would be read by the server as the start of the next request on a kept-alive
    // connection (and answered "400 Bad Request").
    if (payload !== undefined) (options.headers as Record<string, string | number>)['content-length'] = Buffer.byteLength(payload);
    const timeoutMs = req.timeoutMs ?? this.defaultTimeoutMs;
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
      const r = send(url, { ...options, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      r.on('socket', () => { if (!r.reusedSocket) this.stats.connections++; });
      r.on('timeout', () => r.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      r.on('error', reject);
      if (payload !== undefined) r.write(payload);
      r.end();
    }).catch((err: Error) => { throw new KubeApiError(req.verb, req.ref, 0, `API server unreachable: ${err.message}`, undefined, err); });
    if (status >= 200 && status < 300) return (req.text ? body : body ? JSON.parse(body) : {}) as T;
    let message = `HTTP ${status}`;
    let reason: string | undefined;
    try {
      const parsed = JSON.parse(body) as { message?: string; reason?: string };
      message = parsed.message ?? message;
      reason = parsed.reason;
    } catch { if (body) message = `${message}: ${body.slice(0, 300)}`; }
    throw new KubeApiError(req.verb, req.ref, status, message, reason);
  }

  /**
   * A GET whose answer is a stream (pods/log?follow=true): each chunk goes to `onData` as it
   * comes; resolves when the server ends it or `signal` aborts. No timeout: a quiet log is no error.
   */
  async stream(req: Omit<KubeRequest, 'method' | 'body'>, onData: (chunk: Buffer) => void, signal: AbortSignal): Promise<void> {
    const url = new URL(this.server.href.replace(/\/$/, '') + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const options: RequestOptions = { method: 'GET', headers: { accept: '*/*' } };
    await this.kc.applyToHTTPSOptions(options);
    this.stats.byVerb[req.verb] = (this.stats.byVerb[req.verb] ?? 0) + 1;
    this.stats.reads++;
    if (signal.aborted) return;
    await new Promise<void>((resolve, reject) => {
      const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
      const r = send(url, options, (res) => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            let message = `HTTP ${status}`;
            try { message = (JSON.parse(body) as { message?: string }).message ?? message; } catch { if (body) message = `${message}: ${body.slice(0, 300)}`; }
            reject(new KubeApiError(req.verb, req.ref, status, message));
          });
          return;
        }
        res.on('data', onData);
        res.on('end', () => resolve());
        res.on('error', (err) => (signal.aborted ? resolve() : reject(err)));
      });
      const abort = () => { r.destroy(); resolve(); };
      signal.addEventListener('abort', abort, { once: true });
      r.on('close', () => signal.removeEventListener('abort', abort));
      r.on('error', (err) => (signal.aborted ? resolve() : reject(new KubeApiError(req.verb, req.ref, 0, `API server unreachable: ${err.message}`, undefined, err))));
      r.end();
    });
  }

  /**
   * A streaming GET (a watch): each line of the answer (one JSON event per line) goes to `onLine`
   * as it arrives; resolves when the server ends the answer, rejects on a network error, an HTTP
   * error (as KubeApiError) or `idleMs` without a byte (a half-open connection). Aborting `signal`
   * ends it quietly. Counted as one read.
   */
  async watch(req: { path: string; query?: KubeRequest['query']; idleMs: number; signal: AbortSignal }, onLine: (line: string) => void): Promise<void> {
    const url = new URL(this.server.href.replace(/\/$/, '') + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const options: RequestOptions = { method: 'GET', headers: { accept: 'application/json' } };
    await this.kc.applyToHTTPSOptions(options);
    if (url.protocol === 'https:') options.agent = this.agents.for(options);
    this.stats.byVerb.watch = (this.stats.byVerb.watch ?? 0) + 1;
    this.stats.reads++;
    if (req.signal.aborted) return;
    await new Promise<void>((resolve, reject) => {
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
          if (status >= 200 && status < 300) { if (pending.trim()) onLine(pending.trim()); resolve(); return; }
          let message = `HTTP ${status}`;
          let reason: string | undefined;
          try { ({ message = message, reason } = JSON.parse(pending) as { message?: string; reason?: string }); } catch { /* not a Status */ }
          reject(new KubeApiError('watch', undefined, status, message, reason));
        });
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('the API server closed the watch mid-answer')));
      });
      const abort = () => { r.destroy(); resolve(); };
      req.signal.addEventListener('abort', abort, { once: true });
      r.on('close', () => req.signal.removeEventListener('abort', abort));
      r.on('socket', () => { if (!r.reusedSocket) this.stats.connections++; });
      r.on('timeout', () => r.destroy(new Error(`no byte from the watch within ${req.idleMs} ms`)));
      r.on('error', (err) => (req.signal.aborted ? resolve() : reject(new KubeApiError('watch', undefined, 0, `API server unreachable: ${err.message}`, undefined, err))));
      r.end();
    });
  }

  /** Closes idle keep-alive connections (tests and shutdown; open sockets would keep a process alive). */
  close(): void {
    this.agents.close();
  }
}
