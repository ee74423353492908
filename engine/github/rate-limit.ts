import { RateLimitedError } from './errors.js';

export type RateLimitListener = (until: Date, reason: string) => void;

type Headers = Record<string, string | number | undefined>;

/**
 * Tracks GitHub's rate-limit answers for one token. When GitHub says stop (remaining 0, a 429, a
 * 403 with retry-after: the secondary limit), every call fails fast with RateLimitedError until
 * the time GitHub gave, instead of spending more of the budget or getting the token blocked.
 */
export class RateLimiter {
  private until = 0;

  constructor(private readonly now: () => number = Date.now, private readonly onLimited: RateLimitListener = () => {}) {}

  /** Throws while GitHub asked us to wait. */
  check(what: string): void {
    if (this.now() < this.until) throw new RateLimitedError(new Date(this.until), what);
  }

  get blockedUntil(): Date | undefined {
    return this.now() < this.until ? new Date(this.until) : undefined;
  }

  /** Reads the headers of any answer (success or error). Returns true when it now blocks. */
  observe(status: number, headers: Headers | undefined): boolean {
    const h = headers ?? {};
    const retryAfter = num(h['retry-after']);
    const remaining = num(h['x-ratelimit-remaining']);
    const reset = num(h['x-ratelimit-reset']);
    let until: number | undefined;
    let reason = '';
    if (retryAfter !== undefined && (status === 429 || status === 403)) {
      until = this.now() + retryAfter * 1000;
      reason = `secondary rate limit: retry-after ${retryAfter}s`;
    } else if (remaining === 0 && reset !== undefined) {
      until = reset * 1000;
      reason = 'primary rate limit exhausted (x-ratelimit-remaining: 0)';
    } else if (status === 429 || (status === 403 && remaining === 0)) {
      // Limited without a time: GitHub's docs say wait at least a minute.
      until = this.now() + 60_000;
      reason = `rate limited (HTTP ${status}) without retry-after`;
    }
    if (until === undefined || until <= this.until) return false;
    this.until = until;
    this.onLimited(new Date(until), reason);
    return true;
  }
}

function num(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}
