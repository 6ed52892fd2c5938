import type { MonitoringError } from '../monitoring-error.js';
import type { FinalDelivery } from './final-delivery.js';
import type { SelfMetrics } from './self-metrics.js';

/**
 * What the exporter lends each signal's lane (sample-lane.ts, log-lane.ts):
 * the shared counters and final-delivery state, the batch bounds, and the way
 * out — `deliver` encodes nothing, it POSTs an encoded body with retries and
 * accounts for the outcome (exporter.ts). Lanes own queueing, timestamps and
 * batching; they never see HTTP.
 *
 * @example
 * const lane = new SampleLane({ self, final, maxPerRequest: 5000, maxDataAgeMs: 600_000, deliver, report }, 10_000);
 */
export interface LaneContext {
  readonly self: SelfMetrics;
  readonly final: FinalDelivery;
  /** Samples or entries per request. */
  readonly maxPerRequest: number;
  /** Queued data older than this is dropped (`too_old`) instead of sent. */
  readonly maxDataAgeMs: number;
  /** POSTs one encoded batch with retries; resolves when delivered or given up (counted and reported). */
  deliver(body: Uint8Array | string, oldestMs: number, count: number): Promise<void>;
  /** Hands a problem to the application's onError (or a one-time warning). */
  report(err: MonitoringError): void;
}
