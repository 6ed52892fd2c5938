import type { Observation } from './observation.js';

/**
 * One Loki line per call: a JSON object (query it with LogQL's `| json`).
 * Field names are snake_case and stable; absent facts are left out, never
 * written as 0. Token counts live here, not in stream labels (the original
 * library put them and the prompt into labels, which Loki rejects or turns
 * into one stream per prompt: wire-protocols.md §4 "Cardinality").
 */
export interface LogLine {
  source: string;
  operation: string;
  provider: string;
  server_address?: string;
  request_model?: string;
  response_model?: string;
  stream: boolean;
  outcome: 'ok' | 'error' | 'aborted' | 'abandoned';
  status?: number;
  error?: { type: string; status?: number; code?: string; message: string };
  finish_reason?: string;
  finish_reasons?: string[];
  usage?: {
    input_tokens?: number;
    output_tokens?: number;
    total_tokens?: number;
    cached_input_tokens?: number;
    cache_write_input_tokens?: number;
    reasoning_tokens?: number;
  };
  /** Marks usage counted locally because the server reported none. */
  usage_estimated?: boolean;
  /** USD; absent when the model has no known price. */
  cost_usd?: number;
  duration_s: number;
  time_to_first_chunk_s?: number;
  request_id?: string;
  service_tier?: string;
  /** Messages (chat), prompt (completions) or input (responses, embeddings); absent with `disable_content`. */
  prompt?: unknown;
  /** The generated text; absent with `disable_content`. */
  response?: string;
  /** True when prompt or response were cut to fit `max_content_length` or Loki's 256 KiB line limit. */
  truncated?: boolean;
  /** The OpenTelemetry trace the call was made in (hex), for Grafana's derived fields and "logs to traces". */
  trace_id?: string;
  /** The span that was active at the call (hex). */
  span_id?: string;
}

/**
 * Builds the line for a call. Content is copied with long strings cut to
 * `maxContentLength` characters, so a multi-megabyte prompt (say, a base64
 * image) never reaches the queue whole; `copied` is such a copy made earlier
 * (copyContent).
 *
 * @example
 * const line = buildLogLine(observation, 0.0004, { disableContent: false, maxContentLength: 20000 });
 */
export function buildLogLine(
  obs: Observation,
  costUsd: number | undefined,
  content: { disableContent: boolean; maxContentLength: number; copied?: LineContent },
): LogLine {
  const line: LogLine = {
    source: obs.source,
    operation: obs.operation,
    provider: obs.provider,
    server_address: obs.serverAddress,
    request_model: obs.requestModel,
    response_model: obs.responseModel,
    stream: obs.stream,
    outcome: obs.outcome,
    status: obs.status,
    error: obs.error,
    finish_reason: obs.finishReasons?.[0],
    finish_reasons: obs.finishReasons !== undefined && obs.finishReasons.length > 1 ? obs.finishReasons : undefined,
    usage: obs.usage === undefined ? undefined : {
      input_tokens: obs.usage.input,
      output_tokens: obs.usage.output,
      total_tokens: obs.usage.total,
      cached_input_tokens: obs.usage.cachedInput,
      cache_write_input_tokens: obs.usage.cacheWriteInput,
      reasoning_tokens: obs.usage.reasoningOutput,
    },
    usage_estimated: obs.usageEstimated === true ? true : undefined,
    cost_usd: costUsd,
    duration_s: round6(obs.durationS),
    time_to_first_chunk_s: obs.timeToFirstChunkS === undefined ? undefined : round6(obs.timeToFirstChunkS),
    request_id: obs.requestId,
    service_tier: obs.serviceTier,
    trace_id: obs.trace?.traceId,
    span_id: obs.trace?.spanId,
  };
  const copied = content.disableContent ? undefined : (content.copied ?? copyContent(obs, content.maxContentLength));
  if (copied !== undefined) {
    if (copied.prompt !== undefined) line.prompt = copied.prompt;
    if (copied.response !== undefined) line.response = copied.response;
    if (copied.truncated) line.truncated = true;
  }
  return line;
}

/** A call's prompt and response as its line carries them: copied, long strings cut. */
export interface LineContent {
  readonly prompt?: unknown;
  readonly response?: string;
  /** True when a string was cut to `maxContentLength`. */
  readonly truncated: boolean;
  /**
   * UTF-16 code units the copy keeps alive (for the byte budget): a string
   * kept whole counts at its length, a cut one at the length it was cut to
   * (it is a copy of its own, not a slice of the app's string).
   */
  readonly heldChars: number;
}

