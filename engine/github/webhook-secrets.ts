/**
 * Which secret may sign a delivery. One shared secret (RIA_WEBHOOK_SECRET, from the install
 * Secret) signs for every repository that has none of its own; a repository whose app names a
 * `webhookSecret` in the config repository is only accepted with that secret, so the owner of one
 * app repository (who knows its secret) cannot sign deliveries for another.
 *
 * The repository is only known from the payload, which is parsed only once a signature matched
 * (parsing 4 MiB of hostile JSON costs far more than a hash). So the body is first scanned, in one
 * cheap linear pass, for the repository URLs it names (`"clone_url":"..."`); the HMAC is computed
 * with the secrets of those repositories only (their own, at most MAX_SECRETS_TRIED in all, and
 * the shared one when one of them has none), not with every secret (one SHA-256 pass each). The
 * match is then checked against the payload's real repository (authorizeDelivery). Pure, apart
 * from the type of the lookup.
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

/** At most this many repository URLs are taken from one body (a pull_request names two or three). */
const MAX_URLS_SCANNED = 8;
const CLONE_URL = /"clone_url"\s*:\s*"([^"\\]{1,500})"/g;

/** The repository URLs a body names, found without parsing it (a bounded linear scan). */
export function repoUrlsIn(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(CLONE_URL)) {
    out.add(m[1]!);
    if (out.size >= MAX_URLS_SCANNED) break;
  }
  return [...out];
}

/**
 * The secrets worth trying on a body naming these repository URLs: the own secrets of those that
 * have any (at most MAX_SECRETS_TRIED in all), and the shared one when one of them has none (or
 * none is named). A secret of a repository the body does not name is never tried.
 */
export function secretsForUrls(secrets: WebhookSecrets, urls: readonly string[]): string[] {
  const out = new Set<string>();
  let shared = urls.length === 0;
  for (const url of urls) {
    const own = secrets.repos.get(normalizeRepoUrl(url));
    if (own === undefined) shared = true;
    else for (const s of own) if (out.size < MAX_SECRETS_TRIED) out.add(s);
  }
  if (shared && secrets.shared) out.add(secrets.shared);
  return [...out];
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
