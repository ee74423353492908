/**
 * Keeping credentials out of messages. Every URL that reaches an error, a log line or a status
 * goes through `redactUrl`; credentials written into a URL are split off before any request so
 * the library never sees (or echoes) them.
 */

/**
 * Names of query parameters (and `name=value` pairs in free text) whose values are secrets in
 * the wild: tokens in links, signed URLs, passwords in connection strings. Matched anywhere in
 * the name, any case; redacting a harmless value costs nothing, missing a token costs a leak.
 */
const SECRET_PARAM = /token|secret|passw|^pass$|^pwd$|^key$|api[-_]?key|^sig$|signature|credential|^auth|^code$|^jwt$|session/i;

/** `name=value` after a start, a separator of a query/fragment, or a separator of free text. */
const ASSIGNMENT = /(^|[\s?&#;,('"{[])([A-Za-z0-9_.-]+)=([^\s&#;,'")}\]]*)/g;

export function isSecretParam(name: string): boolean {
  return SECRET_PARAM.test(name);
}

/** Replaces the values of secret-named `name=value` pairs (`?access_token=...`, `password=...`). Linear: every match starts at a separator. */
export function redactSecretParams(text: string): string {
  return text.replace(ASSIGNMENT, (all, before: string, name: string, value: string) => (value !== '' && value !== REDACTED && isSecretParam(name) ? `${before}${name}=${REDACTED}` : all));
}

export const REDACTED = '***';

/**
 * The URL with its user info and secret-looking query values replaced by `***`. The user name
 * is redacted too: tokens are often sent as the user name (`https://TOKEN@github.com/...`).
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL we can parse (scp-like `git@host:repo`, or garbage): redact anything before an @.
    return redactSecretParams(url.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/@\s]*@/i, (_m, scheme: string | undefined) => `${scheme ?? ''}${REDACTED}@`));
  }
  if (parsed.username || parsed.password) {
    parsed.username = REDACTED;
    parsed.password = '';
  }
  for (const key of [...parsed.searchParams.keys()]) {
    if (isSecretParam(key)) parsed.searchParams.set(key, REDACTED);
  }
  // OAuth's implicit flow puts tokens in the fragment (`#access_token=...`).
  if (parsed.hash.includes('=')) parsed.hash = redactSecretParams(parsed.hash);
  // URL encodes the `*`s in user info and query; show them plainly.
  return parsed.toString().replace(/%2A%2A%2A/gi, REDACTED);
}

export interface Credentials {
  username: string;
  password: string;
}

/** Splits `https://user:pass@host/x` into the bare URL and its credentials (if any). */
export function splitCredentials(url: string): { url: string; auth?: Credentials } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url };
  }
  if (!parsed.username && !parsed.password) return { url };
  const auth = { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), auth };
}

/** Replaces every occurrence of the given secrets in free text (messages from lower layers). */
export function scrubSecrets(text: string, secrets: Array<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 3) out = out.split(secret).join(REDACTED);
  }
  return out;
}
