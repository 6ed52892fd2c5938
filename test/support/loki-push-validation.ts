import { gunzipSync, inflateSync } from 'node:zlib';
import type { IncomingHttpHeaders } from 'node:http';
// Typed by src/types/snappyjs.d.ts (snappyjs ships no declarations).
import SnappyJS from 'snappyjs';

/**
 * Loki's documented push validation (reference/wire-protocols.md §4, Loki 3.x
 * defaults), as pure functions over one request. Two kinds of findings:
 * - `fatal`: Loki fails the whole request and stores nothing (bad Content-Type or
 *   encoding, undecodable JSON including a numeric timestamp, no streams);
 * - `errors`: per stream / per entry; Loki drops those parts, still stores the
 *   valid entries, and answers 400 listing the messages.
 * `violations` lists what a correct client must never send (§8 item 12).
 */


const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const DIGITS = /^[0-9]+$/;
export const LOKI_LIMITS = {
  maxLabelNames: 15,
  maxLabelNameBytes: 1024,
  maxLabelValueBytes: 2048,
  maxLineBytes: 262144,
  maxAgeMs: 7 * 24 * 3600 * 1000,
  maxAheadMs: 10 * 60 * 1000,
};

export interface ParsedLokiEntry {
  labels: Record<string, string>;
  timestampNs: string;
  line: string;
  structuredMetadata?: Record<string, string>;
}

export interface LokiPushCheck {
  fatal?: { status: number; message: string };
  valid: ParsedLokiEntry[];
  errors: string[];
  violations: string[];
}

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringMap = (v: unknown): v is Record<string, string> => isObject(v) && Object.values(v).every((x) => typeof x === 'string');

function fail(status: number, message: string, violation?: string): LokiPushCheck {
  return { fatal: { status, message }, valid: [], errors: [], violations: violation ? [violation] : [] };
}

function decodeBody(headers: IncomingHttpHeaders, body: Buffer): Buffer | string {
  const encoding = (headers['content-encoding'] ?? '').trim().toLowerCase();
  try {
    if (encoding === '' || encoding === 'identity') return body;
    if (encoding === 'gzip') return gunzipSync(body);
    if (encoding === 'deflate') return inflateSync(body);
    if (encoding === 'snappy') return Buffer.from(SnappyJS.uncompress(new Uint8Array(body.buffer, body.byteOffset, body.byteLength)));
  } catch (err) {
    return `cannot decode ${encoding} body: ${(err as Error).message}`;
  }
  return `Content-Encoding "${encoding}" not supported`;
}

/** Labels as Loki prints them in messages: `{job="x", model="y"}`. */
const show = (labels: Record<string, string>): string =>
  '{' + Object.keys(labels).map((k) => `${k}=${JSON.stringify(labels[k])}`).join(', ') + '}';

function streamLabelErrors(labels: Record<string, string>): string[] {
  const names = Object.keys(labels);
  const errors: string[] = [];
  if (names.length === 0) errors.push('error parsing labels: stream has no labels');
  if (names.length > LOKI_LIMITS.maxLabelNames) {
    errors.push(`entry for stream '${show(labels)}' has ${names.length} label names; limit ${LOKI_LIMITS.maxLabelNames}`);
  }
  for (const name of names) {
    if (!LABEL_NAME.test(name)) errors.push(`error parsing labels: invalid label name ${JSON.stringify(name)}`);
    if (bytes(name) > LOKI_LIMITS.maxLabelNameBytes) errors.push(`stream '${show(labels)}' has label name too long: '${name}'`);
    if (bytes(labels[name]) > LOKI_LIMITS.maxLabelValueBytes) {
      errors.push(`stream has label value too long (${bytes(labels[name])} bytes): label ${name}, first 40 chars ${JSON.stringify(labels[name].slice(0, 40))}`);
    }
  }
  return errors;
}

