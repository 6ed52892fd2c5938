import type { Exemplar } from './exemplar.js';
import { safeLabelValue } from './label-value.js';

/**
 * A Prometheus series: a metric name plus constant labels, validated and sorted
 * once when it is created so that the hot path only looks it up.
 *
 * Remote-write rules (reference/wire-protocols.md §1.3, §8 items 4-5): labels are
 * sorted byte-wise on their UTF-8 names (`__name__` is not forced first), names
 * match `[a-zA-Z_][a-zA-Z0-9_]*`, metric names `[a-zA-Z_:][a-zA-Z0-9_:]*`, no
 * name appears twice, and a label whose value is empty is left out. Values
 * are well-formed UTF-8 of at most 2,048 bytes (label-value.ts).
 */
export interface Label {
  readonly name: string;
  readonly value: string;
}

export interface Series {
  /** Stable identity of the series (name + sorted labels), for maps keyed by series. */
  readonly key: string;
  /** The full label set including `__name__`, sorted byte-wise, no empty values. */
  readonly labels: readonly Label[];
  /** How samples of one millisecond combine when the series runs out of free ms (sample-merge.ts); absent: never. */
  readonly sameMs?: SameMsRule;
}

/**
 * How two samples of one series that would need the same millisecond become
 * one: `sum` for quantities whose `sum_over_time` must stay exact (tokens,
 * cost), `max` for a quantity whose worst value matters (a duration).
 */
export type SameMsRule = 'sum' | 'max';

/** One point of one series: value at a millisecond timestamp. */
export interface Sample {
  readonly series: Series;
  readonly value: number;
  /** Integer milliseconds since the epoch. */
  timestampMs: number;
  /** An observation behind the value, with its trace (histogram buckets only; exemplar.ts). */
  readonly exemplar?: Exemplar;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Thrown for a series that could never be accepted by a receiver. */
export class InvalidSeriesError extends Error {
  readonly code = 'GOM_INVALID_SERIES';
}

/**
 * Byte-wise UTF-8 order of two label names. Names are checked against
 * LABEL_NAME first, so they are ASCII, whose UTF-8 bytes are its code units:
 * comparing the strings is comparing the bytes, without the two Buffers per
 * comparison that made series creation ~4 ms per new model (55 series).
 */
function compareAsciiNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Builds a series from a metric name and labels.
 *
 * @example
 * const s = makeSeries('openai_promptTokens', { job: 'integrations/openai', model: 'gpt-4o' });
 * s.labels; // [{ name: '__name__', value: 'openai_promptTokens' }, { name: 'job', ... }, { name: 'model', ... }]
 * const cost = makeSeries('openai_usageCost', { model: 'gpt-4o' }, 'sum'); // samples of one ms are added up
 */
export function makeSeries(name: string, labels: Readonly<Record<string, string | undefined>>, sameMs?: SameMsRule): Series {
  if (!METRIC_NAME.test(name)) throw new InvalidSeriesError(`invalid metric name ${JSON.stringify(name)}`);
  const list: Label[] = [{ name: '__name__', value: name }];
  for (const labelName of Object.keys(labels)) {
    const value = labels[labelName];
    if (value === undefined || value === '') continue;
    checkLabelName(labelName);
    // Server-made values (model names) may be malformed or huge: made safe here, once per series (label-value.ts).
    list.push({ name: labelName, value: safeLabelValue(value) });
  }
  list.sort(byName);
  // Object keys are unique and `__name__` is refused above, so no name repeats.
  return seriesOf(list, sameMs);
}

/**
 * A series of another metric name with the labels of `base`, and one label
 * more (or replaced). A histogram's label set has a series per bucket, which
 * differ only in `le`: deriving them from one series checks and sorts the
 * shared labels once, where a makeSeries per bucket did it for each, and
 * made a new model cost 1.6 ms of series building on the app's event loop
 * (100 new models in one flush: 167 ms; issue 22 item 7).
 *
 * @example
 * const sum = makeSeries('gen_ai_usage_cost_USD_sum', { model: 'gpt-4o' });
 * const bucket = derivedSeries(sum, 'gen_ai_usage_cost_USD_bucket', { name: 'le', value: '0.01' });
 * bucket.labels; // [__name__, le, model]
 */
export function derivedSeries(base: Series, name: string, extra?: Label): Series {
  if (!METRIC_NAME.test(name)) throw new InvalidSeriesError(`invalid metric name ${JSON.stringify(name)}`);
  // The base's other Label objects are immutable and shared; only __name__ changes, in place.
  const list = base.labels.map((l) => (l.name === '__name__' ? { name: '__name__', value: name } : l));
  if (extra === undefined || extra.value === '') return seriesOf(list, base.sameMs);
  checkLabelName(extra.name);
  const kept = list.filter((l) => l.name !== extra.name);
  kept.push({ name: extra.name, value: safeLabelValue(extra.value) });
  return seriesOf(kept.sort(byName), base.sameMs);
}

/** Throws for a label name no receiver accepts: `__`-prefixed (Prometheus' own, wire-protocols.md §1.3) or not `[a-zA-Z_][a-zA-Z0-9_]*`. */
function checkLabelName(labelName: string): void {
  if (labelName.startsWith('__')) throw new InvalidSeriesError(`label name ${JSON.stringify(labelName)} is reserved (names starting with __ belong to Prometheus)`);
  if (!LABEL_NAME.test(labelName)) throw new InvalidSeriesError(`invalid label name ${JSON.stringify(labelName)}`);
}

function byName(a: Label, b: Label): number {
  return compareAsciiNames(a.name, b.name);
}

/** The series of labels already checked and sorted, with its key. */
function seriesOf(labels: Label[], sameMs: SameMsRule | undefined): Series {
  const key = labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(',');
  return sameMs === undefined ? { key, labels } : { key, labels, sameMs };
}
