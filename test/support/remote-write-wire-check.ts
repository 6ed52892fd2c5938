import protobuf from 'protobufjs/minimal.js';
import { deserialize } from 'prometheus-remote-write';
// Typed by src/types/snappyjs.d.ts (snappyjs ships no declarations).
import SnappyJS from 'snappyjs';

/**
 * The request-level remote-write 1.0 rules a strict receiver checks
 * (reference/wire-protocols.md §1.1–§1.3, §8 items 1–5), decoded with code that is
 * not ours: snappyjs' block decoder and prometheus-remote-write's `deserialize`
 * (its own generated `prom.js`, protobufjs 7). Per-series ordering across requests
 * is the receiver's job (remote-write-receiver.ts).
 */


/** One TimeSeries as it was on the wire: labels in wire order, timestamps as numbers. */
export interface WireSeries {
  labels: { name: string; value: string }[];
  samples: { value: number; timestampMs: number }[];
  /** TimeSeries field 3 (prompb/types.proto `Exemplar { labels = 1; value = 2; timestamp = 3 }`). */
  exemplars: WireExemplar[];
}

export interface WireExemplar {
  labels: { name: string; value: string }[];
  value: number;
  timestampMs: number;
}

interface LongLike {
  toNumber(): number;
}
interface DecodedPoint {
  value?: number;
  timestamp?: number | LongLike;
}
interface DecodedWriteRequest {
  timeseries?: {
    labels?: { name?: string; value?: string }[];
    samples?: DecodedPoint[];
    exemplars?: (DecodedPoint & { labels?: { name?: string; value?: string }[] })[];
  }[];
}

const FRAMED_SNAPPY_MAGIC = Buffer.from('ff060000734e61507059', 'hex');
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** `name/semver`, optionally followed by a space and comments, e.g. `grafana-openai-monitoring/1.0.0 (node 20)`. */
const USER_AGENT = /^[A-Za-z0-9@._-]+(?:\/[A-Za-z0-9@._-]+)*\/\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?(?: \S.*)?$/;

/** Values of header `name` (any case) in the order sent, repeats kept. */
function headerValues(rawHeaders: readonly string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i].toLowerCase() === name) values.push(rawHeaders[i + 1]);
  }
  return values;
}

/**
 * Breaches of the four reserved headers (§1.2, §8 item 3): each present exactly
 * once with exactly the required value, User-Agent of the form `name/semver`.
 *
 * @example
 * checkRemoteWriteHeaders(['Content-Type', 'application/x-protobuf']); // three messages: two headers missing, no User-Agent
 */
export function checkRemoteWriteHeaders(rawHeaders: readonly string[]): string[] {
  const problems: string[] = [];
  const exact: [string, string][] = [
    ['Content-Encoding', 'snappy'],
    ['Content-Type', 'application/x-protobuf'],
    ['X-Prometheus-Remote-Write-Version', '0.1.0'],
  ];
  for (const [name, expected] of exact) {
    const got = headerValues(rawHeaders, name.toLowerCase());
    if (got.length !== 1 || got[0] !== expected) {
      problems.push(`header ${name} must be sent exactly once as "${expected}", got ${JSON.stringify(got)}`);
    }
  }
  const agents = headerValues(rawHeaders, 'user-agent');
  if (agents.length !== 1 || !USER_AGENT.test(agents[0])) {
    problems.push(`header User-Agent must be sent exactly once as name/semver, got ${JSON.stringify(agents)}`);
  }
  return problems;
}

/**
 * Field numbers used at each level, so fields 2/3 of WriteRequest or 4 of
 * TimeSeries are caught even though decoders skip them. TimeSeries field 3
 * (exemplars) is prompb's, which Prometheus' own sender writes with `send_exemplars`.
 */
function checkFieldNumbers(proto: Uint8Array, problems: string[]): void {
  const top = protobuf.Reader.create(proto);
  while (top.pos < top.len) {
    const tag = top.uint32();
    if (tag !== 0x0a) {
      problems.push(`WriteRequest carries field ${tag >>> 3} (wire type ${tag & 7}); remote-write 1.0 sends only field 1`);
      top.skipType(tag & 7);
      continue;
    }
    const series = protobuf.Reader.create(top.bytes());
    while (series.pos < series.len) {
      const inner = series.uint32();
      if (inner !== 0x0a && inner !== 0x12 && inner !== 0x1a) {
        problems.push(`TimeSeries carries field ${inner >>> 3}; remote-write 1.0 has only labels (1), samples (2) and exemplars (3)`);
      }
      series.skipType(inner & 7);
    }
  }
}

/**
 * Breaches of the label rules of one series (§1.3, §8 items 4–5): a `__name__`
 * matching the metric regex, names matching the label regex, no empty values,
 * names strictly increasing byte-wise (which also rules out duplicates).
 *
 * @example
 * checkSeriesLabels([{ name: 'job', value: 'x' }, { name: '__name__', value: 'up' }]); // ["labels not sorted byte-wise: …"]
 */