/**
 * Copies a call's content for its line, with every string cut to
 * `maxContentLength` characters. Done when the call ends even though the line
 * is built later: the prompt is the app's own `messages`, which a chat app
 * typically edits for the next turn right after the answer arrives.
 *
 * @example
 * const copied = copyContent(observation, 20000); // { prompt: [{ role: 'user', content: 'Hi' }], response: 'Hello!', truncated: false }
 * buildLogLine(observation, cost, { disableContent: false, maxContentLength: 20000, copied });
 */
export function copyContent(obs: Observation, maxContentLength: number): LineContent {
  const cut = { truncated: false, heldChars: 0 };
  const prompt = obs.prompt === undefined ? undefined : truncateStrings(obs.prompt, maxContentLength, cut, 0);
  const response = obs.responseText === undefined ? undefined : truncateString(obs.responseText, maxContentLength, cut);
  return { prompt, response, truncated: cut.truncated, heldChars: cut.heldChars };
}

/** Per value: keeps the six pairs far below Loki's 64 KiB structured-metadata bound whatever a server sends. */
const MAX_METADATA_VALUE_CHARS = 1024;

/**
 * The Loki structured metadata of a line (option `structured_metadata`): the
 * fields worth filtering on without `| json`, as strings, present ones only
 * (vector E7: string values, ≤ 128 pairs, ≤ 64 KiB). Built from the line after
 * `redact`, so a field redact removed is not sent here either.
 *
 * @example
 * structuredMetadataOf(line); // { request_id: 'req_1', response_model: 'gpt-4.1-2025-04-14', finish_reason: 'stop', input_tokens: '19', output_tokens: '238', cost_usd: '0.001942' }
 * // a call made inside a span adds trace_id: '5b8aa5a2d2c872e8321cf37308d69df2', span_id: '051581bf3cb55c13'
 */
export function structuredMetadataOf(line: LogLine): Record<string, string> {
  const pairs: [string, unknown][] = [
    ['request_id', line.request_id],
    ['response_model', line.response_model],
    ['finish_reason', line.finish_reason],
    ['input_tokens', line.usage?.input_tokens],
    ['output_tokens', line.usage?.output_tokens],
    ['cost_usd', line.cost_usd],
    ['trace_id', line.trace_id],
    ['span_id', line.span_id],
  ];
  const metadata: Record<string, string> = {};
  for (const [name, value] of pairs) {
    // A redact() may have put anything here; only plain strings and finite numbers are metadata.
    const text = typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
    if (text !== undefined && text !== '') metadata[name] = truncateString(text, MAX_METADATA_VALUE_CHARS, { truncated: false, heldChars: 0 });
  }
  return metadata;
}

function round6(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}

function truncateString(value: string, max: number, cut: ContentCut): string {
  if (value.length <= max) {
    cut.heldChars += value.length;
    return value;
  }
  cut.truncated = true;
  // Do not split a UTF-16 surrogate pair: JSON would carry a lone surrogate.
  let end = max;
  const code = value.charCodeAt(end - 1);
  if (end > 0 && code >= 0xd800 && code <= 0xdbff) end -= 1;
  cut.heldChars += end + 1;
  return detachedPrefix(value, end);
}

/**
 * `value.slice(0, end)` as a string of its own. V8 makes a long slice a view
 * that keeps its whole original alive: a 200 KB message cut to 20,000
 * characters held all 200 KB while its line waited in the queue, ten times
 * what the line needs, and during an outage each such original outlived
 * young-generation GCs only to be dropped by the byte budget, garbage that
 * piled up in the old generation until a full GC (issue 18, bench/README.md
 * "Outage memory"). Appending a character makes a rope; slicing the rope
 * copies it into a flat string of end + 1 characters, and the result is a
 * view of that copy only. One copy of `end` characters, and only for strings
 * that were cut (in any engine the result is the same text).
 */
function detachedPrefix(value: string, end: number): string {
  return (value.slice(0, end) + ' ').slice(0, end);
}

/** What copying content found: whether a string was cut, and how many code units the copy holds. */
interface ContentCut {
  truncated: boolean;
  heldChars: number;
}

/** Copies JSON-like content with every long string cut; depth-limited so a cyclic or odd object cannot hang us. */
function truncateStrings(value: unknown, max: number, cut: ContentCut, depth: number): unknown {
  if (typeof value === 'string') return truncateString(value, max, cut);
  if (typeof value !== 'object' || value === null) return value;
  if (depth > 8) {
    cut.truncated = true;
    return '[nested too deep]';
  }
  if (Array.isArray(value)) return value.map((item) => truncateStrings(item, max, cut, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = truncateStrings((value as Record<string, unknown>)[key], max, cut, depth + 1);
  return copy;
}
