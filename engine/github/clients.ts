import { createHash } from 'node:crypto';
import type { Settings } from '../config/types.js';
import type { KubeObjects } from '../kube/objects.js';
import type { Log } from '../controller/context.js';
import { GitHubError } from './errors.js';
import { createGitHubApi, type GitHubApi } from './api.js';
import { RateLimiter, type RateLimitListener } from './rate-limit.js';
import { githubSettings, type GitHubSettings } from './settings.js';

export interface GitHubClients {
  /** Current `github:` settings, or undefined when they are invalid (logged once per change). */
  settings(): GitHubSettings | undefined;
  /** The API client for the current settings and token; undefined without a token Secret. */
  api(): Promise<GitHubApi | undefined>;
}

export interface GitHubClientsOptions {
  objects: Pick<KubeObjects, 'get'>;
  namespace: string;
  settings: () => Pick<Settings, 'github'>;
  log: Log;
  onRateLimited?: RateLimitListener;
  fetch?: typeof fetch;
  /** How long a token read from its Secret is reused (installation tokens rotate hourly). */
  tokenTtlMs?: number;
  now?: () => number;
}

/**
 * Builds API clients from ria.yaml and the token Secret, re-reading the Secret every minute so a
 * rotated token is picked up without a restart. One client (and rate limiter) per API URL and
 * token: a new token gets a fresh budget.
 */
export function createGitHubClients(options: GitHubClientsOptions): GitHubClients {
  const { objects, namespace, log, tokenTtlMs = 60_000, now = Date.now } = options;
  let lastSettingsError: string | undefined;
  let token: { secret: string; value: string; at: number } | undefined;
  const apis = new Map<string, GitHubApi>();

  const settings = (): GitHubSettings | undefined => {
    try {
      const s = githubSettings(options.settings());
      lastSettingsError = undefined;
      return s;
    } catch (err) {
      const message = (err as Error).message;
      if (message !== lastSettingsError) log.error('GitHub integration off: invalid settings', { error: message });
      lastSettingsError = message;
      return undefined;
    }
  };

  const readToken = async (secretName: string): Promise<string> => {
    if (token && token.secret === secretName && now() - token.at < tokenTtlMs) return token.value;
    const secret = await objects.get<{ data?: Record<string, string> }>({ apiVersion: 'v1', kind: 'Secret', namespace, name: secretName });
    const encoded = secret?.data?.token;
    if (!encoded) throw new GitHubError('GitHubTokenMissing', `GitHub token Secret ${namespace}/${secretName} is missing or has no "token" key`, 500, { secret: secretName });
    token = { secret: secretName, value: Buffer.from(encoded, 'base64').toString('utf8').trim(), at: now() };
    return token.value;
  };

  return {
    settings,
    async api() {
      const s = settings();
      if (!s?.tokenSecret) return undefined;
      const value = await readToken(s.tokenSecret);
      const key = `${s.apiUrl}#${createHash('sha256').update(value).digest('hex').slice(0, 16)}`;
      let api = apis.get(key);
      if (!api) {
        apis.clear();
        api = createGitHubApi({ baseUrl: s.apiUrl, token: value, limiter: new RateLimiter(now, options.onRateLimited), ...(options.fetch ? { fetch: options.fetch } : {}) });
        apis.set(key, api);
      }
      return api;
    },
  };
}
