import { performance } from 'node:perf_hooks';

/**
 * Flush work done in slices of a few ms, with a turn of the event loop in
 * between (`setImmediate`), so that no flush stalls the application: with
 * 1,000 models a flush carries some 55,000 cumulative series, whose encoding
 * and compression stalled the event loop for up to 644 ms in one piece
 * (issue 22 item 7). The app's own callbacks (timers, I/O, its next requests)
 * run between two slices; the flush takes a little longer in wall time.
 *
 * Work is written as a generator that yields at points where it may be
 * paused (encode-write-request.ts, snappy-block.ts), or checks a SliceBudget
 * in its loop (sample-lane.ts, log-lane.ts).
 */

/** Longest slice, in ms: a few ms is below what a user or a latency SLO notices. */
export const SLICE_MS = 2;

/**
 * Resolves on the next turn of the event loop, after pending I/O callbacks.
 *
 * @example
 * await nextTurn();
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Tells a loop when its slice is spent.
 *
 * @example
 * const budget = new SliceBudget();
 * for (const item of items) {
 *   work(item);
 *   if (budget.spent()) await budget.pause();
 * }
 */
export class SliceBudget {
  private started = performance.now();

  constructor(private readonly sliceMs: number = SLICE_MS) {}

  /** True once this slice has run for sliceMs. */
  spent(): boolean {
    return performance.now() - this.started >= this.sliceMs;
  }

  /** Lets the event loop turn, then starts a new slice. */
  async pause(): Promise<void> {
    await nextTurn();
    this.started = performance.now();
  }
}

/**
 * Runs a generator to its end, a slice at a time; resolves with its result.
 * A throw from the work rejects the promise.
 *
 * @example
 * const body = await runSliced(compressSnappyBlockSteps(await runSliced(encodeWriteRequestSteps(samples))));
 */
export async function runSliced<T>(steps: Generator<void, T, void>, budget: SliceBudget = new SliceBudget()): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
    if (budget.spent()) await budget.pause();
  }
}

/**
 * Runs a generator to its end at once (for callers that need the result now).
 *
 * @example
 * const body = runAtOnce(compressSnappyBlockSteps(input));
 */
export function runAtOnce<T>(steps: Generator<void, T, void>): T {
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}
