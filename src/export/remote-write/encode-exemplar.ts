import protobuf from 'protobufjs/minimal.js';
import type { Exemplar } from '../exemplar.js';

/**
 * Writes one remote-write 1.0 `Exemplar` as field 3 of a TimeSeries
 * (prometheus/prometheus `prompb/types.proto`):
 *   1a <len> { 0a <len> Label{ 0a <len> "trace_id" 12 <len> id } 11 <f64 LE> 18 <varint ms> }
 * `value` is a double (field 2, wire type I64: tag 0x11), `timestamp` an int64
 * varint of milliseconds (field 3: tag 0x18), not zigzag, as Sample's.
 * Exemplars are rare (at most one per histogram label set per flush), so this
 * goes through the Writer's API rather than the hand-written fast path of samples.
 */

type ProtoWriter = InstanceType<typeof protobuf.Writer>;

const TAG_TIMESERIES_EXEMPLARS = 0x1a;
const TAG_LABELS = 0x0a;
const TAG_LABEL_NAME = 0x0a;
const TAG_LABEL_VALUE = 0x12;
const TAG_EXEMPLAR_VALUE = 0x11;
const TAG_EXEMPLAR_TIMESTAMP = 0x18;
/** The label Grafana's Prometheus data source links to a trace by (its "Exemplars" setting, "Label name"). */
export const TRACE_ID_LABEL = 'trace_id';

/**
 * Appends `exemplar` to the TimeSeries being written into `w`. Timestamps are
 * floored to whole milliseconds, as samples' are.
 *
 * @example
 * w.uint32(0x0a).fork(); // a TimeSeries
 * // … labels and samples …
 * writeExemplar(w, { traceId: '5b8aa5a2d2c872e8321cf37308d69df2', value: 3.2, timestampMs: 1700000000000 });
 * w.ldelim();
 */
export function writeExemplar(w: ProtoWriter, exemplar: Exemplar): void {
  w.uint32(TAG_TIMESERIES_EXEMPLARS).fork();
  w.uint32(TAG_LABELS).fork();
  w.uint32(TAG_LABEL_NAME).string(TRACE_ID_LABEL);
  w.uint32(TAG_LABEL_VALUE).string(exemplar.traceId);
  w.ldelim();
  w.uint32(TAG_EXEMPLAR_VALUE).double(exemplar.value);
  w.uint32(TAG_EXEMPLAR_TIMESTAMP).int64(Math.floor(exemplar.timestampMs));
  w.ldelim();
}