export function checkSeriesLabels(labels: readonly { name: string; value: string }[]): string[] {
  const problems: string[] = [];
  const shown = labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(',');
  if (labels.length === 0) return ['empty label set'];
  const metric = labels.find((l) => l.name === '__name__');
  if (!metric) problems.push(`no __name__ label in {${shown}}`);
  else if (!METRIC_NAME.test(metric.value)) problems.push(`invalid metric name ${JSON.stringify(metric.value)}`);
  for (let i = 0; i < labels.length; i++) {
    const { name, value } = labels[i];
    if (name === '') problems.push(`empty label name in {${shown}}`);
    else if (!LABEL_NAME.test(name)) problems.push(`invalid label name ${JSON.stringify(name)} in {${shown}}`);
    if (value === '') problems.push(`empty value for label ${JSON.stringify(name)} in {${shown}}`);
    if (i > 0) {
      const order = Buffer.compare(Buffer.from(labels[i - 1].name, 'utf8'), Buffer.from(name, 'utf8'));
      if (order === 0) problems.push(`duplicate label name ${JSON.stringify(name)} in {${shown}}`);
      else if (order > 0) problems.push(`labels not sorted byte-wise: ${JSON.stringify(labels[i - 1].name)} before ${JSON.stringify(name)}`);
    }
  }
  return problems;
}

/**
 * Decodes an uncompressed WriteRequest with prometheus-remote-write's generated
 * decoder (int64 comes back as a Long; made a number here).
 *
 * @example
 * const [first] = await decodeWriteRequest(encodeWriteRequest(samples));
 * first.labels; // [{ name: '__name__', value: '…' }, …]
 */
export async function decodeWriteRequest(proto: Uint8Array): Promise<WireSeries[]> {
  // Its types say ArrayBufferLike, but the generated decoder reads a Uint8Array (protobufjs Reader.create).
  const decoded = (await deserialize(proto as unknown as ArrayBuffer)) as unknown as DecodedWriteRequest;
  const point = (p: DecodedPoint): { value: number; timestampMs: number } => {
    const t = p.timestamp ?? 0;
    return { value: p.value ?? 0, timestampMs: typeof t === 'number' ? t : t.toNumber() };
  };
  const labelsOf = (labels: { name?: string; value?: string }[] | undefined): { name: string; value: string }[] =>
    (labels ?? []).map((l) => ({ name: l.name ?? '', value: l.value ?? '' }));
  return (decoded.timeseries ?? []).map((ts) => ({
    labels: labelsOf(ts.labels),
    samples: (ts.samples ?? []).map(point),
    exemplars: (ts.exemplars ?? []).map((e) => ({ labels: labelsOf(e.labels), ...point(e) })),
  }));
}

/** Prometheus' bound on an exemplar's labels: names and values together, in UTF-8 characters (`exemplar.ExemplarMaxLabelSetLength`). */
const MAX_EXEMPLAR_LABEL_RUNES = 128;

/**
 * Breaches of the exemplar rules of one series (what Prometheus' exemplar
 * storage validates, tsdb/exemplar.go): at least one label, valid label names,
 * labels at most 128 characters together, an integer ms timestamp no later
 * than `nowMs + maxFutureMs`, and exemplars of a series in time order.
 *
 * @example
 * checkExemplars('x_bucket', [{ labels: [], value: 1, timestampMs: 1 }], Date.now(), 1000); // ['x_bucket: an exemplar with no labels']
 */
export function checkExemplars(name: string, exemplars: readonly WireExemplar[], nowMs: number, maxFutureMs: number): string[] {
  const problems: string[] = [];
  let last = -Infinity;
  for (const e of exemplars) {
    if (e.labels.length === 0) problems.push(`${name}: an exemplar with no labels`);
    for (const l of e.labels) if (!LABEL_NAME.test(l.name)) problems.push(`${name}: exemplar label name ${JSON.stringify(l.name)} is invalid`);
    const runes = e.labels.reduce((n, l) => n + [...l.name].length + [...l.value].length, 0);
    if (runes > MAX_EXEMPLAR_LABEL_RUNES) problems.push(`${name}: exemplar labels are ${runes} characters, over ${MAX_EXEMPLAR_LABEL_RUNES}`);
    if (!Number.isSafeInteger(e.timestampMs)) problems.push(`${name}: exemplar timestamp ${e.timestampMs} is not an integer number of ms`);
    else if (e.timestampMs > nowMs + maxFutureMs) problems.push(`${name}: exemplar timestamp ${e.timestampMs} is ${e.timestampMs - nowMs} ms in the future`);
    if (e.timestampMs < last) problems.push(`${name}: exemplars out of time order`);
    last = e.timestampMs;
  }
  return problems;
}

/**
 * Decodes a request body: snappy block (framed format refused), then protobuf.
 * `series` is undefined when the body cannot be decoded at all (Prometheus
 * answers such a body with 400 `snappy: corrupt input`, §9).
 *
 * @example
 * const { series, problems } = await decodeRemoteWriteBody(body);
 */
export async function decodeRemoteWriteBody(body: Uint8Array): Promise<{ series?: WireSeries[]; problems: string[] }> {
  const problems: string[] = [];
  if (body.length >= FRAMED_SNAPPY_MAGIC.length && FRAMED_SNAPPY_MAGIC.equals(body.subarray(0, FRAMED_SNAPPY_MAGIC.length))) {
    return { problems: ['body is framed snappy (stream identifier ff 06 00 00 sNaPpY); remote-write needs the block format'] };
  }
  let proto: Uint8Array;
  try {
    proto = SnappyJS.uncompress(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
  } catch (err) {
    return { problems: [`body is not a snappy block: ${(err as Error).message}`] };
  }
  try {
    checkFieldNumbers(proto, problems);
    return { series: await decodeWriteRequest(proto), problems };
  } catch (err) {
    return { problems: [...problems, `body is not a WriteRequest protobuf: ${(err as Error).message}`] };
  }
}
