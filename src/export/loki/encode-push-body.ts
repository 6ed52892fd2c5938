import { debugLog } from '../../debug-log.js';
import { LOKI_MAX_STRUCTURED_METADATA_BYTES, LOKI_MAX_STRUCTURED_METADATA_ENTRIES, type LogEntry } from '../log-entry.js';

/**
 * Loki JSON push body (reference/wire-protocols.md §4, vector E1):
 *
 *   {"streams":[{"stream":{"job":"integrations/openai",…},"values":[["1700000000123000000","<line>"],…]},…]}
 *
 * Loki parses the timestamp only from a JSON *string*: a number fails the whole
 * request with 400 (vector E3), so timestamps are always written quoted, and an
 * entry whose timestamp is not a decimal string is left out rather than risking
 * every other entry of the batch.
 *
 * Structured metadata, when an entry has some, is the value's third element, a
 * flat object of strings (vector E7); without it values stay 2-element arrays,
 * which is what Loki 2.9 (structured metadata disallowed) accepts (vector E8).
 */

const DECIMAL = /^[0-9]{1,19}$/;

/**
 * Builds the JSON push body: one stream object per distinct `stream.key`, in
 * first-seen order, each with its entries' values in the order given (Loki
 * accepts unordered writes, but keeping the caller's order keeps the body
 * reproducible for retries and tests).
 *
 * Empty input gives `{"streams":[]}`, which Loki answers with 422: the encoder
 * only returns it because it was asked to; exporters must skip empty batches and
 * send nothing (vectors A3, E14).
 *
 * @example
 * const stream = makeLokiStream({ job: 'integrations/openai', model: 'gpt-4o', level: 'info' });
 * encodeLokiPushBody([{ stream, timestampNs: '1700000000123000000', line: '{"status":200}' }]);
 * // '{"streams":[{"stream":{"job":"integrations/openai","level":"info","model":"gpt-4o"},"values":[["1700000000123000000","{\"status\":200}"]]}]}'
 */
export function encodeLokiPushBody(entries: readonly LogEntry[]): string {
  // Values are collected per stream and the body is written by one JSON.stringify:
  // escaping each line with its own JSON.stringify call costs about three times
  // as much per line (measured on Node 20, bench/encoding.bench.ts).
  return JSON.stringify({ streams: groupByStream(entries) });
}

/** Entries written by one JSON.stringify in the sliced encoder: ~64 KB of lines, well under a slice. */
const VALUES_PER_PIECE = 64;

/**
 * `encodeLokiPushBody` as steps, for the exporter's flush (sliced-work.ts):
 * the same body as UTF-8 pieces (sent one after the other, http-transport.ts),
 * a piece of VALUES_PER_PIECE entries written at a time with a yield after
 * each. A 4 MiB body written in one go (then turned into bytes by the
 * transport, as long again) stalled the event loop for 10-25 ms per request at
 * 30,000 calls a second (issue 22 item 7); joining the pieces into one buffer
 * stalled it nearly as long. Each piece keeps the one-JSON.stringify-per-many-
 * lines speed.
 *
 * @example
 * const pieces = await runSliced(encodeLokiPushBodySteps(entries));
 * Buffer.concat(pieces).equals(Buffer.from(encodeLokiPushBody(entries))); // true
 */
export function* encodeLokiPushBodySteps(entries: readonly LogEntry[]): Generator<void, Buffer[], void> {
  const groups = groupByStream(entries);
  yield;
  const parts: Buffer[] = [Buffer.from('{"streams":[', 'latin1')];
  for (let g = 0; g < groups.length; g++) {
    const { stream, values } = groups[g];
    parts.push(Buffer.from(`${g === 0 ? '' : ','}{"stream":${JSON.stringify(stream)},"values":[`, 'utf8'));
    for (let i = 0; i < values.length; i += VALUES_PER_PIECE) {
      const piece = JSON.stringify(values.slice(i, i + VALUES_PER_PIECE)); // "[[…],[…]]"
      // The piece without its brackets; a comma joins it to the one before.
      parts.push(Buffer.from(i === 0 ? piece.slice(1, -1) : `,${piece.slice(1, -1)}`, 'utf8'));
      yield;
    }
    parts.push(Buffer.from(']}', 'latin1'));
  }
  parts.push(Buffer.from(']}', 'latin1'));
  return parts;
}

interface StreamGroup {
  stream: Readonly<Record<string, string>>;
  values: (string | Record<string, string>)[][];
}

/** One group per distinct `stream.key`, in first-seen order; entries with a non-decimal timestamp left out. */
function groupByStream(entries: readonly LogEntry[]): StreamGroup[] {
  const streams = new Map<string, StreamGroup>();
  let skipped = 0;
  for (const entry of entries) {
    const ts: unknown = entry.timestampNs;
    if (typeof ts !== 'string' || !DECIMAL.test(ts)) {
      skipped++;
      continue;
    }
    const metadata = keptMetadata(entry.structuredMetadata);
    const value = metadata === undefined ? [ts, entry.line] : [ts, entry.line, metadata];
    const group = streams.get(entry.stream.key);
    if (group === undefined) streams.set(entry.stream.key, { stream: entry.stream.labels, values: [value] });
    else group.values.push(value);
  }
  if (skipped > 0) debugLog('left %d Loki entries with a non-decimal timestamp out of the push body', skipped);
  return [...streams.values()];
}

/**
 * The third element of a push value, or undefined for none. Loki rejects the
 * whole entry when its metadata has more than 128 entries or 64 KiB of names and
 * values (wire-protocols.md §4), so pairs past either bound, and any value that
 * is not a string, are left out rather than losing the line.
 */
function keptMetadata(metadata: Readonly<Record<string, string>> | undefined): Record<string, string> | undefined {
  if (metadata === undefined) return undefined;
  const kept: Record<string, string> = {};
  let count = 0;
  let bytes = 0;
  for (const name of Object.keys(metadata)) {
    const value: unknown = metadata[name];
    if (typeof value !== 'string' || name === '') continue;
    const size = Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value, 'utf8');
    if (count === LOKI_MAX_STRUCTURED_METADATA_ENTRIES || bytes + size > LOKI_MAX_STRUCTURED_METADATA_BYTES) continue;
    kept[name] = value;
    count += 1;
    bytes += size;
  }
  return count === 0 ? undefined : kept;
}
