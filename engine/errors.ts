/**
 * The base of every error Ria raises on purpose. A stable `code` lets callers branch without
 * parsing messages; `message` is written for the person who must act; `data` carries the
 * structured details (file, line, component, log file...). The same error becomes a CLI
 * message, a CRD condition and a commit-status description, so messages never contain secrets.
 */
export class RiaError extends Error {
  readonly code: string;
  readonly data: Record<string, unknown>;

  constructor(code: string, message: string, data: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.data = data;
  }
}

/** A mistake in how a command was called (exit code 2 in the CLI). */
export class UsageError extends RiaError {
  constructor(message: string) {
    super('Usage', message);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
