import type { DeferredLine } from '../export/log-entry.js';
import type { SecretScrubber } from '../secret-scrubber.js';
import type { LogLine } from './log-line.js';

/** Loki's default `max_line_size` (wire-protocols.md §4); a longer line is rejected. */
export const MAX_LINE_BYTES = 256 * 1024;

/** When the fields other than content are too big by themselves (a huge error message, a redact() that added much), strings are cut to this… */
const MAX_OTHER_CHARS = 4096;
/** …and arrays to this many items. */
const MAX_OTHER_ITEMS = 64;
/** The last resort keeps these fields only. */
const MINIMAL_FIELDS = ['source', 'operation', 'provider', 'request_model', 'response_model', 'stream', 'outcome', 'status', 'duration_s', 'trace_id', 'span_id'];

/**
 * Serialises a line and guarantees it fits Loki's limit (vector E11: at most
 * `maxBytes` UTF-8 bytes, never cut inside a character, valid JSON). A line
 * that is too big gets `truncated: true` and, in this order:
 * 1. `prompt` and `response` cut to share the bytes the other fields leave;
 *    a prompt that no longer fits whole becomes a string: the start of its JSON text;
 * 2. if the other fields alone are too big, their strings are cut to 4,096
 *    characters and arrays to 64 items first;
 * 3. if even that is too big, only a few identifying fields are kept.
 *
 * @example
 * const json = serializeLogLine(line); // Buffer.byteLength(json) <= 262144
 */
export function serializeLogLine(line: LogLine, maxBytes: number = MAX_LINE_BYTES): string {
  const whole = JSON.stringify(line);
  // A UTF-16 code unit is at most 3 UTF-8 bytes: most lines are far below the
  // limit and skip the byte count, a pass over the line on the call path.
  if (whole.length * 3 <= maxBytes || Buffer.byteLength(whole, 'utf8') <= maxBytes) return whole;
  let rest: LogLine = { ...line, prompt: undefined, response: undefined, truncated: true };
  let restBytes = Buffer.byteLength(JSON.stringify(rest), 'utf8');
  if (restBytes > maxBytes) {
    rest = shrink(rest, 0) as LogLine;
    restBytes = Buffer.byteLength(JSON.stringify(rest), 'utf8');
  }
  if (restBytes <= maxBytes) {
    const fitted = JSON.stringify(withContent(rest, line, maxBytes - restBytes));
    if (Buffer.byteLength(fitted, 'utf8') <= maxBytes) return fitted;
  }
  return JSON.stringify(minimal(line));
}

/**
 * serializeLogLine, then the monitor's secrets removed from the text (every
 * field at once, in JSON-escaped form: secret-scrubber.ts). A secret shorter
 * than its replacement could push the line past `maxBytes`: it is then made
 * again with less room.
 *
 * @example
 * const json = serializeScrubbedLogLine(line, new SecretScrubber([client.apiKey]));
 */
export function serializeScrubbedLogLine(line: LogLine, scrubber: SecretScrubber | undefined, maxBytes: number = MAX_LINE_BYTES): string {
  const text = serializeLogLine(line, maxBytes);
  if (scrubber === undefined || scrubber.empty) return text;
  const safe = scrubber.scrub(text);
  if (safe === text || safe.length * 3 <= maxBytes) return safe;
  const over = Buffer.byteLength(safe, 'utf8') - maxBytes;
  return over <= 0 ? safe : scrubber.scrub(serializeLogLine(line, maxBytes - over - 64));
}

/**
 * A line serialised when the exporter encodes its batch instead of on the
 * call path (issue 6: "no work on the request path that can wait for the
 * flush"). Serialising a line with content is most of what recording a call
 * costs, and its text is needed only in the push body. The LogLine must not
 * change meanwhile: buildLogLine copies the app's content for that reason.
 *
 * @example
 * exporter.addLogEntry(stream, obs.endMs, new DeferredLogLine(buildLogLine(obs, cost, settings)));
 */
export class DeferredLogLine implements DeferredLine {
  /**
   * @param heldBytes what the line keeps alive until serialised (its copied content), for the byte budget.
   */
  constructor(
    private readonly line: LogLine,
    private readonly scrubber?: SecretScrubber,
    readonly heldBytes?: number,
  ) {}

