import { nanosecondTimestamp } from './loki/nanosecond-timestamp.js';

/**
 * Hands out timestamps that receivers accept, per series and per Loki stream.
 *
 * Prometheus: "integer ms timestamps; strictly increasing per series across the
 * whole process lifetime" (wire-protocols.md §8 item 6). Prom 2.42 answers a
 * sample older than the series' last one with 400 `out of order sample` and one
 * with the same timestamp but another value with 400 `duplicate sample for
 * timestamp`, and rolls back the whole request (§1.4). So two calls ending in
 * the same millisecond, or a wall clock stepped back by NTP, must never reuse or
 * go below the last timestamp: they get last + 1.
 *
 * Loki: an entry equal (timestamp + line) to the stream's last one is silently
 * dropped (§4 "Ingester"), so entries of one stream never share a nanosecond:
 * entries in the same millisecond get a sub-millisecond counter
 * (…123000000, …123000001, …; vector E2), and a clock step back continues from
 * the stream's last position.
 */

/** A Loki timestamp: the millisecond it is filed under, and its nanosecond string. */
export interface StreamTimestamp {
  readonly ms: number;
  readonly ns: string;
}

/**
 * A Loki timestamp as numbers: the millisecond and the position within it (the nanoseconds below the ms).
 *
 * @example
 * const at: StreamPosition = seq.nextPosition(stream.key, Date.now());
 * nanosecondTimestamp(at.ms, at.sub); // '1700000000123000000'
 */
export interface StreamPosition {
  readonly ms: number;
  readonly sub: number;
}

/** Sub-millisecond positions per millisecond (a nanosecond string has 6 digits below the ms). */
const SUB_MS_SLOTS = 1_000_000;

export class TimestampSequencer {
  private readonly seriesLast = new Map<string, number>();
  private readonly streamLast = new Map<string, StreamPosition>();

  /**
   * The timestamp to use for a new sample of a series: `ms` floored to an
   * integer, or the series' last timestamp + 1 when `ms` is not after it.
   *
   * @example
   * const seq = new TimestampSequencer();
   * seq.nextMs(series.key, 1700000000000.7); // 1700000000000
   * seq.nextMs(series.key, 1700000000000);   // 1700000000001 (collision)
   * seq.nextMs(series.key, 1699999999000);   // 1700000000002 (clock stepped back)
   */
  nextMs(key: string, ms: number): number {
    const wanted = Number.isFinite(ms) ? Math.floor(ms) : Date.now();
    const last = this.seriesLast.get(key);
    const next = last !== undefined && wanted <= last ? last + 1 : wanted;
    this.seriesLast.set(key, next);
    return next;
  }

  /**
   * The last timestamp handed out for a series, if any.
   *
   * @example
   * // a cumulative series is stamped at flush time only when that moves it forward
   * if ((seq.lastMs(key) ?? -Infinity) < now) seq.nextMs(key, now);
   */
  lastMs(key: string): number | undefined {
    return this.seriesLast.get(key);
  }

  /**
   * The timestamp for a new entry of a Loki stream: never equal to or before the
   * stream's previous one.
   *
   * @example
   * seq.nextNs(stream.key, 1700000000123); // { ms: 1700000000123, ns: '1700000000123000000' }
   * seq.nextNs(stream.key, 1700000000123); // { ms: 1700000000123, ns: '1700000000123000001' }
   */
  nextNs(key: string, ms: number): StreamTimestamp {
    const position = this.nextPosition(key, ms);
    return { ms: position.ms, ns: nanosecondTimestamp(position.ms, position.sub) };
  }

  /**
   * `nextNs` as numbers, for a caller that writes the string later (the log
   * lane writes it when it encodes the batch, off the request path).
   *
   * @example
   * const at = seq.nextPosition(stream.key, Date.now()); // { ms: 1700000000123, sub: 0 }
   * nanosecondTimestamp(at.ms, at.sub); // '1700000000123000000'
   */
  nextPosition(key: string, ms: number): StreamPosition {
    const wanted = Number.isFinite(ms) ? Math.floor(ms) : Date.now();
    const last = this.streamLast.get(key);
    let position: StreamPosition;
    if (last === undefined || wanted > last.ms) position = { ms: wanted, sub: 0 };
    else if (last.sub + 1 < SUB_MS_SLOTS) position = { ms: last.ms, sub: last.sub + 1 };
    else position = { ms: last.ms + 1, sub: 0 };
    this.streamLast.set(key, position);
    return position;
  }
}
