/**
 * How the engine reaches the API server: the server URL and, for each request, the TLS material
 * and credentials, read from a kubeconfig file or, in a Pod, from the service account
 * (client-go's and client-node's order: the file given, $KUBECONFIG, ~/.kube/config, in-cluster).
 *
 * The engine's own loader rather than client-node's KubeConfig: importing client-node costs the
 * engine process ~58 MiB of RSS (its generated API models load with it), for two methods. It
 * covers certificates, tokens (a token file is read again as it rotates), basic auth and the
 * in-cluster service account; a kubeconfig user with an `exec` plugin or an `auth-provider`
 * (cloud logins) is handed to client-node's KubeConfig, loaded only then.
 */
import { readFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { isIPv6 } from 'node:net';
import type { RequestOptions } from 'node:https';
import { parse } from 'yaml';
import { RiaError } from '../errors.js';

/** What KubeRest needs; client-node's KubeConfig has the same two methods. */
export interface KubeAccess {
  getCurrentCluster(): { server: string } | null;
  applyToHTTPSOptions(options: RequestOptions): Promise<void>;
}

export class KubeconfigError extends RiaError {
  constructor(message: string, data: Record<string, unknown> = {}) {
    super('KubeconfigError', message, data);
  }
}

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
const TOKEN_REREAD_MS = 60_000;

interface Named<T> { name: string; [key: string]: unknown; cluster?: T; user?: T; context?: T }
interface ClusterEntry { server?: string; 'certificate-authority'?: string; 'certificate-authority-data'?: string; 'insecure-skip-tls-verify'?: boolean; 'tls-server-name'?: string }
interface UserEntry {
  'client-certificate'?: string; 'client-certificate-data'?: string; 'client-key'?: string; 'client-key-data'?: string;
  token?: string; tokenFile?: string; username?: string; password?: string; exec?: unknown; 'auth-provider'?: unknown;
}

/** The resolved pieces of one context. */
export interface AccessConfig {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  insecure?: boolean;
  servername?: string;
  token?: string;
  tokenFile?: string;
  basic?: { username: string; password: string };
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  home?: string;
  /** Where the service account's files are (tests). */
  serviceAccountDir?: string;
  readFile?: (path: string) => Buffer;
  now?: () => number;
}

/** Loads the kubeconfig to talk to (see the module comment for the order). */
export async function loadKubeAccess(file?: string, options: LoadOptions = {}): Promise<KubeAccess> {
  const { env = process.env, home = homedir(), serviceAccountDir = SERVICE_ACCOUNT, readFile = (p: string) => readFileSync(p) } = options;
  const path = file ?? (env.KUBECONFIG ? env.KUBECONFIG.split(':').find((p) => p) : undefined) ?? (existsSync(join(home, '.kube', 'config')) ? join(home, '.kube', 'config') : undefined);
  if (path) {
    const text = readFile(path).toString('utf8');
    const doc = parse(text) as Record<string, unknown> | null;
    if (needsClientNode(doc)) {
      // Cloud logins (exec plugins, auth providers): client-node knows them all.
      const { KubeConfig } = await import('@kubernetes/client-node');
      const kc = new KubeConfig();
      kc.loadFromString(text);
      return kc;
    }
    return fromAccessConfig(resolveKubeconfig(doc, dirname(path), readFile), readFile, options.now);
  }
  if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT) {
    return fromAccessConfig(inCluster(env, serviceAccountDir, readFile), readFile, options.now);
  }
  throw new KubeconfigError('no kubeconfig: none given, $KUBECONFIG unset, no ~/.kube/config, and not running in a Pod');
}

function needsClientNode(doc: Record<string, unknown> | null): boolean {
  try {
    const user = currentUser(doc);
    return Boolean(user?.exec || user?.['auth-provider']);
  } catch { return false; }
}

function currentUser(doc: Record<string, unknown> | null): UserEntry | undefined {
  const context = pick<{ user?: string }>(doc, 'contexts', 'context', String(doc?.['current-context'] ?? ''));
  return context?.user ? pick<UserEntry>(doc, 'users', 'user', context.user) : undefined;
}