  text(): string {
    return serializeScrubbedLogLine(this.line, this.scrubber);
  }
}

/** `rest` with as much of the line's prompt and response as `room` bytes hold (framing included). */
function withContent(rest: LogLine, line: LogLine, room: number): LogLine {
  const promptJson = line.prompt === undefined ? undefined : JSON.stringify(line.prompt);
  const promptText = typeof line.prompt === 'string' ? line.prompt : promptJson;
  const promptCost = promptText === undefined ? 0 : jsonStringBytes(promptText);
  const responseCost = line.response === undefined ? 0 : jsonStringBytes(line.response);
  // `,"prompt":` and `,"response":` plus the quotes of each string.
  const space = room - (promptText === undefined ? 0 : 12) - (line.response === undefined ? 0 : 14);
  if (space <= 0) return rest;
  // Each gets half; what one does not need goes to the other.
  const half = Math.floor(space / 2);
  const promptRoom = promptCost <= half ? promptCost : responseCost <= half ? space - responseCost : half;
  const responseRoom = space - promptRoom;
  const out: LogLine = { ...rest };
  if (promptText !== undefined && promptJson !== undefined) {
    // Whole and structured when its JSON fits, so `| json` still sees prompt_0_content etc.
    out.prompt = Buffer.byteLength(promptJson, 'utf8') <= promptRoom ? line.prompt : cutToJsonBytes(promptText, promptRoom);
  }
  if (line.response !== undefined) out.response = cutToJsonBytes(line.response, responseRoom);
  return out;
}

/** UTF-8 bytes of `s` inside a JSON string, i.e. after JSON.stringify's escaping (ES2019: lone surrogates as \uXXXX). */
function escapedBytes(s: string, i: number): { bytes: number; units: number } {
  const c = s.charCodeAt(i);
  if (c === 0x22 || c === 0x5c) return { bytes: 2, units: 1 };
  if (c < 0x20) return { bytes: c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d ? 2 : 6, units: 1 };
  if (c < 0x80) return { bytes: 1, units: 1 };
  if (c < 0x800) return { bytes: 2, units: 1 };
  if (c >= 0xd800 && c <= 0xdbff) {
    const next = s.charCodeAt(i + 1);
    if (next >= 0xdc00 && next <= 0xdfff) return { bytes: 4, units: 2 };
    return { bytes: 6, units: 1 };
  }
  if (c >= 0xdc00 && c <= 0xdfff) return { bytes: 6, units: 1 };
  return { bytes: 3, units: 1 };
}

function jsonStringBytes(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; ) {
    const step = escapedBytes(s, i);
    bytes += step.bytes;
    i += step.units;
  }
  return bytes;
}

/** The longest prefix of `s` whose JSON-escaped form takes at most `budget` bytes; never splits a surrogate pair. */
function cutToJsonBytes(s: string, budget: number): string {
  let bytes = 0;
  let i = 0;
  while (i < s.length) {
    const step = escapedBytes(s, i);
    if (bytes + step.bytes > budget) break;
    bytes += step.bytes;
    i += step.units;
  }
  return i === s.length ? s : s.slice(0, i);
}

function cutString(s: string, max: number): string {
  if (s.length <= max) return s;
  const code = s.charCodeAt(max - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/** A copy with long strings and arrays cut; depth-limited like buildLogLine's copy. */
function shrink(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return cutString(value, MAX_OTHER_CHARS);
  if (typeof value !== 'object' || value === null) return value;
  if (depth > 4) return '[nested too deep]';
  if (Array.isArray(value)) return value.slice(0, MAX_OTHER_ITEMS).map((item) => shrink(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value).slice(0, MAX_OTHER_ITEMS)) copy[cutString(key, 256)] = shrink((value as Record<string, unknown>)[key], depth + 1);
  return copy;
}

function minimal(line: LogLine): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const field of MINIMAL_FIELDS) {
    const value: unknown = (line as unknown as Record<string, unknown>)[field];
    if (typeof value === 'string') kept[field] = cutString(value, 256);
    else if (typeof value === 'number' || typeof value === 'boolean') kept[field] = value;
  }
  kept.truncated = true;
  return kept;
}
