/**
 * Which secret may sign a delivery. One shared secret (RIA_WEBHOOK_SECRET, from the install
 * Secret) signs for every repository that has none of its own; a repository whose app names a
 * `webhookSecret` in the config repository is only accepted with that secret, so the owner of one
 * app repository (who knows its secret) cannot sign deliveries for another.
 *
 * The repository is only known from the payload. The body (at most 4 MiB) is parsed before its
 * signature is checked, only to learn the repository; the HMAC is then computed with the secrets
 * allowed for that repository alone (its own, at most MAX_SECRETS_TRIED, else the shared one), so
 * a delivery costs one or two SHA-256 passes however many repositories have secrets (it was one
 * pass per distinct secret). Nothing of the payload is acted on before a match. Pure, apart from
 * the type of the lookup.
 */
import { normalizeRepoUrl } from './repo.js';

export interface WebhookSecrets {
  /** The shared secret, when the install has one. */
  shared?: string;
  /**
   * Normalized repository URL (see normalizeRepoUrl) → the secrets of the apps that use it. A
   * repository listed with no value has a secret of its own that could not be read: refused.
   */
  repos: ReadonlyMap<string, readonly string[]>;
}

/** What the route asks for on each delivery; cached by the provider (see webhook-secret-store.ts). */
export type WebhookSecretsLookup = () => Promise<WebhookSecrets>;

/** At most this many secrets are tried on one delivery (several apps of one repository, each with its own). */
export const MAX_SECRETS_TRIED = 4;

/**
 * The secrets a delivery with this payload may be signed with, the only ones its HMAC is computed
 * with: the repository's own when it has any (none readable: none), else the shared one. A
 * payload that is not JSON (`undefined`) may only be signed with the shared secret.
 */
export function secretsFor(secrets: WebhookSecrets, payload: unknown): string[] {
  const repoUrl = payload === undefined ? undefined : payloadRepoUrl(payload);
  const own = repoUrl ? secrets.repos.get(normalizeRepoUrl(repoUrl)) : undefined;
  if (own) return [...new Set(own)].slice(0, MAX_SECRETS_TRIED);
  return secrets.shared ? [secrets.shared] : [];
}

/** Every distinct secret value a delivery may be signed with. */
export function candidateSecrets(secrets: WebhookSecrets): string[] {
  const all = new Set<string>();
  if (secrets.shared) all.add(secrets.shared);
  for (const list of secrets.repos.values()) for (const s of list) all.add(s);
  return [...all];
}

export type Authorization = { ok: true } | { ok: false; reason: string };

/**
 * Given the secrets whose HMAC matched and the (now trusted) payload: is the delivery signed by a
 * secret allowed for its repository? A payload without a repository (an App-level event) needs
 * the shared secret.
 */
export function authorizeDelivery(secrets: WebhookSecrets, matched: readonly string[], payload: unknown): Authorization {
  const repoUrl = payloadRepoUrl(payload);
  const own = repoUrl ? secrets.repos.get(normalizeRepoUrl(repoUrl)) : undefined;
  if (own) {
    if (!own.length) return { ok: false, reason: 'this repository\'s webhook Secret could not be read' };
    return matched.some((s) => own.includes(s)) ? { ok: true } : { ok: false, reason: 'this repository has its own webhook secret; the delivery is not signed with it' };
  }
  if (secrets.shared && matched.includes(secrets.shared)) return { ok: true };
  return { ok: false, reason: repoUrl ? 'not signed with the webhook secret of this repository (the shared one)' : 'no repository in the payload: only the shared webhook secret may sign it' };
}

function payloadRepoUrl(payload: unknown): string | undefined {
  const repo = (payload as { repository?: { clone_url?: unknown; html_url?: unknown } } | null)?.repository;
  const url = repo?.clone_url ?? repo?.html_url;
  return typeof url === 'string' && url ? url : undefined;
}
