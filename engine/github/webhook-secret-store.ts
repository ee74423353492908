/**
 * The webhook secrets per repository, as the config repository sets them: each App's
 * `webhookSecret` names a Secret in Ria's namespace whose key `secret` signs that repository's
 * deliveries. Read at most once per `ttlMs` (a burst of deliveries lists the Apps once), so a new
 * or rotated secret is used within that time.
 *
 * A named Secret that cannot be read (missing, no `secret` key) still marks its repository as
 * having its own secret, with no value: its deliveries are refused rather than accepted with the
 * shared secret. When the Apps cannot be listed, the last good answer is used; with none yet the
 * lookup fails and the delivery gets 503 (GitHub shows it failed; the poll is the safety net).
 */
import type { KubeObjects } from '../kube/objects.js';
import { API_VERSION, type App } from '../crds/types.js';
import { normalizeRepoUrl } from './repo.js';
import type { WebhookSecrets, WebhookSecretsLookup } from './webhook-secrets.js';

export const WEBHOOK_SECRET_KEY = 'secret';

export interface WebhookSecretStoreOptions {
  objects: Pick<KubeObjects, 'list' | 'get'>;
  namespace: string;
  /** The install's shared secret (RIA_WEBHOOK_SECRET), if any. */
  shared?: string;
  ttlMs?: number;
  /** After a failed read, the next one is tried no sooner than this. */
  retryMs?: number;
  now?: () => number;
  onError?: (err: Error) => void;
}

type SecretObject = { data?: Record<string, string> };

export function createWebhookSecretStore(options: WebhookSecretStoreOptions): WebhookSecretsLookup {
  const { objects, namespace, shared, ttlMs = 30_000, retryMs = 5_000, now = Date.now, onError } = options;
  let last: { at: number; value: WebhookSecrets } | undefined;
  let pending: Promise<WebhookSecrets> | undefined;
  let failed: { at: number; error: Error } | undefined;

  async function load(): Promise<WebhookSecrets> {
    const apps = await objects.list<App>(API_VERSION, 'App', { namespace });
    const names = new Set(apps.map((a) => a.spec.webhookSecret).filter((n): n is string => !!n));
    const values = new Map<string, string | undefined>();
    await Promise.all([...names].map(async (name) => {
      const secret = await objects.get<SecretObject>({ apiVersion: 'v1', kind: 'Secret', namespace, name }).catch((err: Error) => { onError?.(err); return undefined; });
      const raw = secret?.data?.[WEBHOOK_SECRET_KEY];
      const value = raw ? Buffer.from(raw, 'base64').toString('utf8') : undefined;
      if (!value) onError?.(new Error(`webhook Secret ${namespace}/${name} is missing or has no "${WEBHOOK_SECRET_KEY}" key: deliveries for its repositories are refused`));
      values.set(name, value);
    }));
    return toWebhookSecrets(apps, values, shared);
  }

  return () => {
    if (last && now() - last.at < ttlMs) return Promise.resolve(last.value);
    // A failed read is not retried for a while: a burst of deliveries during an API server
    // outage must not turn into a burst of requests to it (or of log lines).
    if (!last && failed && now() - failed.at < retryMs) return Promise.reject(failed.error);
    pending ??= load().then((value) => {
      last = { at: now(), value };
      failed = undefined;
      return value;
    }, (err: Error) => {
      onError?.(err);
      failed = { at: now(), error: err };
      if (last) {
        // Keep the last good answer, and ask again only after `retryMs`.
        last = { at: now() - ttlMs + retryMs, value: last.value };
        return last.value;
      }
      throw err;
    }).finally(() => { pending = undefined; });
    return pending;
  };
}

/** Pure: Apps and the values of the Secrets they name → secrets per repository. */
export function toWebhookSecrets(apps: ReadonlyArray<Pick<App, 'spec'>>, values: ReadonlyMap<string, string | undefined>, shared?: string): WebhookSecrets {
  const repos = new Map<string, string[]>();
  for (const app of apps) {
    const name = app.spec.webhookSecret;
    if (!name) continue;
    const key = normalizeRepoUrl(app.spec.repo);
    const list = repos.get(key) ?? [];
    const value = values.get(name);
    if (value && !list.includes(value)) list.push(value);
    repos.set(key, list);
  }
  return { ...(shared ? { shared } : {}), repos };
}
