/**
 * Masking secrets before anything is written to a log line or a metric label. Logs end up in
 * log aggregators that many more people can read than the cluster's Secrets, so redaction is
 * done once, here, on every field, rather than trusting each call site to remember.
 */
import { redactSecretParams, redactUrl, REDACTED } from '../git/redact.js';

export { REDACTED };

/** Keys whose values are secrets whatever they contain (matched anywhere in the key, any case). */
const SECRET_KEY = /pass(word|wd|phrase)?$|token|secret|authorization|api[-_]?key|credential|cookie|private[-_]?key|signature/i;

/** `Bearer abc` / `Basic abc` in free text (a header value echoed in an error message). */
const AUTH_SCHEME = /\b(Bearer|Basic|token)\s+[A-Za-z0-9._~+/=-]{8,}/g;

/**
 * Tokens recognisable by their shape alone, wherever they stand: GitHub's classic and
 * fine-grained tokens (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`). A token pasted into a
 * Riofile value or echoed in an error has no key or scheme to give it away.
 */
const TOKEN_SHAPE = /\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})/g;

const MAX_DEPTH = 8;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * Masks credentials inside free text: user info of URLs (a password may hold a raw `@`: the
 * user info runs to the last `@` before the path, as URL parsers read it), values of
 * secret-named parameters (`?access_token=`, `password=`), and auth header values.
 */
export function redactText(text: string): string {
  return redactSecretParams(redactUserInfo(text)).replace(AUTH_SCHEME, `$1 ${REDACTED}`).replace(TOKEN_SHAPE, REDACTED);
}

const SCHEME_CHAR = /[a-z0-9+.-]/i;
/** Where a URL written in text ends. */
const URL_END = /[\s'"<>`]/;

/**
 * `scheme://user:pass@host` -> `scheme://***@host` everywhere in `text`. A hand-written scan
 * rather than a RegExp: one pass, so a long log value cannot make it backtrack.
 */
function redactUserInfo(text: string): string {
  let out = '';
  let copied = 0;
  let i = text.indexOf('://');
  while (i >= 0) {
    let s = i;
    while (s > 0 && SCHEME_CHAR.test(text[s - 1]!)) s--;
    while (s < i && !/[a-z]/i.test(text[s]!)) s++;
    const start = i + 3;
    let end = start;
    while (end < text.length && !URL_END.test(text[end]!)) end++;
    if (s < i) {
      const url = text.slice(start, end);
      const authorityEnd = firstOf(url, '/?#');
      let at = url.lastIndexOf('@', authorityEnd - 1);
      // `user:pa/ss@host`: a raw `/` in the password ends the authority early; a non-numeric
      // "port" before it gives the credentials away.
      if (at < 0 && hasNonNumericPort(url.slice(0, authorityEnd))) at = url.lastIndexOf('@');
      if (at >= 0) {
        out += text.slice(copied, start) + REDACTED;
        copied = start + at;
      }
    }
    i = text.indexOf('://', Math.max(end, i + 3));
  }
  return copied === 0 ? text : out + text.slice(copied);
}

function firstOf(text: string, chars: string): number {
  for (let i = 0; i < text.length; i++) if (chars.includes(text[i]!)) return i;
  return text.length;
}

function hasNonNumericPort(authority: string): boolean {
  if (authority.startsWith('[')) return false; // IPv6 literal
  const colon = authority.indexOf(':');
  return colon >= 0 && !/^\d*$/.test(authority.slice(colon + 1));
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
