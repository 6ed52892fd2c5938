import { makeSeries, type Series } from '../export/series.js';

/** One label set's buckets, sum and count, with their series built once. */
interface HistogramCell {
  readonly counts: Float64Array;
  sum: number;
  count: number;
  readonly bucketSeries: readonly Series[];
  readonly sumSeries: Series;
  readonly countSeries: Series;
}

/**
 * A Prometheus histogram kept cumulative for the life of the process and read
 * at every flush (OpenMetrics: `_bucket{le}` counts are cumulative and end at
 * `le="+Inf"` = `_count`). Observing costs a bucket search and three additions;
 * the series objects for each label set are built the first time it is seen.
 *
 * @example
 * const h = new CumulativeHistogram('gen_ai_client_operation_duration_seconds', [0.01, 0.02, 0.04]);
 * h.observe({ gen_ai_operation_name: 'chat' }, 'chat', 0.03);
 * for (const { series, value } of h.collect()) console.log(series.key, value);
 */
export class CumulativeHistogram {
  private readonly cells = new Map<string, HistogramCell>();
  private readonly les: readonly string[];

  constructor(
    private readonly name: string,
    private readonly bounds: readonly number[],
    private readonly maxLabelSets = 2000,
  ) {
    this.les = [...bounds.map((b) => String(b)), '+Inf'];
  }

  /** Records one value for the label set identified by `key`; returns false when the label-set cap was reached. */
  observe(labels: Readonly<Record<string, string | undefined>>, key: string, value: number): boolean {
    if (!Number.isFinite(value)) return false;
    let cell = this.cells.get(key);
    if (cell === undefined) {
      if (this.cells.size >= this.maxLabelSets) return false;
      cell = this.newCell(labels);
      this.cells.set(key, cell);
    }
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]) i += 1;
    cell.counts[i] += 1;
    cell.sum += value;
    cell.count += 1;
    return true;
  }

  /** Current cumulative values of every series. */
  *collect(): Iterable<{ series: Series; value: number }> {
    for (const cell of this.cells.values()) {
      let cumulative = 0;
      for (let i = 0; i < cell.bucketSeries.length; i++) {
        cumulative += cell.counts[i];
        yield { series: cell.bucketSeries[i], value: cumulative };
      }
      yield { series: cell.sumSeries, value: cell.sum };
      yield { series: cell.countSeries, value: cell.count };
    }
  }

  private newCell(labels: Readonly<Record<string, string | undefined>>): HistogramCell {
    return {
      counts: new Float64Array(this.les.length),
      sum: 0,
      count: 0,
      bucketSeries: this.les.map((le) => makeSeries(`${this.name}_bucket`, { ...labels, le })),
      sumSeries: makeSeries(`${this.name}_sum`, labels),
      countSeries: makeSeries(`${this.name}_count`, labels),
    };
  }
}
