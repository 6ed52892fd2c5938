import type { MonitoringError } from '../monitoring-error.js';
import type { ByteBudget } from './byte-budget.js';
import type { RequestBody } from './http/http-transport.js';
import type { FinalDelivery } from './final-delivery.js';
import type { RefusedSeries } from './refused-series.js';
import type { SelfMetrics } from './self-metrics.js';

/**
 * What the exporter lends each signal's lane (sample-lane.ts, log-lane.ts):
 * the shared counters and final-delivery state, the batch bounds, and the way
 * out — `deliver` encodes nothing, it POSTs an encoded body with retries and
 * accounts for the outcome (exporter.ts). Lanes own queueing, timestamps and
 * batching; they never see HTTP.
 *
 * @example
 * const lane = new SampleLane({ self, final, budget, maxPerRequest: 2_000, maxDataAgeMs: 3_300_000, deliver, report }, 10_000);
 */
export interface LaneContext {
  readonly self: SelfMetrics;
  readonly final: FinalDelivery;
  /** The exporter's bound in bytes on everything held (byte-budget.ts); the lane charges what it queues, takes out and sends. */
  readonly budget: ByteBudget;
  /** Samples or entries per request, at first (request-size-limit.ts lowers it when a receiver says "too large"). */
  readonly maxPerRequest: number;
  /** Queued data older than this is dropped (`too_old`) instead of sent. */
  readonly maxDataAgeMs: number;
  /**
   * POSTs one encoded batch with retries. Resolves undefined when it was
   * delivered or given up (then counted and reported), or with a TooLarge when
   * the receiver refused the body for its size: nothing is counted then, the
   * lane splits the batch or drops what cannot be split.
   */
  deliver(body: RequestBody, oldestMs: number, count: number): Promise<TooLarge | undefined>;
  /** Hands a problem to the application's onError (or a one-time warning). */
  report(err: MonitoringError): void;
  /** Series a receiver refused by name: left out of later pushes (metrics only; refused-series.ts). */
  readonly refused?: RefusedSeries;
}

/**
 * A receiver's "request too large" (413, or Mimir's 400 "message size … larger
 * than the allowed limit", wire-protocols.md §9).
 *
 * @example
 * const refusal = await context.deliver(body, oldest, items.length);
 * if (refusal) limit.refused(items.length, refusal.bytes);
 */
export interface TooLarge {
  readonly status?: number;
  /** Secret-free: signal, URL, status, the receiver's words. */
  readonly message: string;
  /** Size of the refused body in bytes. */
  readonly bytes: number;
}
