import type { Sample, Series } from './series.js';
import type { TimestampSequencer } from './timestamp-sequencer.js';

/**
 * Stamps samples as they are queued, and combines those a series has no free
 * millisecond for.
 *
 * Prometheus needs strictly increasing integer ms timestamps per series
 * (wire-protocols.md §8 item 6) and none in the future (item 7), so one series
 * carries at most one sample per ms: 1,000 per second. A call that ends in a
 * ms its series already used gets the next free ms (timestamp-sequencer.ts)
 * while that is not ahead of the clock; calls that still find no free ms (more
 * than one per ms on average, e.g. 10,000 calls/s on one model) are combined
 * into the series' newest sample still queued, by the series' rule (`sameMs`
 * of series.ts): `sum` keeps `sum_over_time` exact, `max` keeps
 * `max_over_time` exact. Before the rule existed such samples were stamped
 * ever further ahead and waited for later flushes: the series fell behind the
 * clock and the queue overflowed (issue 22 item 1).
 *
 * A series without a rule (cumulative series are stamped at flush time,
 * sample-lane.ts) keeps the old behaviour: next ms, even if ahead; the lane
 * holds a future sample back until it is due.
 *
 * Only a sample still queued can take another in: the lane calls `close()`
 * before it takes samples out of the queue, and when the queue dropped one.
 */

/** A queued sample whose value may still grow by combination. */
interface OpenSample extends Sample {
  value: number;
}

export class SameMsMerge {
  /** Per series with a rule: its newest sample, while it is still queued. */
  private readonly open = new Map<string, OpenSample>();

  /**
   * @example
   * const merge = new SameMsMerge(new TimestampSequencer());
   */
  constructor(private readonly sequencer: TimestampSequencer) {}

  /**
   * The sample to queue for `value` at `wantedMs`, or undefined when it was
   * combined into one already queued. `wantedMs` must be an integer not after `nowMs`.
   *
   * @example
   * const sample = merge.stamp(series, 12, Math.floor(endMs), Date.now());
   * if (sample) queue.push(sample);
   */
  stamp(series: Series, value: number, wantedMs: number, nowMs: number): Sample | undefined {
    const rule = series.sameMs;
    if (rule !== undefined) {
      const last = this.sequencer.lastMs(series.key);
      if (last !== undefined && wantedMs <= last && last + 1 > nowMs) {
        const open = this.open.get(series.key);
        if (open !== undefined && open.timestampMs === last) {
          open.value = rule === 'sum' ? open.value + value : Math.max(open.value, value);
          return undefined;
        }
      }
    }
    const sample: OpenSample = { series, value, timestampMs: this.sequencer.nextMs(series.key, wantedMs) };
    if (rule !== undefined) this.open.set(series.key, sample);
    return sample;
  }

  /**
   * Forgets every open sample: they are about to leave the queue (or one may have been dropped from it).
   *
   * @example
   * merge.close();
   * const taken = queue.take(max);
   */
  close(): void {
    this.open.clear();
  }
}
