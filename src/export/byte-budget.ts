import { MonitoringError } from '../monitoring-error.js';
import type { Signal } from './http/retry-policy.js';

/**
 * One bound, in bytes, on everything an exporter holds for the application:
 * samples and lines queued, batches taken out for a push (while they are
 * encoded, sent and retried) and the encoded bodies in flight (DESIGN.md §3
 * rule 3; issue 18: `max_queue` bounds entries, and one line with content can
 * be 256 KiB, so 10,000 entries could be gigabytes).
 *
 * Holders (the two lanes) charge what they add and release what they let go.
 * When the total passes the bound, the holder whose oldest queued item is the
 * oldest drops it, and again, until the total fits: the freshest data
 * survives, whichever signal it belongs to (wire-protocols.md §8 item 11:
 * "bound … queue memory; drop oldest with a counter when full"). What is taken
 * out for a push is not dropped by the budget; it is bounded by the request
 * size, which the exporter keeps a fraction of the budget.
 *
 * Bytes are estimates of what V8 holds: two bytes per UTF-16 code unit (a
 * one-byte string really takes one, so the estimate errs on the safe side)
 * plus a fixed cost per object.
 */

/**
 * What a lane lends the budget so that it can drop the lane's oldest item.
 *
 * @example
 * class SampleLane implements BudgetHolder { oldestQueuedMs() { … } dropOldest() { … } }
 */
export interface BudgetHolder {
  /** Timestamp (ms) of the oldest queued item, or undefined when nothing is queued. */
  oldestQueuedMs(): number | undefined;
  /** Drops the oldest queued item, counts it (`queue_full`), and returns the bytes it was charged. */
  dropOldest(): number;
}

/**
 * Default of `max_buffered_bytes`: a 512 MB container never notices 32 MiB.
 *
 * @example
 * new ByteBudget(options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES);
 */
export const DEFAULT_MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

/**
 * Calls waiting in a recorder for the next flush (record/recorder.ts) are
 * recorded as soon as their content passes this many bytes, so what they hold
 * stays this small. The exporter's budget leaves this much room for them.
 *
 * @example
 * if (pendingBytes >= RECORDING_RESERVE_BYTES) recorder.drain();
 */
export const RECORDING_RESERVE_BYTES = 1024 * 1024;

/**
 * Bytes V8 needs for a string of `length` UTF-16 code units, at most.
 *
 * @example
 * stringBytes('hello'); // 10
 */
export function stringBytes(length: number): number {
  return 2 * length;
}

export class ByteBudget {
  private readonly holders: BudgetHolder[] = [];
  private held = 0;
  private peak = 0;

  /**
   * @param maxBytes the bound, in bytes (at least 1).
   * @example
   * const budget = new ByteBudget(32 * 1024 * 1024);
   */
  constructor(readonly maxBytes: number) {}

  /**
   * Bytes charged now.
   *
   * @example
   * budget.used; // 1048576
   */
  get used(): number {
    return this.held;
  }

  /**
   * The most bytes charged at once since the budget was made (stats, benchmarks).
   *
   * @example
   * budget.peakUsed <= budget.maxBytes + 262_144; // true
   */
  get peakUsed(): number {
    return this.peak;
  }

  /**
   * Lets the budget drop a holder's oldest items.
   *
   * @example
   * budget.addHolder(sampleLane);
   */
  addHolder(holder: BudgetHolder): void {
    this.holders.push(holder);
  }

  /**
   * Charges `bytes`, then drops the oldest queued items (of any holder) until
   * the total fits again, or nothing queued is left to drop.
   *
   * @example
   * budget.charge(64); // a sample was queued
   */
  charge(bytes: number): void {
    this.held += bytes;
    if (this.held > this.maxBytes) this.makeRoom();
    if (this.held > this.peak) this.peak = this.held;
  }

  /**
   * Gives back bytes charged earlier (delivered, given up, or dropped).
   *
   * @example
   * budget.release(64);
   */
  release(bytes: number): void {
    this.held = Math.max(0, this.held - bytes);
  }

  private makeRoom(): void {
    while (this.held > this.maxBytes) {
      let oldest: BudgetHolder | undefined;
      let oldestMs = Number.POSITIVE_INFINITY;
      for (const holder of this.holders) {
        const ms = holder.oldestQueuedMs();
        // On a tie the later holder goes first: the log lane, registered after the samples, holds the big items.
        if (ms !== undefined && ms <= oldestMs) {
          oldestMs = ms;
          oldest = holder;
        }
      }
      if (oldest === undefined) return; // only what is in flight is left: bounded by the request size
      this.release(oldest.dropOldest());
    }
  }
}

/**
 * Turns drops for lack of room into one report per episode: the first flush
 * that finds drops reports them; later flushes that find more stay silent
 * while the episode lasts; a flush that finds none ends it. A dead endpoint
 * then costs one `on_error` call (or one process warning), not one per flush.
 *
 * @example
 * const episode = new DropEpisode('logs');
 * episode.count(3); // three lines dropped
 * const err = episode.atFlush(); // a GOM_QUEUE_FULL the first time, then undefined
 */
export class DropEpisode {
  private unreported = 0;
  private inEpisode = false;

  constructor(private readonly signal: Signal) {}

  /**
   * Notes `dropped` items dropped for lack of room.
   *
   * @example
   * episode.count(1);
   */
  count(dropped: number): void {
    this.unreported += dropped;
  }

  /**
   * Called once per flush: the error to report, if this flush starts an episode.
   *
   * @example
   * const err = episode.atFlush(); if (err) report(err);
   */
  atFlush(): MonitoringError | undefined {
    const dropped = this.unreported;
    this.unreported = 0;
    if (dropped === 0) {
      this.inEpisode = false;
      return undefined;
    }
    if (this.inEpisode) return undefined;
    this.inEpisode = true;
    const what = this.signal === 'metrics' ? 'samples' : 'log entries';
    const message =
      `${this.signal} buffer full: ${dropped} oldest ${what} dropped since the last flush (reason queue_full; ` +
      'further drops are counted in the dropped_* self-metrics and reported again only after the buffer has had room); ' +
      'is the endpoint reachable? To hold more, raise max_buffered_bytes or max_queue';
    return new MonitoringError('GOM_QUEUE_FULL', message, { signal: this.signal });
  }
}
