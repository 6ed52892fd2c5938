import protobuf from 'protobufjs/minimal.js';

/** One decoded remote-write series. */
export interface DecodedSeries {
  labels: Record<string, string>;
  samples: { value: number; timestampMs: number }[];
}

const { Reader } = protobuf;
type ProtoReader = InstanceType<typeof Reader>;

function readLabel(reader: ProtoReader, end: number): [string, string] {
  let name = '';
  let value = '';
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === 0x0a) name = reader.string();
    else if (tag === 0x12) value = reader.string();
    else reader.skipType(tag & 7);
  }
  return [name, value];
}

function readSample(reader: ProtoReader, end: number): { value: number; timestampMs: number } {
  let value = 0;
  let timestampMs = 0;
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === 0x09) value = reader.double();
    else if (tag === 0x10) timestampMs = Number(reader.int64().toString());
    else reader.skipType(tag & 7);
  }
  return { value, timestampMs };
}

/**
 * Decodes a remote-write 1.0 `WriteRequest` (already uncompressed), for the
 * demo's local receiver: the layout of reference/wire-protocols.md §1.1.
 *
 * @example
 * const series = decodeWriteRequest(SnappyJS.uncompress(body));
 */
export function decodeWriteRequest(bytes: Uint8Array): DecodedSeries[] {
  const reader = Reader.create(bytes);
  const result: DecodedSeries[] = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag !== 0x0a) {
      reader.skipType(tag & 7);
      continue;
    }
    const seriesEnd = reader.uint32() + reader.pos;
    const series: DecodedSeries = { labels: {}, samples: [] };
    while (reader.pos < seriesEnd) {
      const field = reader.uint32();
      const end = reader.uint32() + reader.pos;
      if (field === 0x0a) {
        const [name, value] = readLabel(reader, end);
        series.labels[name] = value;
      } else if (field === 0x12) series.samples.push(readSample(reader, end));
      else reader.pos = end;
    }
    result.push(series);
  }
  return result;
}
