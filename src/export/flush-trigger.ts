/**
 * Starts a push when a queue holds a full batch, instead of waiting for the
 * flush timer (issue 22 item 1: with only the 10 s timer, a process making more
 * than max_queue / 5 calls per interval lost the oldest samples with a healthy
 * receiver).
 *
 * `noteQueued` runs on the application's request path after each add: O(1),
 * and the push itself is only scheduled (`setImmediate`), never run there. One
 * schedule at a time; a push already running coalesces the request into one
 * follow-up (serial-flush.ts).
 *
 * The threshold is half the queue (at most one request's worth), so the other
 * half takes what arrives while that push is on the wire.
 */
export class FlushTrigger {
  private scheduled = false;
  private readonly threshold: number;

  /**
   * @param maxQueue the queue's bound (max_queue)
   * @param maxPerRequest items in one request, at most
   * @param request starts a push of this queue (must not throw)
   * @example
   * const trigger = new FlushTrigger(10_000, 20_000, () => void metricsFlush.request());
   * lane.add(series, 1, Date.now());
   * trigger.noteQueued(lane.queued);
   */
  constructor(maxQueue: number, maxPerRequest: number, private readonly request: () => void) {
    this.threshold = Math.max(1, Math.min(maxPerRequest, Math.floor(maxQueue / 2)));
  }

  /**
   * Told the queue's length after an add; schedules a push once it reaches the threshold.
   *
   * @example
   * trigger.noteQueued(lane.queued);
   */
  noteQueued(length: number): void {
    if (length < this.threshold || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.request();
    });
  }
}
