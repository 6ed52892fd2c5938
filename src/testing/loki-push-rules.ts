import type { IncomingHttpHeaders } from 'node:http';
import { gunzipSync, inflateSync } from 'node:zlib';

/**
 * Loki's JSON push rules (reference/wire-protocols.md §4, Loki 3.x defaults;
 * §8 item 12) as a pure function over one request: `application/json`,
 * timestamps as decimal strings of nanoseconds within 7 days back and 10 minutes
 * ahead, at most 15 labels per stream with valid names and non-empty values of
 * at most 2048 bytes, lines of at most 256 KiB, at least one stream.
 */

/**
 * Loki 3.x default limits the receiver enforces.
 *
 * @example
 * Buffer.byteLength(line) <= LOKI_RULES.maxLineBytes; // 262144
 */
export const LOKI_RULES = {
  maxLabelNames: 15,
  maxLabelNameBytes: 1024,
  maxLabelValueBytes: 2048,
  maxLineBytes: 262144,
  maxAgeMs: 7 * 24 * 3600 * 1000,
  maxAheadMs: 10 * 60 * 1000,
} as const;

/** One entry of a push, with its stream's labels. */
export interface PushedLokiEntry {
  readonly labels: Readonly<Record<string, string>>;
  /** Nanoseconds since the epoch, as the decimal string that was sent. */
  readonly timestampNs: string;
  readonly line: string;
  /** The optional third element of a value: structured metadata. */
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface LokiPushCheck {
  /** Entries found (all of them, also when `problems` is not empty). */
  readonly entries: PushedLokiEntry[];
  /** Breaches of the rules; empty for a conforming push. */
  readonly problems: string[];
  /** The status Loki gives a push with these problems: 204, 400, or 422 for no streams. */
  readonly status: number;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const DIGITS = /^[0-9]+$/;
const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringMap = (v: unknown): v is Record<string, string> => isObject(v) && Object.values(v).every((x) => typeof x === 'string');

function decodeBody(headers: IncomingHttpHeaders, body: Buffer): Buffer | string {
  const encoding = String(headers['content-encoding'] ?? '').trim().toLowerCase();
  try {
    if (encoding === '' || encoding === 'identity') return body;
    if (encoding === 'gzip') return gunzipSync(body);
    if (encoding === 'deflate') return inflateSync(body);
  } catch (error) {
    return `cannot decode the ${encoding} body: ${(error as Error).message}`;
  }
  return `Content-Encoding "${encoding}" is not supported by this receiver (JSON push takes none, gzip or deflate)`;
}

function labelProblems(labels: Record<string, string>): string[] {
  const show = JSON.stringify(labels);
  const names = Object.keys(labels);
  const problems: string[] = [];
  if (names.length === 0) problems.push('a stream with no labels');
  if (names.length > LOKI_RULES.maxLabelNames) problems.push(`stream ${show} has ${names.length} labels; Loki takes at most ${LOKI_RULES.maxLabelNames}`);
  for (const name of names) {
    const value = labels[name];
    if (!LABEL_NAME.test(name) || bytes(name) > LOKI_RULES.maxLabelNameBytes) problems.push(`stream ${show}: invalid label name ${JSON.stringify(name)}`);
    if (value === '') problems.push(`stream ${show}: label ${name} has an empty value`);
    if (bytes(value) > LOKI_RULES.maxLabelValueBytes) problems.push(`stream label ${name} is ${bytes(value)} bytes; Loki takes at most ${LOKI_RULES.maxLabelValueBytes}`);
  }
  return problems;
}

function valueProblems(value: unknown, nowMs: number): { entry?: Omit<PushedLokiEntry, 'labels'>; problems: string[] } {
  if (!Array.isArray(value) || value.length < 2 || value.length > 3) return { problems: ['a value must be [timestamp, line] or [timestamp, line, metadata]'] };
  const [ts, line, metadata] = value as unknown[];
  if (typeof ts !== 'string') return { problems: [`timestamp ${JSON.stringify(ts)} sent as a JSON ${typeof ts}; Loki takes only a string (400 for the whole push)`] };
  if (!DIGITS.test(ts)) return { problems: [`timestamp ${JSON.stringify(ts)} is not decimal nanoseconds`] };
  if (typeof line !== 'string') return { problems: ['a line must be a string'] };
  if (metadata !== undefined && !isStringMap(metadata)) return { problems: ['structured metadata must be an object of string values'] };
  const problems: string[] = [];
  const tsNs = BigInt(ts);
  if (tsNs < BigInt(nowMs - LOKI_RULES.maxAgeMs) * 1000000n) problems.push(`timestamp ${ts} is more than 7 days old (Loki: timestamp too old)`);
  if (tsNs > BigInt(nowMs + LOKI_RULES.maxAheadMs) * 1000000n) problems.push(`timestamp ${ts} is more than 10 minutes ahead (Loki: timestamp too new)`);
  if (bytes(line) > LOKI_RULES.maxLineBytes) problems.push(`a line of ${bytes(line)} bytes; Loki takes at most ${LOKI_RULES.maxLineBytes}`);
  return { entry: { timestampNs: ts, line, metadata }, problems };
}

/**
 * Checks one push request body and headers.
 *
 * @example
 * const check = checkLokiPush(request.headers, request.body, Date.now());
 * if (check.problems.length > 0) answer(check.status, check.problems.join('\n'));
 */
export function checkLokiPush(headers: IncomingHttpHeaders, body: Buffer, nowMs: number): LokiPushCheck {
  const fail = (status: number, problem: string): LokiPushCheck => ({ entries: [], problems: [problem], status });
  const mediaType = String(headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (mediaType !== 'application/json') return fail(400, `Content-Type must be application/json for a JSON push, got ${JSON.stringify(headers['content-type'] ?? '')}`);
  const decoded = decodeBody(headers, body);
  if (typeof decoded === 'string') return fail(400, decoded);
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoded.toString('utf8'));
  } catch (error) {
    return fail(400, `body is not JSON: ${(error as Error).message}`);
  }
  const streams = isObject(parsed) ? parsed.streams : undefined;
  if (!Array.isArray(streams)) return fail(400, 'body must be {"streams":[…]}');
  // Loki: "error at least one valid stream is required for ingestion"; a client skips empty pushes (§8 item 12).
  if (streams.length === 0) return fail(422, 'a push with no streams');
  const entries: PushedLokiEntry[] = [];
  const problems: string[] = [];
  for (const stream of streams as unknown[]) {
    if (!isObject(stream) || !isStringMap(stream.stream) || !Array.isArray(stream.values)) {
      problems.push('a stream must be {"stream":{label: "value"},"values":[…]}');
      continue;
    }
    const labels = stream.stream;
    problems.push(...labelProblems(labels));
    if (stream.values.length === 0) problems.push(`stream ${JSON.stringify(labels)} sent with no values`);
    for (const value of stream.values as unknown[]) {
      const checked = valueProblems(value, nowMs);
      problems.push(...checked.problems);
      if (checked.entry !== undefined) entries.push({ labels, ...checked.entry });
    }
  }
  return { entries, problems, status: problems.length === 0 ? 204 : 400 };
}
