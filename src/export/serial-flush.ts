/**
 * Runs the pushes of one signal one at a time, coalescing requests that arrive
 * while one runs.
 *
 * Why: samples of a series must reach the receiver in timestamp order
 * (wire-protocols.md §1.4: "parallel requests only for disjoint series"; Prom
 * answers a later request with an older sample `400 out of order sample`).
 * Two concurrent flushes touching the same series would race, so the second
 * waits until the first is acknowledged (vector B16). Any number of flushes
 * requested meanwhile become ONE follow-up run, which takes everything queued by
 * then: a dead endpoint and an app calling `flush()` in a loop cost no more
 * than one waiting run.
 */
export class SerialFlush {
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  /**
   * @param run pushes what is queued now; must never reject (a rejection is swallowed).
   * @example
   * const metricsFlush = new SerialFlush(() => this.pushMetrics());
   */
  constructor(private readonly run: () => Promise<void>) {}

  /**
   * True while a run is in progress or waiting.
   *
   * @example
   * if (!metricsFlush.busy && queue.length === 0) return; // nothing to deliver at exit
   */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /**
   * Resolves when a run that started after this call has finished, i.e. when
   * everything queued before the call was delivered or given up. Never rejects.
   *
   * @example
   * await metricsFlush.request();
   */
  request(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.running) return this.start();
    const follow = this.running.then(() => {
      this.queued = undefined;
      return this.start();
    });
    this.queued = follow;
    return follow;
  }

  private start(): Promise<void> {
    const current = (async () => {
      try {
        await this.run();
      } catch {
        // `run` handles its own errors; this only keeps a bug from becoming an unhandled rejection.
      }
    })();
    this.running = current;
    void current.then(() => {
      if (this.running === current) this.running = undefined;
    });
    return current;
  }
}
