/**
 * Loki entry timestamps are nanoseconds since the epoch written as a decimal
 * string (reference/wire-protocols.md §4, vector E1). Nanoseconds today are ~1.7e18,
 * past Number.MAX_SAFE_INTEGER (9.0e15), so `ms * 1e6 + subMs` computed in floating
 * point loses the low digits: `(1700000000123 * 1e6 + 1).toString()` is
 * `"1700000000123000000"`, not `…001` (vector E2). The sub-millisecond part is what
 * keeps entries of the same millisecond distinct and ordered, so it must survive:
 * the string is built by concatenating the ms digits and the 6 zero-padded
 * sub-ms digits, which is exact and cheaper than BigInt.
 */

const SUB_MS_PER_MS = 1_000_000;

/**
 * Exact nanosecond timestamp string of `ms` milliseconds plus `subMs` nanoseconds.
 *
 * `ms` must be a non-negative safe integer (epoch milliseconds, e.g. `Date.now()`)
 * and `subMs` an integer with 0 ≤ subMs < 1,000,000 (e.g. a per-millisecond
 * counter); anything else is a caller bug and throws a RangeError.
 *
 * @example
 * nanosecondTimestamp(1700000000123, 1); // "1700000000123000001"
 * nanosecondTimestamp(1700000000123, 0); // "1700000000123000000"
 */
export function nanosecondTimestamp(ms: number, subMs: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new RangeError(`nanosecondTimestamp: ms must be a non-negative safe integer, got ${ms}`);
  }
  if (!Number.isInteger(subMs) || subMs < 0 || subMs >= SUB_MS_PER_MS) {
    throw new RangeError(`nanosecondTimestamp: subMs must be an integer in [0, 999999], got ${subMs}`);
  }
  // No leading zeros: 0 ms is just the sub-ms count.
  if (ms === 0) return String(subMs);
  return String(ms) + String(subMs).padStart(6, '0');
}
