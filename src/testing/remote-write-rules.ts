// Typed by src/types/snappyjs.d.ts (snappyjs ships no declarations).
import SnappyJS from 'snappyjs';
import { decodeWriteRequest, type WireTimeSeries } from './decode-write-request.js';

/**
 * The request-level rules of Prometheus remote-write 1.0 that a conforming
 * client must follow (reference/wire-protocols.md §1.1–§1.3, §8 items 1–5), as
 * pure functions. Per-series timestamp order spans requests, so it is the
 * receiver's job (remote-write-receiver.ts).
 */

const FRAMED_SNAPPY_MAGIC = Buffer.from('ff060000734e61507059', 'hex');
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** `name/version`, optionally followed by comments: `grafana-openai-monitoring/1.0.0 (node 20)`. */
const USER_AGENT = /^[^\s/]+\/\S+/;

/**
 * Values of header `name` in the order sent, repeats kept (rawHeaders alternate name, value).
 *
 * @example
 * headerValues(['Content-Type', 'a', 'content-type', 'b'], 'Content-Type'); // ['a', 'b']
 */
export function headerValues(rawHeaders: readonly string[], name: string): string[] {
  const lower = name.toLowerCase();
  const values: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) if (rawHeaders[i].toLowerCase() === lower) values.push(rawHeaders[i + 1]);
  return values;
}

/**
 * Breaches of the four reserved headers (§1.2, §8 item 3): each sent exactly
 * once with exactly the required value; User-Agent as `name/version`.
 *
 * @example
 * checkRemoteWriteHeaders(['Content-Type', 'application/x-protobuf']);
 * // three messages: Content-Encoding, X-Prometheus-Remote-Write-Version and User-Agent are missing
 */
export function checkRemoteWriteHeaders(rawHeaders: readonly string[]): string[] {
  const problems: string[] = [];
  const exact: [string, string][] = [
    ['Content-Encoding', 'snappy'],
    ['Content-Type', 'application/x-protobuf'],
    ['X-Prometheus-Remote-Write-Version', '0.1.0'],
  ];
  for (const [name, expected] of exact) {
    const got = headerValues(rawHeaders, name);
    if (got.length !== 1 || got[0] !== expected) problems.push(`header ${name} must be sent once as "${expected}", got ${JSON.stringify(got)}`);
  }
  const agents = headerValues(rawHeaders, 'User-Agent');
  if (agents.length !== 1 || !USER_AGENT.test(agents[0])) problems.push(`header User-Agent must be sent once as name/version, got ${JSON.stringify(agents)}`);
  return problems;
}

/**
 * Breaches of the label rules of one series (§1.3, §8 items 4–5): a valid
 * `__name__`, valid names, no empty values, names strictly increasing byte-wise
 * (`__name__` is not forced first; this also rules out a repeated name).
 *
 * @example
 * checkSeriesLabels([{ name: 'job', value: 'x' }, { name: '__name__', value: 'up' }]);
 * // ['up: labels not sorted byte-wise: "job" before "__name__"']
 */
export function checkSeriesLabels(labels: readonly { name: string; value: string }[]): string[] {
  if (labels.length === 0) return ['a series with no labels'];
  const metric = labels.find((l) => l.name === '__name__')?.value;
  const who = metric ?? `{${labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(',')}}`;
  const problems: string[] = [];
  if (metric === undefined) problems.push(`${who}: no __name__ label`);
  else if (!METRIC_NAME.test(metric)) problems.push(`${who}: invalid metric name`);
  labels.forEach(({ name, value }, i) => {
    if (!LABEL_NAME.test(name)) problems.push(`${who}: invalid label name ${JSON.stringify(name)}`);
    if (value === '') problems.push(`${who}: label ${JSON.stringify(name)} has an empty value (leave the label out instead)`);
    if (i === 0) return;
    const order = Buffer.compare(Buffer.from(labels[i - 1].name, 'utf8'), Buffer.from(name, 'utf8'));
    if (order === 0) problems.push(`${who}: label ${JSON.stringify(name)} appears twice`);
    else if (order > 0) problems.push(`${who}: labels not sorted byte-wise: ${JSON.stringify(labels[i - 1].name)} before ${JSON.stringify(name)}`);
  });
  return problems;
}

/**
 * Decodes a request body: a snappy block (the framed format is refused, as
 * Prometheus answers it `snappy: corrupt input`), then the protobuf. `series`
 * is undefined when nothing could be decoded.
 *
 * @example
 * const { series, problems } = decodeRemoteWriteBody(request.body);
 */
export function decodeRemoteWriteBody(body: Uint8Array): { series?: WireTimeSeries[]; problems: string[] } {
  if (body.length >= FRAMED_SNAPPY_MAGIC.length && FRAMED_SNAPPY_MAGIC.equals(body.subarray(0, FRAMED_SNAPPY_MAGIC.length))) {
    return { problems: ['body is framed snappy (starts ff 06 00 00 sNaPpY); remote-write takes the block format'] };
  }
  let proto: Uint8Array;
  try {
    // A plain Uint8Array view: snappyjs treats a Buffer input differently (see snappy-block.ts).
    proto = SnappyJS.uncompress(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
  } catch (error) {
    return { problems: [`body is not a snappy block: ${(error as Error).message}`] };
  }
  try {
    const decoded = decodeWriteRequest(proto);
    return { series: decoded.series, problems: decoded.unexpectedFields.map((f) => `${f} is not part of remote-write 1.0`) };
  } catch (error) {
    return { problems: [`body is not a WriteRequest protobuf: ${(error as Error).message}`] };
  }
}
