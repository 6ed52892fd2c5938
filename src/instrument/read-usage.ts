import type { TokenUsage } from '../record/observation.js';
import { count, field } from './sdk-shapes.js';

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
  const input = count(field(usage, 'prompt_tokens'));
  const output = count(field(usage, 'completion_tokens'));
  const total = count(field(usage, 'total_tokens'));
  if (input === undefined && output === undefined && total === undefined) return undefined;
  const promptDetails = field(usage, 'prompt_tokens_details');
  const completionDetails = field(usage, 'completion_tokens_details');
  return dropUndefined({
    input,
    output,
    total: total ?? (input !== undefined && output !== undefined ? input + output : undefined),
    cachedInput: count(field(promptDetails, 'cached_tokens')),
    cacheWriteInput: count(field(promptDetails, 'cache_write_tokens')),
    reasoningOutput: count(field(completionDetails, 'reasoning_tokens')),
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
  const input = count(field(usage, 'input_tokens'));
  const output = count(field(usage, 'output_tokens'));
  const total = count(field(usage, 'total_tokens'));
  if (input === undefined && output === undefined && total === undefined) return undefined;
  const inputDetails = field(usage, 'input_tokens_details');
  return dropUndefined({
    input,
    output,
    total: total ?? (input !== undefined && output !== undefined ? input + output : undefined),
    cachedInput: count(field(inputDetails, 'cached_tokens')),
    cacheWriteInput: count(field(inputDetails, 'cache_write_tokens')),
    reasoningOutput: count(field(field(usage, 'output_tokens_details'), 'reasoning_tokens')),
  });
}
