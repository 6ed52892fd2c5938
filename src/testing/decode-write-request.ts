import protobuf from 'protobufjs/minimal.js';

/**
 * Decodes a remote-write 1.0 `WriteRequest` (reference/wire-protocols.md §1.1)
 * with protobufjs' `Reader`, keeping what a strict receiver must see: labels in
 * wire order (to check they are sorted), and every field number met (remote-write
 * 1.0 sends only WriteRequest field 1 and TimeSeries fields 1, 2 and 3, the
 * exemplars of prompb/types.proto that Prometheus' own sender adds with
 * `send_exemplars`; decoders skip others silently, which would hide a client
 * sending them).
 */

/** One TimeSeries as it was on the wire. */
export interface WireTimeSeries {
  /** Labels in wire order (a conforming client sorts them byte-wise). */
  readonly labels: { readonly name: string; readonly value: string }[];
  readonly samples: { readonly value: number; readonly timestampMs: number }[];
  /** Exemplars (TimeSeries field 3): an observation with its labels, e.g. `trace_id`. */
  readonly exemplars: WireExemplar[];
}

/** One `Exemplar { labels = 1; value = 2; timestamp = 3 }` as it was on the wire. */
export interface WireExemplar {
  readonly labels: { readonly name: string; readonly value: string }[];
  readonly value: number;
  readonly timestampMs: number;
}

export interface DecodedWriteRequest {
  readonly series: WireTimeSeries[];
  /** Fields a remote-write 1.0 client never sends, e.g. `WriteRequest field 3 (metadata)`. */
  readonly unexpectedFields: string[];
}

const { Reader } = protobuf;
type ProtoReader = InstanceType<typeof Reader>;

function readLabel(reader: ProtoReader, end: number, unexpected: string[]): { name: string; value: string } {
  let name = '';
  let value = '';
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === 0x0a) name = reader.string();
    else if (tag === 0x12) value = reader.string();
    else {
      unexpected.push(`Label field ${tag >>> 3}`);
      reader.skipType(tag & 7);
    }
  }
  return { name, value };
}

function readSample(reader: ProtoReader, end: number, unexpected: string[]): { value: number; timestampMs: number } {
  let value = 0;
  let timestampMs = 0;
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === 0x09) value = reader.double();
    // int64 as a plain varint (not zigzag); Long → string → number keeps negatives right.
    else if (tag === 0x10) timestampMs = Number(reader.int64().toString());
    else {
      unexpected.push(`Sample field ${tag >>> 3}`);
      reader.skipType(tag & 7);
    }
  }
  return { value, timestampMs };
}

function readExemplar(reader: ProtoReader, end: number, unexpected: string[]): WireExemplar {
  const exemplar: { labels: { name: string; value: string }[]; value: number; timestampMs: number } = { labels: [], value: 0, timestampMs: 0 };
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === 0x0a) {
      const labelEnd = reader.uint32() + reader.pos;
      exemplar.labels.push(readLabel(reader, labelEnd, unexpected));
    } else if (tag === 0x11) exemplar.value = reader.double();
    else if (tag === 0x18) exemplar.timestampMs = Number(reader.int64().toString());
    else {
      unexpected.push(`Exemplar field ${tag >>> 3}`);
      reader.skipType(tag & 7);
    }
  }
  return exemplar;
}

function readSeries(reader: ProtoReader, end: number, unexpected: string[]): WireTimeSeries {
  const series: WireTimeSeries = { labels: [], samples: [], exemplars: [] };
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === 0x0a) {
      const labelEnd = reader.uint32() + reader.pos;
      series.labels.push(readLabel(reader, labelEnd, unexpected));
    } else if (tag === 0x12) {
      const sampleEnd = reader.uint32() + reader.pos;
      series.samples.push(readSample(reader, sampleEnd, unexpected));
    } else if (tag === 0x1a) {
      const exemplarEnd = reader.uint32() + reader.pos;
      series.exemplars.push(readExemplar(reader, exemplarEnd, unexpected));
    } else {
      unexpected.push(`TimeSeries field ${tag >>> 3} (${tag >>> 3 === 4 ? 'native histograms' : 'unknown'})`);
      reader.skipType(tag & 7);
    }
  }
  if (reader.pos !== end) throw new Error('a TimeSeries overruns its length');
  return series;
}

/**
 * Decodes an uncompressed WriteRequest; throws on bytes that are not one.
 *
 * @example
 * const { series, unexpectedFields } = decodeWriteRequest(SnappyJS.uncompress(body));
 * series[0].labels; // [{ name: '__name__', value: 'openai_totalTokens' }, …]
 */
export function decodeWriteRequest(bytes: Uint8Array): DecodedWriteRequest {
  const reader = Reader.create(bytes);
  const series: WireTimeSeries[] = [];
  const unexpectedFields: string[] = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag !== 0x0a) {
      unexpectedFields.push(`WriteRequest field ${tag >>> 3}${tag >>> 3 === 3 ? ' (metadata)' : ''}`);
      reader.skipType(tag & 7);
      continue;
    }
    const end = reader.uint32() + reader.pos;
    if (end > reader.len) throw new Error('a TimeSeries overruns the message');
    series.push(readSeries(reader, end, unexpectedFields));
  }
  return { series, unexpectedFields };
}
