import type { LogLine } from './log-line.js';

/** Loki's default `max_line_size` (wire-protocols.md §4); a longer line is rejected. */
export const MAX_LINE_BYTES = 256 * 1024;

/**
 * Serialises a line and guarantees it fits Loki's limit: if the JSON is too
 * big even after per-string truncation (many messages), the content fields
 * are shortened, and as a last resort dropped, with `truncated: true` set.
 *
 * @example
 * const json = serializeLogLine(line); // Buffer.byteLength(json) <= 262144
 */
export function serializeLogLine(line: LogLine, maxBytes: number = MAX_LINE_BYTES): string {
  let json = JSON.stringify(line);
  if (Buffer.byteLength(json, 'utf8') <= maxBytes) return json;
  const shortened: LogLine = { ...line, truncated: true };
  for (const keepFraction of [0.5, 0.1]) {
    const budget = Math.floor((maxBytes * keepFraction) / 4);
    if (line.prompt !== undefined) shortened.prompt = JSON.stringify(line.prompt).slice(0, budget);
    if (line.response !== undefined) shortened.response = line.response.slice(0, budget);
    json = JSON.stringify(shortened);
    if (Buffer.byteLength(json, 'utf8') <= maxBytes) return json;
  }
  delete shortened.prompt;
  delete shortened.response;
  if (shortened.error !== undefined) shortened.error = { ...shortened.error, message: shortened.error.message.slice(0, 4096) };
  return JSON.stringify(shortened);
}
