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

function dropUndefined(usage: TokenUsage): TokenUsage {
  const kept: TokenUsage = {};
  for (const key of Object.keys(usage) as (keyof TokenUsage)[]) {
    if (usage[key] !== undefined) kept[key] = usage[key];
  }
  return kept;
}
