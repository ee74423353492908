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

/**
 * Environment names: namespaces and public hostnames. They are built from *parts* joined by
 * {@link SEPARATOR} (`--`), and no part ever contains `--`, so a name splits back into its parts
 * in exactly one way:
 *
 * - namespace `<app>--<env>` (`hello--main`, `hello--pr-1`);
 * - hostname `<service>--<app>--<env>.<domain>`, or `<app>--<env>.<domain>` when the service is
 *   named like the app (one `--` instead of two, so still one reading);
 * - a hostname over 63 characters becomes `<slug>-<hash>` with NO `--` at all (the hash is of the
 *   full label), so it can never equal a full one.
 *
 * A part is the text itself when it already is a part (a DNS label without `--`, short enough, and
 * not shaped like a hashed part); otherwise it is `<slug head>-<16 hex of sha256(text)>`. So a
 * part as written never equals a hashed part (the shape rule), and two hashed parts are equal only
 * when 64-bit hashes collide (no one can search for that: 2^64 tries). `env` is `pr-<n>` for pull
 * request n; a branch whose part would read `pr-<n>` is hashed, so no branch takes a preview's name.
 * App names, Riofile service, app, version and router names are refused with `--` in them
 * (config/load.ts, the Riofile schema), so users see their names as they wrote them.
 */
export const SEPARATOR = '--';

/** Hex digits of the hash that keeps a changed part unique (64 bits: a second preimage is out of reach). */
export const PART_HASH_LENGTH = 16;

/** The longest app name (the config refuses longer): the namespace keeps at least 21 characters for the environment. */
export const MAX_APP_NAME = 40;

/** A part as written: a DNS label without `--`. */
const PART = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/** The shape of a hashed part; text of this shape is hashed too, so it never passes for another's. */
const HASHED_PART = new RegExp(`-[0-9a-f]{${PART_HASH_LENGTH}}$`);
/** Pull request numbers have fewer digits than the hash (GitHub's are far below). */
const MAX_PR = 10 ** (PART_HASH_LENGTH - 1);
/** What a pull request's part looks like. */
const PR_PART = /^pr-\d+$/;

/** Why `name` cannot be a part of environment names as written, or undefined when it can. */
export function partProblem(name: string, max = MAX_LABEL): string | undefined {
  if (name.includes(SEPARATOR)) return `it contains "${SEPARATOR}", which separates the app, environment and service in namespaces and hostnames`;
  if (!PART.test(name)) return 'it is not a DNS label (lowercase letters, digits and "-", starting and ending with a letter or digit)';
  if (name.length > max) return `it is longer than ${max} characters`;
  if (HASHED_PART.test(name)) return `it ends like Ria's hash suffix ("-" and ${PART_HASH_LENGTH} hex digits)`;
  return undefined;
}

function hashedPart(text: string, max: number): string {
  const head = slug(text).slice(0, max - PART_HASH_LENGTH - 1).replace(/-+$/, '') || 'x';
  return `${head}-${shortHash(text, PART_HASH_LENGTH)}`;
}

/** `text` as one part of at most `max` characters: as written when it can be, else hashed (see above). */
export function namePart(text: string, max = MAX_LABEL): string {
  return partProblem(text, max) === undefined ? text : hashedPart(text, max);
}

/** The app's part of namespaces and hostnames: the app name (valid ones, which the config ensures, are kept). */
export function appSlug(app: string): string {
  return namePart(app, MAX_APP_NAME);
}

/**
 * The environment's part: `pr-<n>`, or the branch as a part (hashed when it is not one as written,
 * when it would read `pr-<n>`, or when it does not fit next to the app in 63 characters).
 */
export function environmentSlug(env: Environment): string {
  if (env.kind === 'pr') {
    // At most 15 digits: `pr-` and 16 digits would be hash-shaped (a branch's hashed part).
    if (!Number.isSafeInteger(env.pr) || env.pr < 0 || env.pr >= MAX_PR) throw new RangeError(`pull request number ${env.pr} is not an integer from 0 to ${MAX_PR - 1}`);
    return `pr-${env.pr}`;
  }
  const room = MAX_LABEL - SEPARATOR.length - appSlug(env.app).length;
  const part = namePart(env.branch, room);
  return PR_PART.test(part) ? hashedPart(env.branch, room) : part;
}

/** `<app>--<env>` (always at most 63 characters), unless the environment names its namespace. */
export function environmentNamespace(env: Environment): string {
  if (env.namespace !== undefined) return env.namespace;
  return `${appSlug(env.app)}${SEPARATOR}${environmentSlug(env)}`;
}

/**
 * The public hostname of an endpoint: one DNS label under the wildcard domain (a wildcard
 * certificate and DNS record, `*.apps.example.com`, cover exactly one label).
 * `parts` name the endpoint inside the environment (Riofile app, then version and port when
 * there are); they are joined with `-` into the service part.
 */
export function endpointHost(parts: string[], env: Environment, domain: string): string {
  return `${endpointLabel(parts, env)}.${domain}`;
}

/**
 * The hostname's one label: `<service>--<app>--<env>`, `<app>--<env>` (service named like the app,
 * or no parts: the environment's own label), or `<slug>-<hash>` when over 63.
 */
export function endpointLabel(parts: string[], env: Environment): string {
  const app = appSlug(env.app);
  const service = parts.length === 0 ? app : namePart(parts.join('-'));
  const label = [...(service === app ? [] : [service]), app, environmentSlug(env)].join(SEPARATOR);
  if (label.length <= MAX_LABEL) return label;
  const head = slug(label).slice(0, MAX_LABEL - PART_HASH_LENGTH - 1).replace(/-+$/, '');
  return `${head}-${shortHash(label, PART_HASH_LENGTH)}`;
}

/**
 * How people see an environment's target (ria ps, GitHub statuses and deployments): the branch as
 * written, or `pr-<n>`. A branch that reads `pr-<n>` is shown `pr-<n> (branch)` (a space is never
 * in a branch name), so it is never taken for pull request n.
 */
export function targetLabel(kind: 'branch' | 'pr', target: string): string {
  return kind === 'branch' && PR_PART.test(target) ? `${target} (branch)` : target;
}

/** Kubernetes' label-value syntax, at most 63 characters. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A valid label value for `text`: unchanged when valid, otherwise slugged and hash-suffixed. */
export function labelValue(text: string): string {
  if (text.length <= MAX_LABEL && LABEL_VALUE.test(text)) return text;
  return dnsLabel(text);
}

/**
 * Cluster-scoped objects carry the environment's namespace in their name so two environments never
 * share one: `ria--<namespace>--<name>`. `name` is made a part (no `--`), so the last `--` ends the
 * namespace whatever it holds; over 63 characters, `<slug>-<hash>` (no `--`, so never a full one).
 */
export function clusterScopedName(namespace: string, name: string): string {
  const label = ['ria', namespace, namePart(name)].join(SEPARATOR);
  if (label.length <= MAX_LABEL) return label;
  return `${slug(label).slice(0, MAX_LABEL - PART_HASH_LENGTH - 1).replace(/-+$/, '')}-${shortHash(label, PART_HASH_LENGTH)}`;
}
