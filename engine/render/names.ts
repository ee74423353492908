import type { Environment } from './types.js';
import { shortHash } from './hash.js';

/**
 * Kubernetes names. Every name here is a DNS-1123 label (lowercase alphanumerics and `-`, at most
 * 63 characters, starting and ending alphanumeric) so it is valid for any kind, including Services
 * (DNS-1035: must also start with a letter) and hostnames. When text had to be changed to fit
 * (slugged or shortened) a stable hash of the original is appended, so `feature/x` and `feature-x`
 * never land on the same name.
 */

export const MAX_LABEL = 63;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const HASH_LENGTH = 8;

/** Lowercase ASCII slug: diacritics stripped, every run of other characters becomes one `-`. */
export function slug(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Cuts `name` to `max` characters, replacing the tail with `-<hash of original>` when it is too long. */
export function shorten(name: string, max = MAX_LABEL, original = name): string {
  if (name.length <= max) return name;
  const head = name.slice(0, max - HASH_LENGTH - 1).replace(/-+$/, '');
  return `${head}-${shortHash(original, HASH_LENGTH)}`;
}

/**
 * A DNS-1123 label for `text`: unchanged when it already is one, otherwise slugged with a hash
 * suffix of the original text (so distinct inputs stay distinct).
 */
export function dnsLabel(text: string, max = MAX_LABEL): string {
  // Most names already are labels: skip the Unicode normalization (the hot path of rendering).
  if (text.length <= max && DNS_LABEL.test(text)) return text;
  const s = slug(text);
  if (s === text && s.length > 0 && s.length <= max) return s;
  const base = s.length > 0 ? s : 'x';
  const room = max - HASH_LENGTH - 1;
  return `${base.slice(0, room).replace(/-+$/, '') || 'x'}-${shortHash(text, HASH_LENGTH)}`;
}

/** Joins already-valid label parts with `-` and shortens the result with a hash when over `max`. */
export function joinLabel(parts: string[], max = MAX_LABEL): string {
  return shorten(parts.filter((p) => p.length > 0).join('-'), max);
}

/** A DNS-1035 label (Services): like {@link dnsLabel}, but never starts with a digit. */
export function serviceName(text: string): string {
  const label = dnsLabel(text);
  return /^[a-z]/.test(label) ? label : shorten(`s-${label}`, MAX_LABEL, text);
}

/** What a pull request's slug looks like; a branch slug never does. */
const PR_SLUG = /^pr-\d+$/;

/**
 * The environment's short name: a branch slug (hash-suffixed when lossy) or `pr-<n>`. A branch
 * whose slug would read `pr-<n>` (a branch named `pr-1`, `PR_1`...) is hash-suffixed too:
 * otherwise it would share the namespace and hostnames of pull request #n, and a branch pushed
 * by anyone could take over a preview (or the other way round).
 */
export function environmentSlug(env: Environment): string {
  if (env.kind === 'pr') return `pr-${env.pr}`;
  const label = dnsLabel(env.branch, 40);
  return PR_SLUG.test(label) ? `${label}-${shortHash(env.branch, HASH_LENGTH)}` : label;
}

/** The app's short name as it appears in namespaces and hostnames. */
export function appSlug(app: string): string {
  return dnsLabel(app, 30);
}

/** `<app>-<branch-slug>` or `<app>-pr-<n>`, unless the environment names its namespace. */
export function environmentNamespace(env: Environment): string {
  if (env.namespace !== undefined) return env.namespace;
  return joinLabel([appSlug(env.app), environmentSlug(env)]);
}

/**
 * The public hostname of an endpoint: one DNS label under the wildcard domain, because a wildcard
 * certificate and DNS record (`*.apps.example.com`) cover exactly one label.
 */
export function endpointHost(parts: string[], env: Environment, domain: string): string {
  const label = joinLabel([...parts.map((p) => dnsLabel(p)), appSlug(env.app), environmentSlug(env)]);
  return `${label}.${domain}`;
}

/** Kubernetes' label-value syntax, at most 63 characters. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A valid label value for `text`: unchanged when valid, otherwise slugged and hash-suffixed. */
export function labelValue(text: string): string {
  if (text.length <= MAX_LABEL && LABEL_VALUE.test(text)) return text;
  return dnsLabel(text);
}

/** Cluster-scoped objects carry the environment in their name so two environments never collide. */
export function clusterScopedName(namespace: string, name: string): string {
  return joinLabel(['ria', namespace, name]);
}
