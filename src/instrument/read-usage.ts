import type { TokenUsage } from '../record/observation.js';
import { count } from './sdk-shapes.js';

// Usage objects are read with named loads (one shape per endpoint and server,
// so each load stays monomorphic), not field(): see read-choices.ts.

interface CompletionUsageFields {
  readonly prompt_tokens?: unknown;
  readonly completion_tokens?: unknown;
  readonly total_tokens?: unknown;
  readonly prompt_tokens_details?: unknown;
  readonly completion_tokens_details?: unknown;
}

interface ResponsesUsageFields {
  readonly input_tokens?: unknown;
  readonly output_tokens?: unknown;
  readonly total_tokens?: unknown;
  readonly input_tokens_details?: unknown;
  readonly output_tokens_details?: unknown;
}

/** The `*_details` objects' counts we read; absent or null in some servers' answers (vLLM). */
interface UsageDetailsFields {
  readonly cached_tokens?: unknown;
  readonly cache_write_tokens?: unknown;
  readonly reasoning_tokens?: unknown;
}

function detailsOf(details: unknown): UsageDetailsFields | undefined {
  return typeof details === 'object' && details !== null ? (details as UsageDetailsFields) : undefined;
}

/**
 * Reads a Chat Completions / legacy Completions / Embeddings `usage` object.
 * Shapes vary by date and provider (fixtures README "Tokens / cost"): details
 * may be absent or null (vLLM), extra fields appear (OpenRouter, Groq), and
 * embeddings have no completion tokens. Anything missing stays undefined.
 *
 * @example
 * readCompletionUsage({ prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 });
 * // { input: 12, output: 3, total: 15 }
 */
export function readCompletionUsage(usage: unknown): TokenUsage | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  const fields = usage as CompletionUsageFields;
  const input = count(fields.prompt_tokens);
  const output = count(fields.completion_tokens);
  const total = count(fields.total_tokens);
  if (input === undefined && output === undefined && total === undefined) return undefined;
  const promptDetails = detailsOf(fields.prompt_tokens_details);
  const completionDetails = detailsOf(fields.completion_tokens_details);
  return dropUndefined({
    input,
    output,
    total: total ?? (input !== undefined && output !== undefined ? input + output : undefined),
    cachedInput: count(promptDetails?.cached_tokens),
    cacheWriteInput: count(promptDetails?.cache_write_tokens),
    reasoningOutput: count(completionDetails?.reasoning_tokens),
  });
}

/** The counts that are known, each its own named store (a keyed copy loop costs a few µs per call on Node 20). */
function dropUndefined(usage: TokenUsage): TokenUsage {
  const kept: TokenUsage = {};
  if (usage.input !== undefined) kept.input = usage.input;
  if (usage.output !== undefined) kept.output = usage.output;
  if (usage.total !== undefined) kept.total = usage.total;
  if (usage.cachedInput !== undefined) kept.cachedInput = usage.cachedInput;
  if (usage.cacheWriteInput !== undefined) kept.cacheWriteInput = usage.cacheWriteInput;
  if (usage.reasoningOutput !== undefined) kept.reasoningOutput = usage.reasoningOutput;
  return kept;
}

/**
 * Reads a Responses API `usage` object (`input_tokens`, `output_tokens`, their
 * `*_details`); `cache_write_tokens` appears in 2026 captures only.
 *
 * @example
 * readResponsesUsage({ input_tokens: 33, output_tokens: 11, total_tokens: 44 });
 * // { input: 33, output: 11, total: 44 }
 */
export function readResponsesUsage(usage: unknown): TokenUsage | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  const fields = usage as ResponsesUsageFields;
  const input = count(fields.input_tokens);
  const output = count(fields.output_tokens);
  const total = count(fields.total_tokens);
  if (input === undefined && output === undefined && total === undefined) return undefined;
  const inputDetails = detailsOf(fields.input_tokens_details);
  return dropUndefined({
    input,
    output,
    total: total ?? (input !== undefined && output !== undefined ? input + output : undefined),
    cachedInput: count(inputDetails?.cached_tokens),
    cacheWriteInput: count(inputDetails?.cache_write_tokens),
    reasoningOutput: count(detailsOf(fields.output_tokens_details)?.reasoning_tokens),
  });
}