/**
 * Validates one push request the way Loki's distributor does.
 *
 * @example
 * const check = checkLokiPush({ method: 'POST', path: '/loki/api/v1/push', headers, body }, Date.now());
 * if (check.fatal) answer(check.fatal.status, check.fatal.message);
 */
export function checkLokiPush(
  req: { method: string; path: string; headers: IncomingHttpHeaders; body: Buffer },
  nowMs: number,
): LokiPushCheck {
  if (req.method !== 'POST' || req.path !== '/loki/api/v1/push') {
    return fail(404, '404 page not found', `${req.method} ${req.path}; Loki push is POST /loki/api/v1/push`);
  }
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (mediaType !== 'application/json') {
    return fail(400, `unsupported Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')}`, 'Content-Type is not application/json');
  }
  const decoded = decodeBody(req.headers, req.body);
  if (typeof decoded === 'string') return fail(400, decoded, decoded);
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoded.toString('utf8'));
  } catch (err) {
    return fail(400, `error parsing push request: ${(err as Error).message}`, 'body is not JSON');
  }
  const streams = isObject(parsed) ? parsed.streams : undefined;
  if (streams !== undefined && !Array.isArray(streams)) return fail(400, 'streams is not an array', 'streams is not an array');
  if (streams === undefined || streams.length === 0) {
    return fail(422, 'error at least one valid stream is required for ingestion', 'empty push (no streams)');
  }

  const result: LokiPushCheck = { valid: [], errors: [], violations: [] };
  const minNs = BigInt(nowMs - LOKI_LIMITS.maxAgeMs) * 1000000n;
  const maxNs = BigInt(nowMs + LOKI_LIMITS.maxAheadMs) * 1000000n;
  for (const stream of streams as unknown[]) {
    if (!isObject(stream) || !isStringMap(stream.stream) || !Array.isArray(stream.values)) {
      return fail(400, 'error parsing push request: a stream needs "stream" (string labels) and "values"', 'malformed stream object');
    }
    const labels = stream.stream;
    const labelErrors = streamLabelErrors(labels);
    const entries: ParsedLokiEntry[] = [];
    for (const value of stream.values as unknown[]) {
      if (!Array.isArray(value) || value.length < 2 || value.length > 3) {
        return fail(400, 'error parsing push request: a value is [ts, line] or [ts, line, metadata]', 'malformed value array');
      }
      const [ts, line, metadata] = value as unknown[];
      if (typeof ts !== 'string') {
        return fail(400, `error parsing push request: timestamp ${JSON.stringify(ts)} should be a string`, `timestamp sent as a JSON ${typeof ts} (${JSON.stringify(ts)}), not a string`);
      }
      if (!DIGITS.test(ts)) return fail(400, `error parsing push request: timestamp ${JSON.stringify(ts)}`, `timestamp ${JSON.stringify(ts)} is not decimal digits`);
      if (typeof line !== 'string') return fail(400, 'error parsing push request: line should be a string', 'line is not a string');
      if (metadata !== undefined && !isStringMap(metadata)) {
        return fail(400, 'error parsing push request: structured metadata values should be strings', 'structured metadata is not an object of strings');
      }
      const tsNs = BigInt(ts);
      if (tsNs < minNs) result.errors.push(`entry for stream '${show(labels)}' has timestamp too old: ${ts}`);
      else if (tsNs > maxNs) result.errors.push(`entry for stream '${show(labels)}' has timestamp too new: ${ts}`);
      else if (bytes(line) > LOKI_LIMITS.maxLineBytes) {
        result.errors.push(`Max entry size '${LOKI_LIMITS.maxLineBytes}' bytes exceeded for stream '${show(labels)}' while adding an entry with length '${bytes(line)}' bytes`);
      } else entries.push({ labels, timestampNs: ts, line, structuredMetadata: metadata });
    }
    if (labelErrors.length > 0) result.errors.push(...labelErrors);
    else result.valid.push(...entries);
  }
  // Every per-stream/per-entry error above is something a correct client never sends (§8 item 12, E10–E12).
  result.violations.push(...result.errors);
  return result;
}
