import type { Exemplar } from '../export/exemplar.js';
import { derivedSeries, makeSeries, type Series } from '../export/series.js';
import { ExemplarChoice } from './exemplar-choice.js';
import type { TraceContext } from './observation.js';
import type { CollectedValue } from '../export/telemetry-sink.js';
import { birthMs } from './series-birth.js';

/**
 * One label set's buckets, sum and count, with their series built once. Callers
 * that see the same label set on every call keep the cell (native-metrics.ts)
 * and skip the map lookup.
 *
 * @example
 * const cell = histogram.cell(labels, key); // keep it for the next call of this label set
 * if (cell !== undefined) histogram.observeIn(cell, 0.42);
 */
export interface HistogramCell {
  readonly counts: Float64Array;
  sum: number;
  count: number;
  readonly bucketSeries: readonly Series[];
  readonly sumSeries: Series;
  readonly countSeries: Series;
  /** Made when the label set's first call in a sampled trace is observed. */
  exemplar?: ExemplarChoice;
  /** When the series' 0 is stamped, until its first collect (series-birth.ts). */
  bornMs: number | undefined;
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
    const cell = this.cell(labels, key);
    if (cell === undefined) return false;
    this.observeIn(cell, value);
    return true;
  }

  /**
   * The cell of the label set identified by `key`, built the first time (its
   * series then born at zero just before `firstObservationMs`, the end of the
   * call about to be observed); undefined once the label-set cap is reached.
   *
   * @example
   * const cell = h.cell({ gen_ai_operation_name: 'chat' }, 'chat', observation.endMs);
   * if (cell !== undefined) h.observeIn(cell, 0.03);
   */
  cell(labels: Readonly<Record<string, string | undefined>>, key: string, firstObservationMs: number = Date.now()): HistogramCell | undefined {
    let cell = this.cells.get(key);
    if (cell === undefined) {
      if (this.cells.size >= this.maxLabelSets) return undefined;
      cell = this.newCell(labels, birthMs(firstObservationMs));
      this.cells.set(key, cell);
    }
    return cell;
  }

  /**
   * Records one value in a cell this histogram returned from `cell()`; non-finite values are ignored.
   *
   * @example
   * h.observeIn(cell, 0.03);
   */
  observeIn(cell: HistogramCell, value: number): void {
    if (!Number.isFinite(value)) return;
    const i = this.bucketOf(value);
    cell.counts[i] += 1;
    cell.sum += value;
    cell.count += 1;
  }

  /**
   * Offers a call's value as the cell's exemplar for this flush (exemplar-choice.ts):
   * kept if the call ran in a sampled trace and is the largest so far.
   *
   * @example
   * if (obs.trace !== undefined) h.offerExemplarIn(cell, obs.durationS, obs.trace, obs.endMs);
   */
  offerExemplarIn(cell: HistogramCell, value: number, trace: TraceContext, timestampMs: number): void {
    if (!trace.sampled) return;
    cell.exemplar ??= new ExemplarChoice();
    cell.exemplar.offer(trace, value, timestampMs);
  }

  /**
   * Current cumulative values of every series. The exemplar chosen since the
   * last collect rides on the bucket its value falls in (the `le` bucket of
   * the smallest bound not below it, as client_golang attaches exemplars), so
   * `…_bucket` queries such as histogram_quantile() find it; it is then let go.
   */
  *collect(): Iterable<CollectedValue> {
    for (const cell of this.cells.values()) {
      const bornMs = cell.bornMs;
      if (bornMs !== undefined) {
        cell.bornMs = undefined;
        for (const series of cell.bucketSeries) yield { series, value: 0, timestampMs: bornMs };
        yield { series: cell.sumSeries, value: 0, timestampMs: bornMs };
        yield { series: cell.countSeries, value: 0, timestampMs: bornMs };
      }
      const exemplar = cell.exemplar?.take();
      const exemplarBucket = exemplar === undefined ? -1 : this.bucketOf(exemplar.value);
      let cumulative = 0;
      for (let i = 0; i < cell.bucketSeries.length; i++) {
        cumulative += cell.counts[i];
        if (i === exemplarBucket) yield { series: cell.bucketSeries[i], value: cumulative, exemplar };
        else yield { series: cell.bucketSeries[i], value: cumulative };
      }
      yield { series: cell.sumSeries, value: cell.sum };
      yield { series: cell.countSeries, value: cell.count };
    }
  }

  /** Index of the bucket `value` is counted in: the first bound not below it, else `+Inf`. */
  private bucketOf(value: number): number {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]) i += 1;
    return i;
  }

  private newCell(labels: Readonly<Record<string, string | undefined>>, bornMs: number): HistogramCell {
    // The label set is checked and sorted once; its bucket and count series are derived from it.
    const sumSeries = makeSeries(`${this.name}_sum`, labels);
    return {
      bornMs,
      counts: new Float64Array(this.les.length),
      sum: 0,
      count: 0,
      bucketSeries: this.les.map((le) => derivedSeries(sumSeries, `${this.name}_bucket`, { name: 'le', value: le })),
      sumSeries,
      countSeries: derivedSeries(sumSeries, `${this.name}_count`),
    };
  }
}