function pick<T>(doc: Record<string, unknown> | null, list: string, field: 'cluster' | 'user' | 'context', name: string): T | undefined {
  const entries = (doc?.[list] ?? []) as Array<Named<T>>;
  return entries.find((e) => e.name === name)?.[field];
}

/** The current context of a parsed kubeconfig, its files read (relative paths are relative to the kubeconfig). */
export function resolveKubeconfig(doc: Record<string, unknown> | null, baseDir: string, readFile: (path: string) => Buffer): AccessConfig {
  const contextName = String(doc?.['current-context'] ?? '');
  if (!contextName) throw new KubeconfigError('the kubeconfig has no current-context');
  const context = pick<{ cluster?: string; user?: string }>(doc, 'contexts', 'context', contextName);
  if (!context) throw new KubeconfigError(`the kubeconfig has no context "${contextName}"`, { context: contextName });
  const cluster = pick<ClusterEntry>(doc, 'clusters', 'cluster', context.cluster ?? '');
  if (!cluster?.server) throw new KubeconfigError(`the kubeconfig has no cluster "${context.cluster ?? ''}" with a server`, { context: contextName });
  const user = context.user ? pick<UserEntry>(doc, 'users', 'user', context.user) ?? {} : {};
  const file = (p: string) => readFile(isAbsolute(p) ? p : join(baseDir, p));
  const data = (inline: string | undefined, path: string | undefined) => (inline ? Buffer.from(inline, 'base64') : path ? file(path) : undefined);
  const ca = data(cluster['certificate-authority-data'], cluster['certificate-authority']);
  const cert = data(user['client-certificate-data'], user['client-certificate']);
  const key = data(user['client-key-data'], user['client-key']);
  return {
    server: cluster.server,
    ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}),
    ...(cluster['insecure-skip-tls-verify'] ? { insecure: true } : {}),
    ...(cluster['tls-server-name'] ? { servername: cluster['tls-server-name'] } : {}),
    ...(user.token ? { token: user.token } : {}),
    ...(user.tokenFile ? { tokenFile: isAbsolute(user.tokenFile) ? user.tokenFile : join(baseDir, user.tokenFile) } : {}),
    ...(user.username && user.password ? { basic: { username: user.username, password: user.password } } : {}),
  };
}

/** A Pod's own service account: the API server's Service, its CA, the projected token (rotated by the kubelet). */
export function inCluster(env: NodeJS.ProcessEnv, dir: string, readFile: (path: string) => Buffer): AccessConfig {
  const host = env.KUBERNETES_SERVICE_HOST!;
  const port = env.KUBERNETES_SERVICE_PORT!;
  const scheme = ['80', '8080', '8001'].includes(port) ? 'http' : 'https';
  return { server: `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`, ca: readFile(join(dir, 'ca.crt')), tokenFile: join(dir, 'token') };
}

export function fromAccessConfig(config: AccessConfig, readFile: (path: string) => Buffer = (p) => readFileSync(p), now: () => number = Date.now): KubeAccess {
  let token: { value: string; readAt: number } | undefined;
  const bearer = (): string | undefined => {
    if (!config.tokenFile) return config.token;
    if (!token || now() - token.readAt > TOKEN_REREAD_MS) token = { value: readFile(config.tokenFile).toString('utf8').trim(), readAt: now() };
    return token.value;
  };
  return {
    getCurrentCluster: () => ({ server: config.server }),
    async applyToHTTPSOptions(options: RequestOptions): Promise<void> {
      if (config.ca) options.ca = config.ca;
      if (config.cert) options.cert = config.cert;
      if (config.key) options.key = config.key;
      if (config.insecure) options.rejectUnauthorized = false;
      if (config.servername) options.servername = config.servername;
      const headers = (options.headers ??= {}) as Record<string, string>;
      const t = bearer();
      if (t) headers.authorization = `Bearer ${t}`;
      else if (config.basic) headers.authorization = `Basic ${Buffer.from(`${config.basic.username}:${config.basic.password}`).toString('base64')}`;
    },
  };
}
