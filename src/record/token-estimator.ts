import { debugLog } from '../debug-log.js';
import type { Observation, TokenUsage } from './observation.js';
import { requireOptionalPeer } from '../optional-peer.js';

/**
 * Token counts for streams whose server reported none (DESIGN.md §4: the
 * optional peer `gpt-tokenizer`). Without the package, or when counting fails,
 * the call keeps unknown usage: never 0 (DESIGN.md §3 rule 5).
 *
 * It lives in record/, not instrument/: the Observation already holds the
 * prompt and the streamed text as plain data, and turning them into numbers is
 * derived data like the price, which record/ owns. instrument/ stays "what the
 * SDK said", and the line can say `usage_estimated` next to the counts.
 */

/**
 * The package tried by default.
 *
 * @example
 * loadTokenCounter(TOKENIZER_MODULE);
 */
export const TOKENIZER_MODULE = 'gpt-tokenizer';

/**
 * Counts the tokens of a text.
 *
 * @example
 * const n = counter.count('Say hello'); // 3 with o200k_base
 */
export interface TokenCounter {
  count(text: string): number;
}

/**
 * Text counted exactly per side (prompt, response); beyond it, evenly spaced
 * chunks are counted and the count scaled. BPE is slow on long runs without
 * spaces (measured with gpt-tokenizer 4: ~5 µs per random CJK character in
 * 1,024-character pieces, ~0.1 µs per English one), and this runs on the app's
 * request path, so the bound keeps one estimate to about 20 ms at worst and
 * under 1 ms for English, whatever the prompt's length.
 */
const EXACT_CHARS = 4096;
/** Text is counted in pieces this long: BPE cost grows faster than linearly with a piece's length. */
const CHUNK_CHARS = 1024;
/** Per chat message and for the reply's priming (OpenAI cookbook, "How to count tokens with tiktoken"). */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING_TOKENS = 3;
/** Keys whose strings are text the model reads; others (ids, types, image data, file data) are not counted. */
const TEXT_KEYS = ['content', 'text', 'instructions', 'input', 'arguments', 'output', 'refusal'];
/** Special-token strings in user text are counted as text: gpt-tokenizer throws on them by default. */
const ENCODE_OPTIONS = { disallowedSpecial: new Set<string>() };

const loaded = new Map<string, TokenCounter | null>();

function counterOf(module: unknown): TokenCounter | undefined {
  const exports = (typeof module === 'object' || typeof module === 'function') && module !== null ? (module as Record<string, unknown>) : {};
  const countTokens = exports.countTokens;
  const encode = exports.encode;
  let count: ((text: string) => unknown) | undefined;
  if (typeof countTokens === 'function') count = (text) => (countTokens as (t: string, o: object) => unknown)(text, ENCODE_OPTIONS);
  else if (typeof encode === 'function') count = (text) => ((encode as (t: string, o: object) => unknown[])(text, ENCODE_OPTIONS)).length;
  if (count === undefined) return undefined;
  const counter = count;
  return {
    count(text) {
      const n = counter(text);
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new Error(`token counter returned ${String(n)}`);
      return n;
    },
  };
}

/**
 * Loads the token counter once per module name, synchronously, on first need:
 * gpt-tokenizer 4 takes ~0.3 s and ~35 MB of heap to load (measured, Node 20),
 * so it is loaded only when the first stream without usage ends, never at
 * startup. Undefined when the package is not installed or exposes neither
 * `countTokens` nor `encode`.
 *
 * @example
 * const counter = loadTokenCounter(); // undefined without gpt-tokenizer
 * loadTokenCounter('no-such-tokenizer'); // undefined
 */
export function loadTokenCounter(moduleName: string = TOKENIZER_MODULE): TokenCounter | undefined {
  let counter = loaded.get(moduleName);
  if (counter === undefined) {
    const peer = requireOptionalPeer(moduleName);
    if ('exports' in peer) {
      counter = counterOf(peer.exports) ?? null;
    } else {
      debugLog('token estimation off: cannot load %s: %s', moduleName, peer.error);
      counter = null;
    }
    loaded.set(moduleName, counter);
  }
  return counter ?? undefined;
}

/** Counts pieces of text: exactly up to EXACT_CHARS, else a scaled sample of evenly spaced chunks. */
function countText(pieces: readonly string[], counter: TokenCounter): number {
  const total = pieces.reduce((sum, piece) => sum + piece.length, 0);
  const every = Math.max(1, Math.ceil(total / EXACT_CHARS));
  let counted = 0;
  let sampledChars = 0;
  let index = 0;
  for (const piece of pieces) {
    for (let at = 0; at < piece.length; ) {
      let end = Math.min(at + CHUNK_CHARS, piece.length);
      const code = piece.charCodeAt(end - 1);
      if (end < piece.length && code >= 0xd800 && code <= 0xdbff) end += 1; // keep a surrogate pair whole
      if (index % every === 0) {
        counted += counter.count(piece.slice(at, end));
        sampledChars += end - at;
      }
      index += 1;
      at = end;
    }
  }
  if (every === 1 || sampledChars === 0) return counted;
  return Math.round((counted * total) / sampledChars);
}

