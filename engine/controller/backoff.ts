/**
 * Per-key exponential backoff with jitter: 1st failure waits `baseMs`, each next doubles, capped
 * at `maxMs`. A success resets the key. Used for unreachable repositories and failing reconciles
 * so a broken dependency is retried less and less often, never hammered.
 */
export class Backoff {
  private readonly failures = new Map<string, number>();

  constructor(private readonly baseMs = 2_000, private readonly maxMs = 5 * 60_000, private readonly random: () => number = Math.random) {}

  /** Records a failure; returns how long to wait before the next try. */
  fail(key: string): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const delay = Math.min(this.maxMs, this.baseMs * 2 ** (n - 1));
    return Math.round(delay * (0.8 + 0.4 * this.random()));
  }

  succeed(key: string): void {
    this.failures.delete(key);
  }

  attempts(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}
