import { fail, ok, type Parsed } from './result.js';

export const DURATION_SYNTAX = 'seconds (10) or a duration such as 90s, 1m30s or 2h';
const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
const WHOLE = /^((\d+(\.\d+)?)(ns|us|µs|ms|s|m|h))+$/;
const UNIT_SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** Whole seconds, rounded up (Rio's `duration` mapper: a bare number is seconds, else a Go duration). */
export function parseDurationSeconds(input: string | number): Parsed<number> {
  if (typeof input === 'number') {
    return Number.isFinite(input) && input >= 0 ? ok(Math.ceil(input)) : fail(`${input} is not a positive duration`, DURATION_SYNTAX);
  }
  const text = input.trim();
  if (/^\d+$/.test(text)) return ok(Number(text));
  if (!WHOLE.test(text)) return fail(`"${input}" is not a duration`, DURATION_SYNTAX);
  let seconds = 0;
  for (const m of text.matchAll(PART)) seconds += Number(m[1]) * UNIT_SECONDS[m[2]!]!;
  return ok(Math.ceil(Math.round(seconds * 1e6) / 1e6));
}
