import { RiaError } from '../errors.js';

/**
 * Errors of the GitHub edge. Each carries the HTTP status it means, so the webhook route answers
 * with it and the reporter can tell "GitHub said no" (4xx: log, do not retry the same call) from
 * "GitHub is busy" (rate limit: back off). Messages never contain the token or the webhook secret.
 */
export class GitHubError extends RiaError {
  readonly status: number;

  constructor(code: string, message: string, status: number, data: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, message, { ...data, status }, options);
    this.status = status;
  }
}

/** GitHub asked us to slow down (primary or secondary rate limit): nothing is sent until `until`. */
export class RateLimitedError extends GitHubError {
  readonly until: Date;

  constructor(until: Date, what: string) {
    super('GitHubRateLimited', `GitHub rate limit reached; ${what} waits until ${until.toISOString()}`, 429, { until: until.toISOString() });
    this.until = until;
  }
}

/** A webhook delivery Ria refuses: bad signature (401), too large (413), not JSON (400). */
export class WebhookError extends GitHubError {
  constructor(code: 'WebhookUnauthorized' | 'WebhookTooLarge' | 'WebhookMalformed' | 'WebhookBadRequest' | 'WebhookTooSlow', message: string, status: number) {
    super(code, message, status);
  }
}

/** ria.yaml's `github:` section is unusable (the engine keeps GitHub reporting off and says why). */
export class GitHubSettingsError extends GitHubError {
  constructor(message: string) {
    super('GitHubSettingsInvalid', `ria.yaml github: ${message}`, 400);
  }
}
