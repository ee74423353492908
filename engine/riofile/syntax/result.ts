/**
 * The outcome of parsing one string syntax. A failure says what is wrong and what the syntax is,
 * and the caller attaches the location: parsers stay pure and know nothing of files.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string; expected: string };

export function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

export function fail(message: string, expected: string): { ok: false; message: string; expected: string } {
  return { ok: false, message, expected };
}

/** `true`/`false` as Rio's option values spell them (also yes/no, 1/0 are refused: explicit is clearer). */
export function parseBoolWord(word: string): boolean | undefined {
  const lower = word.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  return undefined;
}

/** DNS-1123 label: names of ports, volumes, containers. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** DNS-1123 subdomain: names of Secrets and ConfigMaps. */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
