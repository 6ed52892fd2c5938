import protobuf from 'protobufjs/minimal.js';
import type { Sample, Series } from '../series.js';
import { writeExemplar } from './encode-exemplar.js';
import { runAtOnce } from '../sliced-work.js';

/**
 * Prometheus remote-write 1.0 `WriteRequest` encoder (reference/wire-protocols.md
 * §1.1), written straight into a protobufjs `Writer`: no `.proto` at run time and
 * no message objects. Only field 1 (`timeseries`) is written: field 2 is reserved
 * for Cortex and field 3 (metadata) is not part of spec 1.0 (§8 item 1).
 *
 * Wire layout produced, per TimeSeries:
 *   0a <len> { 0a <len> Label{ 0a <len> name 12 <len> value } ... 12 <len> Sample{ 09 <f64 LE> 10 <varint> } ... [1a <len> Exemplar] }
 * A sample carrying an exemplar adds it as TimeSeries field 3 (encode-exemplar.ts).
 * Both Sample fields are always written, even when 0 (vector A12 allows either).
 */

const { Writer } = protobuf;
type ProtoWriter = InstanceType<typeof Writer>;

/** Tag of WriteRequest.timeseries (field 1, LEN) and of TimeSeries.labels / Label.name. */
const TAG_FIELD1_LEN = 0x0a;
/** Tag of Label.value (field 2, LEN). */
const TAG_FIELD2_LEN = 0x12;

/**
 * Encoded label block (`0a <len> Label` for every label) per Series object. Series
 * are created once and reused for every sample (series.ts), so after the first
 * flush a series costs one `raw()` copy instead of re-encoding its UTF-8 strings.
 */
const labelBlocks = new WeakMap<Series, Uint8Array>();

function labelBlockOf(series: Series): Uint8Array {
  let block = labelBlocks.get(series);
  if (block === undefined) {
    const w = Writer.create();
    for (const label of series.labels) {
      w.uint32(TAG_FIELD1_LEN).fork();
      w.uint32(TAG_FIELD1_LEN).string(label.name);
      w.uint32(TAG_FIELD2_LEN).string(label.value);
      w.ldelim();
    }
    block = w.finish();
    labelBlocks.set(series, block);
  }
  return block;
}

/** One Sample field is at most 22 bytes: tag 12, length (< 128, one byte), 09 + 8 bytes of double, 10 + a varint of up to 10 bytes. */
const MAX_SAMPLE_FIELD_BYTES = 22;
const TWO_POW_32 = 4294967296;

/**
 * Makes room for `n` more bytes at `w.pos` using only the Writer's public API:
 * `raw()` grows the buffer the way the Writer does, then the cursor is put back.
 * Runs only when the buffer must grow, so it costs nothing per sample.
 */
function reserve(w: ProtoWriter, n: number): void {
  if (w.buf.length - w.pos >= n) return;
  const pos = w.pos;
  w.raw(new Uint8Array(n));
  w.pos = pos;
}

/**
 * Writes Sample{value, timestamp} as field 2 of TimeSeries straight into `buf` at
 * `pos` (room already reserved) and returns the position after it. Writing bytes
 * directly is what makes this fast: per sample there is no call into the Writer
 * and no allocation (protobufjs' own `int64(number)` allocates a LongBits per call).
 */
function writeSample(buf: Uint8Array, view: DataView, pos: number, value: number, timestampMs: number): number {
  const start = pos;
  buf[pos] = TAG_FIELD2_LEN;
  buf[pos + 2] = 0x09;
  // DataView writes the IEEE-754 bits of the number as held, so ±Inf, -0 and NaN
  // payloads (the stale marker 0x7ff0000000000002) stay bit-exact (vector A9;
  // wire-protocols.md §1.4 notes V8 preserves NaN bits), and it is several times
  // faster than copying bytes out of a Float64Array.
  view.setFloat64(pos + 3, value, true);
  buf[pos + 11] = 0x10;
  pos += 12;
  // int64 as a plain varint of the two's complement (not zigzag): a negative
  // timestamp takes 10 bytes (§1.1, vector A11). Same split as protobufjs' LongBits.
  const negative = timestampMs < 0;
  const magnitude = negative ? -timestampMs : timestampMs;
  let lo = magnitude >>> 0;
  let hi = ((magnitude - lo) / TWO_POW_32) >>> 0;
  if (negative) {
    hi = ~hi >>> 0;
    lo = ~lo >>> 0;
    if (++lo > 0xffffffff) {
      lo = 0;
      hi = (hi + 1) >>> 0;
    }
  }
  while (hi !== 0) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  while (lo > 0x7f) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo >>>= 7;
  }
  buf[pos++] = lo;
  buf[start + 1] = pos - start - 2; // Sample length, always < 128
  return pos;
}

