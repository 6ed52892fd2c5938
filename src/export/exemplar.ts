/**
 * A remote-write 1.0 exemplar (prometheus/prometheus `prompb/types.proto`:
 * `TimeSeries.exemplars = 3`, `Exemplar { labels = 1; value = 2; timestamp = 3 }`):
 * one observation of a series, kept with the trace it was made in, so Grafana
 * can open that trace from a point of the series. Prometheus stores it only
 * with `--enable-feature=exemplar-storage`; without it the push is accepted and
 * the exemplar ignored (storage/remote/write_handler.go: exemplar errors never
 * fail a request).
 *
 * @example
 * const exemplar: Exemplar = { traceId: '5b8aa5a2d2c872e8321cf37308d69df2', value: 3.2, timestampMs: 1700000000000 };
 * lane.addCollector(() => [{ series: bucketSeries, value: 7, exemplar }]);
 */
export interface Exemplar {
  /** Sent as the exemplar's only label, `trace_id` (the name Grafana's exemplar links read). */
  readonly traceId: string;
  /** The observed value (a duration in seconds, a cost in USD), not the series' value. */
  readonly value: number;
  /** When it was observed, epoch milliseconds. */
  readonly timestampMs: number;
}