/** What a prompt holds for the model: its text pieces, plus tokens that are not text. */
interface PromptParts {
  pieces: string[];
  /** Legacy completions take token arrays: each number is one token. */
  tokenIds: number;
  /** Chat messages (objects with a role, and the implicit ones: a Responses `instructions` or string `input`). */
  messages: number;
  names: number;
}

function collect(value: unknown, parts: PromptParts, depth: number): void {
  if (typeof value === 'string') parts.pieces.push(value);
  else if (typeof value === 'number') parts.tokenIds += 1;
  else if (Array.isArray(value)) {
    if (depth <= 8) for (const item of value) collect(item, parts, depth + 1);
  } else if (typeof value === 'object' && value !== null && depth <= 8) {
    const record = value as Record<string, unknown>;
    if (typeof record.role === 'string') {
      parts.messages += 1;
      parts.pieces.push(record.role);
      if (typeof record.name === 'string') {
        parts.names += 1;
        parts.pieces.push(record.name);
      }
    }
    for (const key of TEXT_KEYS) if (key in record) collect(record[key], parts, depth + 1);
    const calls = record.tool_calls;
    if (Array.isArray(calls)) for (const call of calls) collect((call as Record<string, unknown> | null)?.function, parts, depth + 1);
  }
}

/** The prompt's parts; for chat, a bare string (Responses `input`) and `instructions` count as one message each. */
function promptParts(prompt: unknown, operation: Observation['operation']): PromptParts {
  const parts: PromptParts = { pieces: [], tokenIds: 0, messages: 0, names: 0 };
  collect(prompt, parts, 0);
  if (operation === 'chat') {
    const record = typeof prompt === 'object' && prompt !== null && !Array.isArray(prompt) ? (prompt as Record<string, unknown>) : {};
    const implicit = (typeof prompt === 'string' ? 1 : 0) + (typeof record.instructions === 'string' ? 1 : 0) + (typeof record.input === 'string' ? 1 : 0);
    parts.messages += implicit;
    parts.tokenIds += implicit; // each one's role name is one token
  }
  return parts;
}

/**
 * Estimates a call's usage from its prompt and generated text. The output
 * count is what the app received: a lower bound for reasoning models (hidden
 * reasoning tokens) and for streams that ended early; images and files in the
 * prompt are not counted. Undefined when the prompt is unknown or counting fails.
 *
 * @example
 * estimateUsage({ ...obs, prompt: [{ role: 'user', content: 'Say hello' }], responseText: 'Hello!' }, counter);
 * // { input: 9, output: 2, total: 11 }: 'user' + 'Say hello' + 3 per message + 3 priming; 'Hello!'
 */
export function estimateUsage(obs: Observation, counter: TokenCounter): TokenUsage | undefined {
  if (obs.prompt === undefined) return undefined;
  try {
    const parts = promptParts(obs.prompt, obs.operation);
    const overhead = parts.messages === 0 ? 0 : parts.messages * TOKENS_PER_MESSAGE + parts.names * TOKENS_PER_NAME + REPLY_PRIMING_TOKENS;
    const input = countText(parts.pieces, counter) + parts.tokenIds + overhead;
    const output = obs.responseText === undefined ? 0 : countText([obs.responseText], counter);
    return { input, output, total: input + output };
  } catch (error) {
    debugLog('token estimation failed: %s', error instanceof Error ? error.message : String(error));
    return undefined;
  }
}

/**
 * The Observation to record: unchanged unless it is a stream that got an
 * answer (a first chunk: the prompt was processed and billed) but no usage,
 * and the tokenizer loads; then with estimated usage and `usageEstimated`.
 *
 * @example
 * const observed = withEstimatedUsage(observation); // usage estimated, or left unknown
 */
export function withEstimatedUsage(obs: Observation, moduleName: string = TOKENIZER_MODULE): Observation {
  if (!obs.stream || obs.usage !== undefined || obs.timeToFirstChunkS === undefined) return obs;
  const counter = loadTokenCounter(moduleName);
  if (counter === undefined) return obs;
  const usage = estimateUsage(obs, counter);
  return usage === undefined ? obs : { ...obs, usage, usageEstimated: true };
}
