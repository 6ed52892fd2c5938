/**
 * Cumulative series (counters, histogram buckets, `_sum`, `_count`) are born
 * at zero: the first time a series is pushed it carries a 0 sample stamped just
 * before its first observation, then its value at the flush.
 *
 * Why: `increase()`/`rate()` only count what a series gained between two of
 * its samples. A series whose first sample already holds its first calls has
 * no earlier point to rise from, so those calls never count: a process that
 * flushes once and exits (a CLI, a cron job, a serverless function) shows
 * nothing, and in a long-lived process every new model, error type or restart
 * loses its first flush from every rate and total. Prometheus fixes the same
 * gap for scraped series with created-timestamp zero injection
 * (`--enable-feature=created-timestamp-zero-ingestion`, Prometheus 2.50+: a 0
 * sample at the series' created timestamp, before its first value); we send
 * that zero ourselves, which works on any receiver.
 *
 * One extra sample per series life, never per flush: a cell remembers its
 * birth until the first collect, which yields the 0 and forgets it. The 0 is
 * older than every later sample of its series, so samples stay strictly
 * increasing per series (wire-protocols.md §8 item 6), and the `instance`
 * label keeps two processes off each other's series (§8 item 8). Gauges
 * (rate-limit headroom) are never born at zero: 0 would be a false reading.
 */

/**
 * When the 0 of a series whose first observation happened at `firstObservationMs` is stamped: one ms before.
 *
 * @example
 * birthMs(1700000000123); // 1700000000122
 */
export function birthMs(firstObservationMs: number): number {
  const at = Number.isFinite(firstObservationMs) ? Math.floor(firstObservationMs) : Date.now();
  return at - 1;
}