/**
 * Groups samples by `series.key` without allocating per sample: a linked list
 * through `next` (sample index → next sample index of the same series). Also
 * floors each timestamp into `timestamps`, leaving out non-finite ones.
 */
interface Grouping {
  /** Index of the first sample of each series, in first-seen order. */
  heads: number[];
  /** Whether each series' samples arrived in non-decreasing timestamp order. */
  ordered: boolean[];
  /** Number of samples of each series. */
  counts: number[];
  next: Int32Array;
  /** Series (group indexes) with a sample that carries an exemplar; undefined when none does (the usual case). */
  withExemplars: Set<number> | undefined;
}

/** Samples grouped, or series encoded, between two points where the work may be paused (sliced-work.ts). */
const STEP = 1024;

function* groupBySeries(samples: readonly Sample[], timestamps: Float64Array): Generator<void, Grouping, void> {
  // Looked up by Series object first (identity hashing is about twice as fast as
  // string keys); a new object falls back to its key, so equal series still merge.
  // A series enters the identity map on its second sample only: a batch of
  // distinct series (bench/encoding.bench.ts) then pays one map insert each, not two.
  const groupOfSeries = new Map<Series, number>();
  const groupOfKey = new Map<string, number>();
  const heads: number[] = [];
  const tails: number[] = [];
  const ordered: boolean[] = [];
  const counts: number[] = [];
  const next = new Int32Array(samples.length).fill(-1);
  let withExemplars: Set<number> | undefined;
  let lastSeries: Series | undefined;
  let lastGroup = -1;
  for (let i = 0; i < samples.length; i++) {
    if (i % STEP === STEP - 1) yield;
    const sample = samples[i];
    const t = sample.timestampMs;
    if (!Number.isFinite(t)) continue; // see encodeWriteRequest: left out
    const ts = (timestamps[i] = Math.floor(t));
    const series = sample.series;
    // Runs of samples of one series (a counter's history) skip the maps.
    let g = series === lastSeries ? lastGroup : groupOfSeries.get(series);
    if (g === undefined) {
      g = groupOfKey.get(series.key);
      if (g !== undefined) groupOfSeries.set(series, g);
    }
    lastSeries = series;
    if (g === undefined) {
      lastGroup = heads.length;
      groupOfKey.set(series.key, heads.length);
      heads.push(i);
      tails.push(i);
      ordered.push(true);
      counts.push(1);
    } else {
      lastGroup = g;
      counts[g]++;
      const tail = tails[g];
      if (ts < timestamps[tail]) ordered[g] = false;
      next[tail] = i;
      tails[g] = i;
    }
    if (sample.exemplar !== undefined) (withExemplars ??= new Set()).add(lastGroup);
  }
  return { heads, ordered, counts, next, withExemplars };
}

/**
 * The exemplars of one series' samples, oldest first: Prometheus' exemplar
 * storage keeps a series' exemplars in time order and skips one older than the
 * newest it holds (tsdb/exemplar.go, `ErrOutOfOrderExemplar`).
 */
function writeExemplarsOf(w: ProtoWriter, samples: readonly Sample[], head: number, next: Int32Array): void {
  const exemplars = [];
  for (let i = head; i !== -1; i = next[i]) {
    const exemplar = samples[i].exemplar;
    if (exemplar !== undefined && Number.isFinite(exemplar.timestampMs)) exemplars.push(exemplar);
  }
  exemplars.sort((a, b) => a.timestampMs - b.timestampMs);
  for (const exemplar of exemplars) writeExemplar(w, exemplar);
}

