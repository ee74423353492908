/**
 * Masking secrets before anything is written to a log line or a metric label. Logs end up in
 * log aggregators that many more people can read than the cluster's Secrets, so redaction is
 * done once, here, on every field, rather than trusting each call site to remember.
 */
import { redactUrl, REDACTED } from '../git/redact.js';

export { REDACTED };

/** Keys whose values are secrets whatever they contain (matched anywhere in the key, any case). */
const SECRET_KEY = /pass(word|wd|phrase)?$|token|secret|authorization|api[-_]?key|credential|cookie|private[-_]?key|signature/i;

/** `scheme://user[:pass]@` anywhere in a string. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@'"]+@/gi;

/** `Bearer abc` / `Basic abc` in free text (a header value echoed in an error message). */
const AUTH_SCHEME = /\b(Bearer|Basic|token)\s+[A-Za-z0-9._~+/=-]{8,}/g;

const MAX_DEPTH = 8;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Masks credentials inside free text: user info of URLs and auth header values. */
export function redactText(text: string): string {
  return text.replace(URL_USERINFO, `$1${REDACTED}@`).replace(AUTH_SCHEME, `$1 ${REDACTED}`);
}

/**
 * A URL fit for a log field or a metric label: no user info, no secret query values. Falls back
 * to text redaction for strings that are not URLs (scp-like git remotes).
 */
export function redactRepoUrl(url: string): string {
  return redactText(redactUrl(url));
}

/**
 * A deep copy of `value` that is safe to serialize: secret-keyed values become `***`, strings
 * lose embedded credentials, errors become `{ name, message, code, data }`, cycles are cut.
 */
export function redactValue(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? undefined : value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  seen.add(value);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof URL) return redactRepoUrl(value.toString());
  if (value instanceof Error) return redactError(value, depth, seen);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = isSecretKey(key) && v !== undefined && v !== null && v !== '' ? REDACTED : redactValue(v, depth + 1, seen);
  }
  return out;
}

function redactError(err: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const e = err as Error & { code?: unknown; data?: unknown; status?: unknown };
  const out: Record<string, unknown> = { name: err.name, message: redactText(err.message) };
  if (e.code !== undefined) out.code = e.code;
  if (typeof e.status === 'number') out.status = e.status;
  if (e.data !== undefined) out.data = redactValue(e.data, depth + 1, seen);
  return out;
}
