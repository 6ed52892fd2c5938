import { safeLabelValue } from './label-value.js';

/**
 * A Loki stream (a bounded set of labels) and one line pushed to it.
 *
 * Loki rules (reference/wire-protocols.md §4): label names match
 * `[a-zA-Z_][a-zA-Z0-9_]*`, values ≤ 2048 bytes, at most 15 labels; timestamps are
 * nanoseconds since the epoch written as a decimal string (19 digits today);
 * a line is at most 262,144 bytes.
 */
export interface LokiStream {
  /** Stable identity of the stream, for maps keyed by stream. */
  readonly key: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface LogEntry {
  readonly stream: LokiStream;
  /** Nanoseconds since the epoch as a decimal string, e.g. "1700000000123000001". */
  timestampNs: string;
  readonly line: string;
  /**
   * Loki structured metadata: the optional third element of a JSON push value,
   * a flat object of string values (wire-protocols.md §4; vector E7). Left out
   * unless the `structured_metadata` option is on: Loki 2.9 rejects it (E8).
   */
  readonly structuredMetadata?: Readonly<Record<string, string>>;
}

/**
 * A line whose text is made when its batch is encoded rather than when it is
 * queued: serialising a line with its prompt and response is most of what a
 * call costs the app's request path, and nothing needs the text before the
 * flush (issue 6). `text()` runs once; if it throws, the entry is dropped and
 * counted as `encode_error`.
 *
 * @example
 * exporter.addLogEntry(stream, Date.now(), { text: () => JSON.stringify(line) });
 */
export interface DeferredLine {
  text(): string;
  /**
   * Bytes the line holds until then (its content and fields), for the
   * exporter's byte budget (byte-budget.ts); a fixed estimate when absent.
   */
  readonly heldBytes?: number;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export const LOKI_MAX_LABELS = 15;
export const LOKI_MAX_LABEL_VALUE_BYTES = 2048;
export const LOKI_MAX_LINE_BYTES = 262144;
/** Loki's defaults `max_structured_metadata_entries_count` and `max_structured_metadata_size` (names + values, bytes): §4, vector E7. */
export const LOKI_MAX_STRUCTURED_METADATA_ENTRIES = 128;
export const LOKI_MAX_STRUCTURED_METADATA_BYTES = 65536;

/**
 * Builds a stream from labels, dropping empty values, refusing names Loki would
 * reject and making values well-formed UTF-8 of at most 2,048 bytes.
 *
 * @example
 * const stream = makeLokiStream({ job: 'integrations/openai', model: 'gpt-4o', level: 'info' });
 */
export function makeLokiStream(labels: Readonly<Record<string, string | undefined>>): LokiStream {
  const kept: Record<string, string> = {};
  const names = Object.keys(labels)
    .filter((n) => labels[n] !== undefined && labels[n] !== '')
    .sort();
  if (names.length === 0) throw new Error('a Loki stream needs at least one label');
  if (names.length > LOKI_MAX_LABELS) throw new Error(`a Loki stream takes at most ${LOKI_MAX_LABELS} labels`);
  for (const name of names) {
    if (!LABEL_NAME.test(name)) throw new Error(`invalid Loki label name ${JSON.stringify(name)}`);
    // Server-made values (model names) may be malformed or huge; Loki refuses the whole push for one (§4).
    kept[name] = safeLabelValue(labels[name] as string, LOKI_MAX_LABEL_VALUE_BYTES);
  }
  return { key: JSON.stringify(kept), labels: kept };
}
