/**
 * At most `limit` runs at once, the rest wait in order of arrival; an urgent run (a person is
 * waiting: the fetch of a webhook's pushed commit) waits only behind other urgent runs. The git client puts every
 * fetch through one: a fetch holds its whole packfile in memory while isomorphic-git indexes it,
 * and fetches do not all come from the engine's work queue (a webhook push starts one for its
 * repository at once), so without a bound a burst of pushes to many repositories fetches them
 * all together and the engine's memory grows with their number. Ref listings take the same
 * slots: each holds its whole advertisement (up to ria.yaml's git.maxRefsSize) while it is read.
 */
export class Limiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly waitingUrgent: Array<() => void> = [];

  /** Urgent starts in a row while normal runs wait; after `urgentBurst` of them one normal run goes first. */
  private urgentInARow = 0;

  /** `urgentBurst`: as the work queue's (keyed-queue.ts), so a stream of webhooks cannot starve polling's fetches. */
  constructor(readonly limit: number, private readonly urgentBurst = 4) {
    if (!Number.isInteger(limit) || limit < 1) throw new TypeError(`ria/git: a limiter needs a limit of at least 1, got ${limit}`);
  }

  /** Runs waiting for a free slot (observability and tests). */
  get queued(): number {
    return this.waiting.length + this.waitingUrgent.length;
  }

  /** Runs holding a slot now. */
  get active(): number {
    return this.running;
  }

  async run<T>(fn: () => Promise<T>, urgent = false): Promise<T> {
    const release = await this.acquire(urgent);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /**
   * Waits for a slot and holds it until the returned release is called (once; later calls do
   * nothing). For work that outlives its caller's answer: a fetch past its deadline is answered
   * with an error at once, but holds its slot until its abandoned work has really ended.
   */
  async acquire(urgent = false): Promise<() => void> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => (urgent ? this.waitingUrgent : this.waiting).push(resolve));
    else this.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The slot goes straight to the next waiter (running stays counted), urgent ones first, or is freed.
      const next = this.nextWaiter();
      if (next) next(); else this.running--;
    };
  }

  /** Urgent first, but after `urgentBurst` urgent starts in a row while normal runs wait, one normal run. */
  private nextWaiter(): (() => void) | undefined {
    const normalFirst = this.waiting.length > 0 && (this.waitingUrgent.length === 0 || this.urgentInARow >= this.urgentBurst);
    if (normalFirst) { this.urgentInARow = 0; return this.waiting.shift(); }
    const urgent = this.waitingUrgent.shift();
    if (urgent && this.waiting.length > 0) this.urgentInARow++;
    return urgent;
  }
}