let sharedWriter: ProtoWriter | undefined;
/** A writer that grew past this is dropped after use rather than kept for the next flush. */
const MAX_KEPT_WRITER_BYTES = 4 * 1024 * 1024;

/**
 * Encodes samples as a remote-write 1.0 `WriteRequest` protobuf (uncompressed).
 *
 * - One TimeSeries per distinct `series.key`, series in first-seen order; labels
 *   are written as the Series holds them (sorted and validated by `makeSeries`).
 * - Samples of a series in ascending timestamp order, ties keeping input order
 *   (stable). Duplicate timestamps are the caller's to resolve (vector A15).
 * - A fractional timestamp is floored to whole milliseconds (vector A11); a
 *   sample whose timestamp is not finite is left out, because one bad sample
 *   makes Prometheus reject the whole batch (§1.4). A series left with no
 *   sample is not written.
 * - A sample's exemplar is written with its series (TimeSeries field 3), oldest first.
 * - An empty input gives an empty (0-byte) request; exporters send nothing for
 *   an empty batch (vector A3).
 *
 * @example
 * const up = makeSeries('openai_totalTokens', { job: 'integrations/openai' });
 * const body = encodeWriteRequest([{ series: up, value: 42, timestampMs: 1700000000000 }]);
 * const compressed = compressSnappyBlock(body);
 */
export function encodeWriteRequest(samples: readonly Sample[]): Uint8Array {
  return runAtOnce(encodeWriteRequestSteps(samples));
}

/**
 * `encodeWriteRequest` as steps: it yields every 1,024 samples grouped and
 * every 1,024 series written, where it may be paused (sliced-work.ts), so a
 * flush of tens of thousands of series does not stall the event loop.
 *
 * @example
 * const body = await runSliced(encodeWriteRequestSteps(samples));
 */
export function* encodeWriteRequestSteps(samples: readonly Sample[]): Generator<void, Uint8Array, void> {
  // Whole-millisecond timestamps, filled in by groupBySeries (one pass over the samples).
  const timestamps = new Float64Array(samples.length);
  const { heads, ordered, counts, next, withExemplars } = yield* groupBySeries(samples, timestamps);

  // One module-level writer is reused across flushes instead of regrowing a
  // fresh 128-byte buffer every time; an encoding that runs while another is
  // paused finds it taken and makes its own.
  const w = sharedWriter ?? Writer.create();
  sharedWriter = undefined;
  w.reset();
  const sorted: number[] = [];
  // A WriteRequest is its TimeSeries fields one after the other, so the body can
  // be finished a slice of series at a time and the slices joined: finish() runs
  // in one piece, and over 55,000 series it alone stalled the loop for tens of ms.
  const parts: Uint8Array[] = [];
  for (let g = 0; g < heads.length; g++) {
    if (g % STEP === STEP - 1) {
      parts.push(w.finish());
      w.reset();
      yield;
    }
    const head = heads[g];
    w.uint32(TAG_FIELD1_LEN).fork();
    w.raw(labelBlockOf(samples[head].series));
    reserve(w, counts[g] * MAX_SAMPLE_FIELD_BYTES);
    const buf = w.buf;
    // The Writer's own cached view over `buf` (reset to null whenever it regrows).
    const view = w.view ?? (w.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength));
    let pos = w.pos;
    if (ordered[g]) {
      for (let i = head; i !== -1; i = next[i]) pos = writeSample(buf, view, pos, samples[i].value, timestamps[i]);
    } else {
      sorted.length = 0;
      for (let i = head; i !== -1; i = next[i]) sorted.push(i);
      // Array.prototype.sort is stable (ES2019), so equal timestamps keep input order.
      sorted.sort((a, b) => timestamps[a] - timestamps[b]);
      for (const i of sorted) pos = writeSample(buf, view, pos, samples[i].value, timestamps[i]);
    }
    w.pos = pos;
    if (withExemplars?.has(g) === true) writeExemplarsOf(w, samples, head, next);
    w.ldelim();
  }
  const last = w.finish();
  w.reset();
  if (w.buf.length <= MAX_KEPT_WRITER_BYTES) sharedWriter = w;
  if (parts.length === 0) return last;
  parts.push(last);
  yield;
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
